"""The REST API (/api/v1/): authentication, conventions, and the platform's own operations."""

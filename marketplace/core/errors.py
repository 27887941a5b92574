"""The domain-error hierarchy: a rule refused the request; mapped to a 4xx in one place each for
the API (marketplace.core.api.errors) and the pages (marketplace.core.web.form_add_errors)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused the request. Maps to a 4xx, never a 500."""

    code = "domain_error"
    status = 400

    def __init__(self, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field

    def as_dict(self) -> dict:
        body: dict[str, Any] = {"code": self.code, "detail": self.detail, "errors": {}}
        if self.field:
            body["errors"] = {self.field: [self.detail]}
        return body


class StorageUnavailable(DomainError):
    """The upload directory refused the file (full, read-only, gone): nothing was stored or recorded.
    Not the client's fault, so a 503 with Retry-After (marketplace.core.unavailable), said beside the field."""

    code = "storage_unavailable"
    status = 503


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    status = 409

"""Every non-trivial read of the platform package, scoped to the viewer."""

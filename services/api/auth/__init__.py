"""API keys, roles and the caller's data scope."""

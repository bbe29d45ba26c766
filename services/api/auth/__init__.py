"""The API-keys area: /v1/api-keys, creating, listing and revoking keys (authenticating is `services.api.access`)."""

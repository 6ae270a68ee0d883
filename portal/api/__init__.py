"""The JSON API under /api/v1: bearer tokens, the same policy, an OpenAPI document."""

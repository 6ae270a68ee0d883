"""The OpenAPI 3 document of /api/v1; each endpoint module adds its paths to PATHS."""

from __future__ import annotations

from typing import Any

PATHS: dict[str, dict[str, Any]] = {}

RATING_VALUES = ["Outstanding", "Good", "Requires improvement", "Inadequate", None]

SCHEMAS: dict[str, Any] = {
    "Errors": {
        "type": "object",
        "description": "Bad input: one message per field. Nothing was changed.",
        "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}},
        "required": ["errors"],
    },
    "Error": {
        "type": "object",
        "properties": {"error": {"type": "string"}},
        "required": ["error"],
    },
}

RESPONSES: dict[str, Any] = {
    "Unauthorised": {
        "description": "No valid bearer token.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "Forbidden": {
        "description": "The caller's role does not allow this.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "NotFound": {
        "description": "No such record, or one the caller may not read (the two are not told apart).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "Invalid": {
        "description": "Bad input; nothing was changed.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    },
}


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Care Provider Intelligence Portal API",
            "version": "1",
            "description": (
                "JSON in and out; dates are YYYY-MM-DD. Every call needs "
                "`Authorization: Bearer TOKEN` (a per-user token: `portal tokens create`). "
                "The same access policy as the web pages applies: an item the caller may "
                "not read is answered 404, exactly as one that does not exist."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": dict(sorted(PATHS.items())),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    }

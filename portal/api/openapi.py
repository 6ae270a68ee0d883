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
    "Provider": {
        "type": "object",
        "description": "A registered care service location.",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "cqc_location_id": {"type": "string", "nullable": True, "example": "1-1234567890"},
            "cqc_provider_id": {"type": "string", "nullable": True, "example": "1-101234567"},
            "address": {"type": "string"},
            "postcode": {"type": "string", "nullable": True, "example": "SW19 2HL"},
            "local_authority": {"type": "string", "nullable": True},
            "service_types": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Service type codes from the taxonomy (care-home, ...).",
            },
            "latitude": {"type": "number", "nullable": True},
            "longitude": {"type": "number", "nullable": True},
            "ratings": {
                "type": "object",
                "description": "CQC's current ratings; null where not rated.",
                "properties": {
                    **{
                        domain: {"type": "string", "nullable": True, "enum": RATING_VALUES}
                        for domain in (
                            "overall",
                            "safe",
                            "effective",
                            "caring",
                            "responsive",
                            "well-led",
                        )
                    },
                    "published_on": {"type": "string", "format": "date", "nullable": True},
                },
            },
            "distance_km": {
                "type": "number",
                "nullable": True,
                "description": (
                    "Only in a search by postcode: kilometres from the place searched for, "
                    "approximate where measured from a postcode district's centroid."
                ),
            },
        },
        "required": [
            "id",
            "name",
            "cqc_location_id",
            "cqc_provider_id",
            "address",
            "postcode",
            "local_authority",
            "service_types",
            "latitude",
            "longitude",
            "ratings",
        ],
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

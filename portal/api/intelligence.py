"""POST /api/v1/intelligence and GET /api/v1/intelligence/ID, as DESIGN.md's contract says.

The input is checked by the same function as the web form
(``portal.intelligence.validation.validate_item``).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.api.auth import api_requires, not_found, validation_errors
from portal.api.blueprint import bp
from portal.api.openapi import PATHS, SCHEMAS
from portal.inputs import InputError, read_json_object
from portal.intelligence import services
from portal.intelligence.validation import validate_item
from portal.models import IntelligenceItem
from portal.policy import Permission

FIELDS = (
    "provider_id",
    "cqc_location_id",
    "observed_on",
    "title",
    "body",
    "key_question",
    "themes",
    "likelihood",
    "impact",
    "marking",
    "recipients",
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "handling_conditions",
)


def item_json(item: IntelligenceItem) -> dict[str, Any]:
    """An item as the API gives it (attachments described, never their content)."""
    return {
        "id": item.id,
        "provider": {
            "id": item.provider.id,
            "name": item.provider.name,
            "cqc_location_id": item.provider.cqc_location_id,
        },
        "source_agency": item.source_agency.code,
        "author": item.author.name,
        "observed_on": item.observed_on.isoformat(),
        "logged_at": item.logged_at.isoformat(timespec="seconds") + "Z",
        "updated_at": item.updated_at.isoformat(timespec="seconds") + "Z",
        "title": item.title,
        "body": item.body,
        "key_question": str(item.key_question),
        "themes": item.theme_codes,
        "likelihood": item.likelihood,
        "impact": item.impact,
        "score": item.score,
        "band": item.band,
        "source_evaluation": int(item.source_evaluation),
        "intelligence_assessment": str(item.intelligence_assessment),
        "handling_code": str(item.handling_code),
        "handling_conditions": item.handling_conditions,
        "marking": str(item.marking),
        "recipients": services.recipient_emails(item),
        "status": str(item.status),
        "withdrawn_reason": item.withdrawn_reason,
        "revisions": item.revision_count,
        "attachments": [
            {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type}
            for a in sorted(item.attachments, key=lambda a: a.id)
        ],
        "url": url_for("intelligence.view_item", item_id=item.id, _external=True),
    }


@bp.route("/intelligence", methods=["POST"])
@api_requires(Permission.LOG_INTELLIGENCE)
def create_intelligence() -> ResponseReturnValue:
    """Log an item: 201 and the item, or 422 with a message per bad field (nothing saved)."""
    try:
        data = read_json_object(request.get_data(cache=False), request.is_json)
    except InputError as exc:
        return validation_errors(exc.errors)
    unknown = sorted(set(data) - set(FIELDS))
    fields, errors = validate_item(data, current_user)
    for key in unknown[:10]:
        errors[key[:50]] = "Unknown field"
    if fields is None or errors:
        return validation_errors(errors)
    item = services.log_item(current_user, fields, via="api")
    created = services.readable_item(current_user, item.id)
    if created is None:  # never: the policy lets every author read what they logged
        return not_found()
    response = jsonify(item_json(created))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_intelligence", item_id=item.id)
    return response


@bp.route("/intelligence/<int:item_id>")
@api_requires(Permission.BROWSE)
def get_intelligence(item_id: int) -> ResponseReturnValue:
    """An item the caller may read (404 otherwise); the read is audited."""
    item = services.readable_item(current_user, item_id)
    if item is None:
        return not_found()
    services.record_read(current_user, item)
    return jsonify(item_json(item))


_REF = "#/components/schemas/"
_ITEM_RESPONSE = {"application/json": {"schema": {"$ref": _REF + "IntelligenceItem"}}}
_MARKINGS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
_KEY_QUESTIONS = ["safe", "effective", "caring", "responsive", "well-led"]

SCHEMAS["NewIntelligenceItem"] = {
    "type": "object",
    "description": (
        "An item to log. Give provider_id or cqc_location_id. Every bad field is reported at "
        "once (422) and nothing is saved."
    ),
    "properties": {
        "provider_id": {"type": "integer"},
        "cqc_location_id": {"type": "string", "example": "1-123456789"},
        "observed_on": {
            "type": "string",
            "format": "date",
            "description": "YYYY-MM-DD, today or earlier",
        },
        "title": {"type": "string", "maxLength": 200},
        "body": {"type": "string", "maxLength": 20000},
        "key_question": {"type": "string", "enum": _KEY_QUESTIONS},
        "themes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Theme codes from config/taxonomy.toml",
        },
        "likelihood": {"type": "integer", "minimum": 1, "maximum": 5},
        "impact": {"type": "integer", "minimum": 1, "maximum": 5},
        "source_evaluation": {"type": "integer", "minimum": 1, "maximum": 3},
        "intelligence_assessment": {"type": "string", "enum": ["A", "B", "C", "D", "E"]},
        "handling_code": {"type": "string", "enum": ["P", "C"]},
        "handling_conditions": {
            "type": "string",
            "description": "Required with handling code C; ignored with P",
        },
        "marking": {"type": "string", "enum": _MARKINGS},
        "recipients": {
            "type": "array",
            "items": {"type": "string", "format": "email"},
            "description": (
                "For RED only (ignored otherwise): e-mail addresses of active users who may "
                "read it; the author always may"
            ),
        },
    },
    "required": [
        "observed_on",
        "title",
        "body",
        "key_question",
        "likelihood",
        "impact",
        "source_evaluation",
        "intelligence_assessment",
        "handling_code",
        "marking",
    ],
    "additionalProperties": False,
}

SCHEMAS["IntelligenceItem"] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "provider": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "cqc_location_id": {"type": "string", "nullable": True},
            },
        },
        "source_agency": {"type": "string", "description": "The logging agency's code"},
        "author": {"type": "string"},
        "observed_on": {"type": "string", "format": "date"},
        "logged_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "title": {"type": "string"},
        "body": {"type": "string"},
        "key_question": {"type": "string", "enum": _KEY_QUESTIONS},
        "themes": {"type": "array", "items": {"type": "string"}},
        "likelihood": {"type": "integer"},
        "impact": {"type": "integer"},
        "score": {"type": "integer", "description": "likelihood × impact, 1-25"},
        "band": {"type": "string", "enum": ["low", "moderate", "high", "extreme"]},
        "source_evaluation": {"type": "integer"},
        "intelligence_assessment": {"type": "string"},
        "handling_code": {"type": "string"},
        "handling_conditions": {"type": "string"},
        "marking": {"type": "string", "enum": _MARKINGS},
        "recipients": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string", "enum": ["open", "withdrawn"]},
        "withdrawn_reason": {"type": "string", "nullable": True},
        "revisions": {"type": "integer", "description": "How many revisions the item has"},
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "filename": {"type": "string"},
                    "size": {"type": "integer"},
                    "content_type": {"type": "string"},
                },
            },
        },
        "url": {"type": "string", "description": "The item's page"},
    },
}

PATHS["/intelligence"] = {
    "post": {
        "summary": "Log an intelligence item",
        "operationId": "createIntelligence",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": _REF + "NewIntelligenceItem"}}},
        },
        "responses": {
            "201": {"description": "Logged", "content": _ITEM_RESPONSE},
            "401": {"$ref": "#/components/responses/Unauthorised"},
            "403": {"$ref": "#/components/responses/Forbidden"},
            "422": {"$ref": "#/components/responses/Invalid"},
        },
    }
}

PATHS["/intelligence/{item_id}"] = {
    "get": {
        "summary": "An intelligence item the caller may read",
        "operationId": "getIntelligence",
        "parameters": [
            {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ],
        "responses": {
            "200": {"description": "The item", "content": _ITEM_RESPONSE},
            "401": {"$ref": "#/components/responses/Unauthorised"},
            "404": {"$ref": "#/components/responses/NotFound"},
        },
    }
}

"""POST /api/v1/contract-visits and GET /api/v1/contract-visits/ID.

The input is checked by the same function as the web form
(``portal.visits.validation.validate_visit``); reads go through the policy.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.api.auth import api_requires, json_error, not_found, validation_errors
from portal.api.blueprint import bp
from portal.api.openapi import PATHS, SCHEMAS
from portal.config import labels
from portal.inputs import InputError, read_json_object
from portal.models import FindingResult, OverallJudgement, VisitType
from portal.policy import MONITORING_MARKINGS, Permission, can_record_monitoring
from portal.visits import services
from portal.visits.validation import principles, validate_visit


@bp.route("/contract-visits", methods=["POST"])
@api_requires(Permission.LOG_INTELLIGENCE)
def create_contract_visit() -> ResponseReturnValue:
    """Record a visit: 201 and the visit, or 422 with a message per bad field (nothing saved)."""
    if not can_record_monitoring(current_user):
        return json_error(403, "Only members and chairs of a council record contract visits.")
    try:
        data = read_json_object(request.get_data(cache=False), request.is_json)
    except InputError as exc:
        return validation_errors(exc.errors)
    fields, errors = validate_visit(data, date.today())
    if fields is None or errors:
        return validation_errors(errors)
    visit = services.record_visit(current_user, fields, via="api")
    response = jsonify(services.visit_json(visit))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_contract_visit", visit_id=visit.id)
    return response


@bp.route("/contract-visits/<int:visit_id>")
@api_requires(Permission.BROWSE)
def get_contract_visit(visit_id: int) -> ResponseReturnValue:
    """A visit the caller may read (404 otherwise); the read is audited."""
    visit = services.readable_visit(current_user, visit_id)
    if visit is None:
        return not_found()
    services.record_read(current_user, visit)
    return jsonify(services.visit_json(visit))


_REF = "#/components/schemas/"
_RESULTS = [r.value for r in FindingResult]


def _finding_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "result": {"type": "string", "enum": _RESULTS},
            "evidence": {
                "type": "string",
                "maxLength": 5000,
                "description": "Required when the result is `not met`",
            },
            "likelihood": {
                "type": "integer",
                "minimum": 1,
                "maximum": 5,
                "description": "For the item a `not met` finding becomes; default from the "
                "principle in config/taxonomy.toml",
            },
            "impact": {"type": "integer", "minimum": 1, "maximum": 5},
        },
        "required": ["result"],
    }


SCHEMAS["NewContractVisit"] = {
    "type": "object",
    "description": (
        "A contract monitoring visit (members and chairs of a council). Give provider_id or "
        "cqc_location_id. A principle left out of `findings` is `not seen`. Each `not met` "
        "finding becomes an intelligence item with the visit's marking, linked back to the "
        "visit. Every bad field is reported at once (422) and nothing is saved."
    ),
    "properties": {
        "provider_id": {"type": "integer"},
        "cqc_location_id": {"type": "string", "example": "1-123456789"},
        "visited_on": {"type": "string", "format": "date", "description": "YYYY-MM-DD"},
        "visit_type": {"type": "string", "enum": [t.value for t in VisitType]},
        "spoke_to": {
            "type": "array",
            "items": {"type": "string", "enum": list(labels("visit_contacts"))},
        },
        "overall": {"type": "string", "enum": [j.value for j in OverallJudgement]},
        "summary": {"type": "string", "maxLength": 10000},
        "marking": {
            "type": "string",
            "enum": [m.value for m in MONITORING_MARKINGS],
            "default": "AMBER",
        },
        "findings": {
            "type": "object",
            "description": "Keyed by principle of care",
            "properties": {p.code: _finding_schema() for p in principles()},
            "additionalProperties": False,
        },
    },
    "required": ["visited_on", "visit_type", "overall"],
}
SCHEMAS["ContractVisit"] = {
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
        "agency": {"type": "string", "description": "The recording agency's code."},
        "visited_on": {"type": "string", "format": "date"},
        "visit_type": {"type": "string", "enum": [t.value for t in VisitType]},
        "spoke_to": {"type": "array", "items": {"type": "string"}},
        "overall": {"type": "string", "enum": [j.value for j in OverallJudgement]},
        "summary": {"type": "string"},
        "marking": {"type": "string", "enum": [m.value for m in MONITORING_MARKINGS]},
        "recorded_at": {"type": "string", "format": "date-time"},
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "principle": {"type": "string", "enum": [p.code for p in principles()]},
                    "result": {"type": "string", "enum": _RESULTS},
                    "evidence": {"type": "string"},
                    "intelligence_item_id": {
                        "type": "integer",
                        "nullable": True,
                        "description": "The item a `not met` finding became.",
                    },
                },
            },
        },
    },
}
_VISIT = {"application/json": {"schema": {"$ref": _REF + "ContractVisit"}}}
PATHS["/contract-visits"] = {
    "post": {
        "summary": "Record a contract monitoring visit with its findings per principle of care",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": _REF + "NewContractVisit"}}},
        },
        "responses": {
            "201": {"description": "The visit, as recorded.", "content": _VISIT},
            "401": {"$ref": "#/components/responses/Unauthorised"},
            "403": {"$ref": "#/components/responses/Forbidden"},
            "422": {"$ref": "#/components/responses/Invalid"},
        },
    }
}
PATHS["/contract-visits/{id}"] = {
    "get": {
        "summary": "A contract monitoring visit the caller may read",
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ],
        "responses": {
            "200": {"description": "The visit.", "content": _VISIT},
            "401": {"$ref": "#/components/responses/Unauthorised"},
            "404": {"$ref": "#/components/responses/NotFound"},
        },
    }
}

"""GET /api/v1/search: the same search as the page, as JSON."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.api.auth import api_requires, validation_errors
from portal.api.blueprint import bp
from portal.api.openapi import PATHS, SCHEMAS
from portal.auth import limits
from portal.extensions import limiter
from portal.inputs import parse_page
from portal.policy import Permission
from portal.search.services import MAX_PAGE, FilterError, read_filters, run_search


@bp.route("/search")
@limiter.limit(limits.search, key_func=limits.user_or_address)
@api_requires(Permission.BROWSE)
def api_search() -> ResponseReturnValue:
    """Ranked hits the caller may read, with total, facets and any message about the query."""
    errors: dict[str, str] = {}
    page = parse_page(request.args.get("page"), MAX_PAGE)
    if page is None:
        errors["page"] = f"page must be a whole number from 1 to {MAX_PAGE}"
    try:
        filters = read_filters(request.args)
    except FilterError as exc:
        errors |= exc.errors
    if errors:
        return validation_errors(errors)
    per_page = int(current_app.config["PORTAL"]["page_size"])
    results = run_search(current_user, request.args.get("q", ""), filters, page or 1, per_page)
    return jsonify(
        {
            "total": results.total,
            "page": results.page,
            "hits": [
                {
                    "type": hit.type,
                    "id": hit.id,
                    "title": hit.title,
                    "snippet": str(hit.snippet),
                    "score": hit.score,
                }
                for hit in results.hits
            ],
            "facets": {
                name: {value: count for value, _, count in rows}
                for name, rows in results.facets.items()
            },
            "message": results.message,
        }
    )


SCHEMAS["SearchResults"] = {
    "type": "object",
    "required": ["total", "hits", "facets", "message"],
    "properties": {
        "total": {"type": "integer", "description": "Exact number of hits the caller may read."},
        "page": {"type": "integer"},
        "hits": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "id", "title", "snippet", "score"],
                "properties": {
                    "type": {"type": "string", "enum": ["intelligence", "provider"]},
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "snippet": {
                        "type": "string",
                        "description": "HTML-escaped text; matched words wrapped in <mark>.",
                    },
                    "score": {"type": "number"},
                },
            },
        },
        "facets": {
            "type": "object",
            "description": "Counts per value for agency, key_question, theme, marking and month.",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
            },
        },
        "message": {
            "type": "string",
            "nullable": True,
            "description": "Set when the query could not be read and was searched as plain words.",
        },
    },
}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


PATHS["/search"] = {
    "get": {
        "summary": "Search intelligence and providers",
        "description": (
            'One query language: words, "phrases", prefix*, provider:/theme:/agency:/title: '
            "fields, AND / OR / NOT and brackets. Only what the caller may read is counted."
        ),
        "parameters": [
            _query("q", "The query."),
            _query("page", "Page number from 1.", {"type": "integer", "minimum": 1}),
            _query("agency", "Source agency code."),
            _query("key_question", "safe, effective, caring, responsive or well-led."),
            _query("theme", "A theme code from the taxonomy."),
            _query("marking", "CLEAR, GREEN, AMBER, AMBER+STRICT or RED."),
            _query(
                "from", "Observed on or after (YYYY-MM-DD).", {"type": "string", "format": "date"}
            ),
            _query(
                "to", "Observed on or before (YYYY-MM-DD).", {"type": "string", "format": "date"}
            ),
        ],
        "responses": {
            "200": {
                "description": "The hits.",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/SearchResults"}}
                },
            },
            "401": {"$ref": "#/components/responses/Unauthorised"},
            "422": {"$ref": "#/components/responses/Invalid"},
        },
    }
}

"""GET /api/v1/search: the same search as the page, as JSON."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.api.auth import api_requires
from portal.api.blueprint import bp
from portal.auth import limits
from portal.extensions import limiter
from portal.inputs import parse_page
from portal.policy import Permission
from portal.search.places import ProviderSummary
from portal.search.query import query_problem
from portal.search.services import MAX_PAGE, FilterError, SearchHit, read_filters, run_search
from portal.unit_of_work import ValidationFailed


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
    text = request.args.get("q", "")
    problem = query_problem(text)
    if problem:
        errors["q"] = problem
    if errors:
        raise ValidationFailed(errors)
    per_page = int(current_app.config["PORTAL"]["page_size"])
    results = run_search(current_user, text, filters, page or 1, per_page)
    return jsonify(
        {
            "total": results.total,
            "total_capped": results.total_capped,
            "facets_capped": results.facets_capped,
            "page": results.page,
            "hits": [_hit_json(hit) for hit in results.hits],
            "providers": [
                _provider_json(p) for p in (results.places.providers if results.places else [])
            ],
            "facets": {
                name: {value: count for value, _, count in rows}
                for name, rows in results.facets.items()
            },
            "message": results.message,
        }
    )


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    """A hit: an item (with its provider's id) or a provider (whose provider_id is its own)."""
    return {
        "type": hit.type,
        "id": hit.id,
        "title": hit.title,
        "snippet": str(hit.snippet),
        "score": hit.score,
        "provider_id": hit.record.provider_id if hit.type == "intelligence" else hit.id,
    }


def _provider_json(provider: ProviderSummary) -> dict[str, Any]:
    """A provider the query points to, with its risk and item count for this caller."""
    return {
        "id": provider.id,
        "name": provider.name,
        "postcode": provider.postcode,
        "distance_km": provider.distance_km,
        "current_risk": {"score": provider.risk.score, "band": str(provider.risk.band)}
        if provider.risk
        else None,
        "items": provider.items,
    }

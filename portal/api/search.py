"""GET /api/v1/search: the same search as the page, as JSON."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.api.auth import api_requires
from portal.api.blueprint import bp
from portal.auth import limits
from portal.extensions import limiter
from portal.inputs import parse_page
from portal.policy import Permission
from portal.search.services import MAX_PAGE, FilterError, read_filters, run_search
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
    if errors:
        raise ValidationFailed(errors)
    per_page = int(current_app.config["PORTAL"]["page_size"])
    results = run_search(current_user, request.args.get("q", ""), filters, page or 1, per_page)
    return jsonify(
        {
            "total": results.total,
            "total_capped": results.total_capped,
            "facets_capped": results.facets_capped,
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

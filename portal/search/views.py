"""The search page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.auth import limits
from portal.extensions import limiter
from portal.policy import Permission, requires
from portal.search.interface import SearchFilters
from portal.search.presenter import search_page_context
from portal.search.query import query_problem
from portal.search.services import FilterError, read_filters, run_search
from portal.views import page_number

bp = Blueprint("search", __name__)


@bp.route("/search")
@limiter.limit(limits.search, key_func=limits.user_or_address)
@requires(Permission.BROWSE)
def search() -> ResponseReturnValue:
    """Search intelligence and providers, with facets and filters."""
    errors: dict[str, str] = {}
    try:
        filters = read_filters(request.args)
    except FilterError as exc:
        errors, filters = exc.errors, SearchFilters()
    text = request.args.get("q", "")
    problem = query_problem(text)
    if problem:
        errors["q"] = problem
    searched = (bool(text.strip()) or filters.any) and not problem
    per_page = int(current_app.config["PORTAL"]["page_size"])
    results = (
        run_search(current_user, text, filters, page_number(request.args), per_page)
        if searched
        else None
    )
    context = search_page_context(request.args, results, errors)
    return render_template(
        "search/search.html",
        **context,
        page_url=lambda n: url_for("search.search", **{**request.args.to_dict(), "page": n}),
    )

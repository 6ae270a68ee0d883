"""What the search page shows beside the results: the filter choices and facet links."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for

from portal.config import labels
from portal.extensions import db
from portal.models import Agency, KeyQuestion, Marking
from portal.search.query import FIELDS
from portal.search.services import SearchResults

FACET_TITLES = {
    "agency": "Agency",
    "key_question": "Key question",
    "theme": "Theme",
    "marking": "Marking",
    "month": "Month observed",
}


def _choices() -> dict[str, list[tuple[str, str]]]:
    agencies = db.session.execute(sa.select(Agency.code, Agency.name).order_by(Agency.name)).all()
    return {
        "agency": [(code.lower(), name) for code, name in agencies],
        "key_question": [(k.value, k.label) for k in KeyQuestion],
        "theme": sorted(labels("themes").items(), key=lambda kv: kv[1]),
        "marking": [(m.value, m.label) for m in Marking],
    }


def record_url(hit_type: str, record_id: int) -> str | None:
    """Where a hit links to, when that page exists."""
    endpoint, arg = (
        ("intelligence.view_item", "item_id")
        if hit_type == "intelligence"
        else ("providers.view_provider", "provider_id")
    )
    if endpoint not in current_app.view_functions:
        return None
    values: dict[str, Any] = {arg: record_id}
    return url_for(endpoint, **values)


def search_page_context(
    args: Mapping[str, str], results: SearchResults | None, errors: dict[str, str]
) -> dict[str, Any]:
    """Template context: the form's values and choices, facets as links, hit links."""
    current: dict[str, Any] = {k: v for k, v in args.items() if v and k != "page"}
    facet_links: dict[str, list[dict[str, Any]]] = {}
    if results is not None:
        for name, rows in results.facets.items():
            if name == "month":
                continue
            facet_links[name] = [
                {
                    "label": label,
                    "count": count,
                    "selected": current.get(name, "").lower() == value.lower(),
                    "href": url_for("search.search", **{**current, name: value}),
                }
                for value, label, count in rows
            ]
        facet_links["month"] = [
            {
                "label": label,
                "count": count,
                "selected": current.get("from") == f"{value}-01",
                "href": url_for(
                    "search.search", **{**current, "from": f"{value}-01", "to": _month_end(value)}
                ),
            }
            for value, label, count in results.facets.get("month", [])
        ]
    return {
        "query": args.get("q", ""),
        "values": current,
        "choices": _choices(),
        "results": results,
        "errors": errors,
        "facet_links": facet_links,
        "facet_titles": FACET_TITLES,
        "fields_help": FIELDS,
        "hit_urls": {
            (h.type, h.id): record_url(h.type, h.id) for h in (results.hits if results else [])
        },
        "places": _places_context(results),
        "clear_url": url_for("search.search", q=args.get("q", ""))
        if len(current) > 1 or "q" not in current
        else None,
    }


def _places_context(results: SearchResults | None) -> dict[str, Any] | None:
    """The providers panel: its heading, each provider's link, and the way to search as words."""
    places = results.places if results is not None else None
    if places is None or results is None:
        return None
    headings = {
        "postcode": f"Providers in and near {places.found}, nearest first",
        "name": f"Providers named like “{places.found}”, best match first",
        "id": f"Providers with CQC ID {places.found}",
    }
    tokens = results.text.split()
    as_words = " AND ".join(tokens) if len(tokens) > 1 else f'"{tokens[0]}"'
    return {
        "heading": headings[places.kind],
        "links": {p.id: record_url("provider", p.id) for p in places.providers},
        "words_url": url_for("search.search", q=as_words),
        "as_words": as_words,
        "more_url": url_for("providers.list_providers", q=places.found)
        if places.total > len(places.providers)
        and "providers.list_providers" in current_app.view_functions
        else None,
    }


def _month_end(month: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    following = (year + number // 12, number % 12 + 1)
    from datetime import date, timedelta

    return (date(following[0], following[1], 1) - timedelta(days=1)).isoformat()

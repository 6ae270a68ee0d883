"""GET /api/v1/providers and /api/v1/providers/ID, as DESIGN.md's API contract says."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.api.auth import api_requires, not_found
from portal.api.blueprint import bp
from portal.inputs import parse_page
from portal.models import Embargo, IntelligenceItem, Provider, RatingDomain
from portal.policy import Permission
from portal.postcodes import InvalidPostcode, parse_postcode
from portal.providers import services
from portal.providers.search import Distance, clean_query
from portal.unit_of_work import ValidationFailed

PAGE_MESSAGE = "Page must be a whole number from 1"


def provider_json(
    provider: Provider, distance: Distance | None = None, *, near: bool = False
) -> dict[str, Any]:
    """A provider as every API answer gives it (with distance_km in a postcode search)."""
    ratings: dict[str, Any] = {}
    for domain in RatingDomain:
        rating = provider.rating_for(domain)
        ratings[domain.value] = str(rating.rating) if rating else None
    overall = provider.rating_for(RatingDomain.OVERALL)
    dates = [r.published_on for r in provider.ratings if r.published_on]
    published = (
        overall.published_on if overall and overall.published_on else max(dates, default=None)
    )
    ratings["published_on"] = published.isoformat() if published else None
    answer: dict[str, Any] = {
        "id": provider.id,
        "name": provider.name,
        "cqc_location_id": provider.cqc_location_id,
        "cqc_provider_id": provider.cqc_provider_id,
        "address": provider.address,
        "postcode": provider.postcode,
        "local_authority": provider.local_authority,
        "service_types": provider.service_type_codes,
        "latitude": provider.latitude,
        "longitude": provider.longitude,
        "ratings": ratings,
    }
    if near:
        answer["distance_km"] = round(distance.km, 1) if distance else None
    return answer


def item_json(item: IntelligenceItem) -> dict[str, Any]:
    """An item of intelligence as a provider's answer lists it."""
    return {
        "id": item.id,
        "title": item.title,
        "observed_on": item.observed_on.isoformat(),
        "key_question": str(item.key_question),
        "marking": item.marking_value,
        "score": item.score,
        "band": item.band,
        "source_agency": item.source_agency.code,
        "status": str(item.status),
    }


def embargo_json(embargo: Embargo) -> dict[str, Any]:
    """An embargo as a provider's answer gives it, with the boroughs told."""
    return {
        "starts_on": embargo.starts_on.isoformat(),
        "ends_on": embargo.ends_on.isoformat() if embargo.ends_on else None,
        "reason": embargo.reason,
        "boroughs_told": [
            {"borough": n.borough, "notified_on": n.notified_on.isoformat()}
            for n in embargo.notices
        ],
    }


def _page_argument() -> int | None:
    return parse_page(request.args.get("page"), 999_999)


@bp.route("/providers")
@api_requires(Permission.BROWSE)
def providers_list() -> ResponseReturnValue:
    """Providers by name, CQC ID or postcode (nearest first), a page at a time."""
    page = _page_argument()
    errors: dict[str, str] = {}
    if page is None:
        errors["page"] = PAGE_MESSAGE
    postcode_text = request.args.get("postcode", "")
    postcode = None
    if postcode_text.strip():
        try:
            postcode = parse_postcode(clean_query(postcode_text))
        except InvalidPostcode as invalid:
            errors["postcode"] = invalid.message
    if errors or page is None:
        raise ValidationFailed(errors)
    per_page = int(current_app.config["PORTAL"]["page_size"])
    found = services.find_provider_page(
        request.args.get("q", ""), page, per_page, postcode=postcode, clamp=False
    )
    near = postcode is not None
    return jsonify(
        {
            "items": [
                provider_json(p, found.distances.get(p.id), near=near) for p in found.providers
            ],
            "total": found.total,
            "page": found.page,
        }
    )


@bp.route("/providers/<int:provider_id>")
@api_requires(Permission.BROWSE)
def provider_detail(provider_id: int) -> ResponseReturnValue:
    """One provider with its ratings, risk, concern, embargo and the items the caller may read."""
    detail = services.provider_detail(current_user, provider_id, clock.today())
    if detail is None:
        return not_found()
    answer = provider_json(detail.provider)
    answer["current_risk"] = (
        {"score": detail.risk.score, "band": str(detail.risk.band)} if detail.risk else None
    )
    answer["concern_stage"] = str(detail.stage.stage) if detail.stage else None
    answer["embargo"] = embargo_json(detail.embargo) if detail.embargo else None
    answer["items"] = [item_json(item) for item in detail.items]
    answer["care_monitoring"] = [m.as_json() for m in detail.care_monitoring if m.visits]
    return jsonify(answer)

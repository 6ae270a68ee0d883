"""POST /api/v1/intelligence and GET /api/v1/intelligence/ID, as DESIGN.md's contract says.

The input is checked by the same function as the web form
(``portal.intelligence.validation.validate_item``).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.api.auth import api_requires, not_found
from portal.api.blueprint import bp
from portal.inputs import read_json_object
from portal.intelligence import services
from portal.intelligence.validation import validate_item
from portal.models import IntelligenceItem
from portal.policy import Permission
from portal.unit_of_work import ValidationFailed

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
    data = read_json_object(request.get_data(cache=False), request.is_json)
    unknown = {key[:50]: "Unknown field" for key in sorted(set(data) - set(FIELDS))[:10]}
    try:
        fields = validate_item(data, current_user)
    except ValidationFailed as refused:
        raise ValidationFailed(refused.errors | unknown) from None
    if unknown:
        raise ValidationFailed(unknown)
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

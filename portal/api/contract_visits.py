"""POST /api/v1/contract-visits and GET /api/v1/contract-visits/ID.

The input is checked by the same function as the web form
(``portal.visits.validation.validate_visit``); reads go through the policy.
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.api.auth import api_requires, json_error, not_found
from portal.api.blueprint import bp
from portal.inputs import read_json_object
from portal.policy import Permission, can_record_monitoring
from portal.visits import services
from portal.visits.validation import validate_visit


@bp.route("/contract-visits", methods=["POST"])
@api_requires(Permission.LOG_INTELLIGENCE)
def create_contract_visit() -> ResponseReturnValue:
    """Record a visit: 201 and the visit, or 422 with a message per bad field (nothing saved)."""
    if not can_record_monitoring(current_user):
        return json_error(403, "Only members and chairs of a council record contract visits.")
    data = read_json_object(request.get_data(cache=False), request.is_json)
    fields = validate_visit(data, clock.today())
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

"""POST /api/v1/contract-visits and GET /api/v1/contract-visits/ID.

Who may record and what is valid are decided by the same service function as the web form
(``portal.visits.services.record_submitted_visit``); reads go through the policy.
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import clock
from portal.api.auth import api_requires, json_error, not_found
from portal.api.blueprint import bp
from portal.inputs import read_json_object
from portal.policy import Permission
from portal.visits import services


@bp.route("/contract-visits", methods=["POST"])
@api_requires(Permission.LOG_INTELLIGENCE)
def create_contract_visit() -> ResponseReturnValue:
    """Record a visit: 201 and the visit, or 422 with a message per bad field (nothing saved)."""
    data = read_json_object(request.get_data(cache=False), request.is_json)
    try:
        visit = services.record_submitted_visit(current_user, data, clock.today(), via="api")
    except services.RecordingRefused as refused:
        return json_error(403, str(refused))
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

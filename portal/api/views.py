"""API routes that belong to no single area: the OpenAPI document."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from portal.api import bp
from portal.api.openapi import document
from portal.policy import public


@bp.route("/openapi.json")
@public
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3 document describing /api/v1."""
    return jsonify(document())


# The endpoint modules register their routes on import.
from portal.api import contract_visits, intelligence, meetings, providers, search  # noqa: E402,F401

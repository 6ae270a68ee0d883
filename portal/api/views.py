"""The API's routes: the endpoint modules', and the OpenAPI document, which belongs to no area."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

# The endpoint modules add their routes (and their OpenAPI paths) to the blueprint on import.
from portal.api import contract_visits, intelligence, jobs, meetings, providers, search  # noqa: F401
from portal.api.auth import caller_from_token_only
from portal.api.blueprint import bp
from portal.api.openapi import document
from portal.policy import public

# Every call's user is the bearer token's, never the session cookie's.
bp.before_request(caller_from_token_only)


@bp.route("/openapi.json")
@public
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3 document describing /api/v1."""
    return jsonify(document())

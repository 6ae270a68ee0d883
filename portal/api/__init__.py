"""The JSON API under /api/v1: bearer tokens, the same policy, an OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from portal.api import views  # noqa: E402,F401  (registers the routes)

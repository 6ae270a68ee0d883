"""Provider concerns (the six-stage process) and embargoes on new placements."""

from flask import Blueprint

bp = Blueprint("concerns", __name__)

from portal.concerns import views  # noqa: E402,F401  (registers the routes)

"""Contract monitoring visits: recorded by council members and chairs, read through the policy."""

from flask import Blueprint

bp = Blueprint("visits", __name__)

from portal.visits import views  # noqa: E402,F401  (registers the routes)

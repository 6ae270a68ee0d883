"""Electronic care monitoring (ECM): visit-log imports and the measures read from them."""

from flask import Blueprint

bp = Blueprint("ecm", __name__)

from portal.ecm import views  # noqa: E402,F401  (registers the routes)

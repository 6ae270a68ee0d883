"""Intelligence: logging it, reading it, changing it without losing anything, the lists."""

from flask import Blueprint

bp = Blueprint("intelligence", __name__, url_prefix="/intelligence")

from portal.intelligence import views  # noqa: E402,F401  (registers the routes)

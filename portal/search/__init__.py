"""Full-text search over intelligence and providers: one query language, two engines."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from portal.search import views  # noqa: E402,F401  (registers the routes)

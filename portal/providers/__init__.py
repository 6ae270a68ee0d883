"""The provider register: CQC import, provider pages and provider search."""

from flask import Blueprint

bp = Blueprint("providers", __name__)

from portal.providers import views  # noqa: E402,F401  (registers the routes)

"""Administration: agencies and their identity providers, users, API tokens, the audit trail."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from portal.admin import views  # noqa: E402,F401  (registers the routes)

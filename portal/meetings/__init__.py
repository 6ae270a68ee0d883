"""Meetings: the chair's monthly cycle of agenda, pack, minutes and actions."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

from portal.meetings import views  # noqa: E402,F401  (registers the routes)

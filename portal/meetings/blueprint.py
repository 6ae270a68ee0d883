"""The meetings blueprint, /meetings: portal.meetings.views and its sibling route modules add
their routes to it."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

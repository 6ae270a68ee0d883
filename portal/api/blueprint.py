"""The API's blueprint, /api/v1: every route module of portal.api adds its routes to it."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

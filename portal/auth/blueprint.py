"""The sign-in blueprint: portal.auth.views and portal.auth.account add their routes to it."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

"""The configured rate limits (Flask-Limiter reads them per request, so settings apply)."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user


def _setting(name: str) -> str:
    return str(current_app.config["PORTAL"][name])


def sign_in() -> str:
    """Sign-in attempts and set-up links, per client address."""
    return _setting("sign_in_rate_limit")


def second_factor() -> str:
    """Second-factor codes, per client address."""
    return _setting("second_factor_rate_limit")


def token() -> str:
    """Single sign-on token exchanges and API token changes."""
    return _setting("token_rate_limit")


def search() -> str:
    """Searches, per signed-in user (or bearer token's user)."""
    return _setting("search_rate_limit")


def user_or_address() -> str:
    """The key a per-person limit counts by: the user when signed in, else the address."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return get_remote_address() or request.remote_addr or "unknown"

"""Bearer-token authentication and JSON errors for the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, jsonify, request
from flask_login import current_user

from portal.auth.services import user_for_token
from portal.extensions import login_manager
from portal.models import User
from portal.policy import ACCESS_ATTRIBUTE, Permission, has_permission
from portal.refusals import record_refusal

F = TypeVar("F", bound=Callable[..., Any])
#: Every path of the API begins so; a session cookie opens nothing there.
API_PATH = "/api/"


def is_api_request() -> bool:
    """Whether this request is for the API (where only a bearer token says who calls)."""
    return request.path.startswith(API_PATH)


def bearer_token() -> str | None:
    """The token from `Authorization: Bearer TOKEN`, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def api_caller() -> User | None:
    """Who calls the API: the live bearer token's user, never the session cookie's."""
    token = bearer_token() if is_api_request() else None
    return user_for_token(token) if token else None


def caller_from_token_only() -> None:
    """Before each API call: the current user is the bearer token's, or nobody.

    Flask-Login would take the session cookie's user first; under /api that user is
    ignored (the API is exempt from CSRF, so a cookie must open nothing there).
    """
    login_manager._update_request_context_with_user(api_caller())


def json_error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    """A JSON error body with the status; a 401, 403 or 404 is a refusal, audited."""
    record_refusal(status)
    return jsonify({"error": message, **extra}), status


def unauthorised() -> tuple[Response, int]:
    """401 with the challenge a client needs."""
    response, status = json_error(
        401, "A valid API token is required (Authorization: Bearer TOKEN)."
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="portal"'
    return response, status


def not_found() -> tuple[Response, int]:
    """404: also the answer for anything the caller may not read."""
    return json_error(404, "Not found")


def api_requires(permission: Permission) -> Callable[[F], F]:
    """Declare and enforce the permission an API call needs (401, then 403).

    The current user is the bearer token's only (`caller_from_token_only`): a signed-in
    browser's session cookie is no caller, so a call with a cookie and no valid token is 401.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return unauthorised()
            if not has_permission(current_user, permission):
                return json_error(403, "Your role does not allow this.")
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTRIBUTE, f"api:{permission}")
        return cast(F, wrapped)

    return decorator

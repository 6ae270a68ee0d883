"""Bearer-token authentication and JSON errors for the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, jsonify, request
from flask_login import current_user

from portal.policy import ACCESS_ATTRIBUTE, Permission, has_permission

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    """The token from `Authorization: Bearer TOKEN`, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def json_error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    """A JSON error body with the status."""
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
    """Declare and enforce the permission an API call needs (401, then 403)."""

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

"""Signed-in sessions: the pending second factor, idle and absolute timeouts, generations.

A session records when it began and was last used, and the user's session generation
when it began; "sign out everywhere" raises the generation, which ends every older
session on every server (sessions are signed cookies, so nothing else is shared).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import current_app, session
from flask_login import login_user, logout_user

from portal import audit
from portal.auth.services import record_sign_in
from portal.models import User

PENDING_KEY = "pending_sign_in"
#: How long a person has, after the password, to give the second factor.
PENDING_SECONDS = 600
# A session's "last used" is written at most this often (each write is a new cookie).
SEEN_RESOLUTION_SECONDS = 30


@dataclass(frozen=True)
class PendingSignIn:
    """A first factor accepted (a password, or a single sign-on), the second still to come."""

    user_id: int
    next_url: str | None
    #: How the first step was made: "password" or "sso".
    first_factor: str = "password"
    #: What an identity provider said of its own sign-in, for the sign-in's audit event.
    details: dict[str, str] | None = None


def begin_pending(
    user: User,
    next_url: str | None,
    first_factor: str = "password",
    details: dict[str, str] | None = None,
) -> None:
    """Remember, for a few minutes, whose first factor was right."""
    session.pop(PENDING_KEY, None)
    session[PENDING_KEY] = {
        "user": user.id,
        "next": next_url,
        "at": time.time(),
        "generation": user.session_generation,
        "first": first_factor,
        "details": details,
    }


def pending(user_loader: Any) -> tuple[PendingSignIn, User] | None:
    """The pending sign-in and its user, if there is one still valid."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = user_loader(data.get("user"))
    if user is None or data.get("generation") != user.session_generation:
        session.pop(PENDING_KEY, None)
        return None
    first = "sso" if data.get("first") == "sso" else "password"
    details = data.get("details") if isinstance(data.get("details"), dict) else None
    return PendingSignIn(user.id, data.get("next"), first, details), user


def clear_pending() -> None:
    """Forget the pending sign-in."""
    session.pop(PENDING_KEY, None)


def start(user: User, method: str, details: dict[str, str] | None = None) -> None:
    """Sign the user in on this browser (after every factor), and audit it."""
    clear_pending()
    record_sign_in(user, method, details)
    login_user(user)
    now = time.time()
    session["generation"] = user.session_generation
    session["signed_in_at"] = now
    session["seen_at"] = now
    session["method"] = method


def generation_matches(user: User) -> bool:
    """Whether this session began after the user's last "sign out everywhere"."""
    return int(session.get("generation", 0)) == user.session_generation


def expiry_reason() -> str | None:
    """Why the signed-in session has ended ("idle" or "lifetime"), or None; marks it used."""
    settings = current_app.config["PORTAL"]
    now = time.time()
    signed_in_at = float(session.setdefault("signed_in_at", now))
    seen_at = float(session.setdefault("seen_at", now))
    if now - seen_at > int(settings["idle_timeout_minutes"]) * 60:
        return "idle"
    if now - signed_in_at > int(settings["session_lifetime_minutes"]) * 60:
        return "lifetime"
    if now - seen_at > SEEN_RESOLUTION_SECONDS:
        session["seen_at"] = now
    return None


def end(reason: str | None = None) -> None:
    """Sign out of this browser, auditing why when it was not the person's choice."""
    if reason is not None:
        audit.record("session-ended", reason=reason)
    logout_user()
    for key in ("generation", "signed_in_at", "seen_at", "method", PENDING_KEY):
        session.pop(key, None)


def sign_out_everywhere(user: User) -> None:
    """End every session of the user, on every browser and server."""
    user.session_generation += 1
    audit.record("signed-out-everywhere", user=user, object_type="user", object_id=user.id)

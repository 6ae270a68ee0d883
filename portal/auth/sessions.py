"""Signed-in sessions: the pending second factor, idle and absolute timeouts, generations.

A session records when it began and was last used, and the user's session generation
when it began; "sign out everywhere" raises the generation, which ends every older
session on every server. The session cookie also carries the id of the session's row in
sign_in_sessions: signing out ends that row, so a copy of the cookie taken before is
refused afterwards on every server (ASVS 3.3.1). Each step of signing in renews the CSRF
token, so a token from before is refused after.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, session
from flask_login import current_user, login_user, logout_user

from portal import audit
from portal.auth.services import record_sign_in
from portal.extensions import db
from portal.models import SignInSession, User, utcnow

PENDING_KEY = "pending_sign_in"
#: How long a person has, after the password, to give the second factor.
PENDING_SECONDS = 600
# A session's "last used" is written at most this often (each write is a new cookie).
SEEN_RESOLUTION_SECONDS = 30
#: The session cookie's key for the id of its row in sign_in_sessions.
SESSION_ID_KEY = "sid"
SESSION_KEYS = ("generation", "signed_in_at", "seen_at", "method", SESSION_ID_KEY, PENDING_KEY)


@dataclass(frozen=True)
class PendingSignIn:
    """A first factor accepted (a password, or a single sign-on), the second still to come."""

    user_id: int
    next_url: str | None
    #: How the first step was made: "password" or "sso".
    first_factor: str = "password"
    #: What an identity provider said of its own sign-in, for the sign-in's audit event.
    details: dict[str, str] | None = None
    #: The provider of a single sign-on, so that signing out later signs out there too.
    identity_provider_id: int | None = None


def begin_pending(
    user: User,
    next_url: str | None,
    first_factor: str = "password",
    details: dict[str, str] | None = None,
    identity_provider_id: int | None = None,
) -> None:
    """Remember, for a few minutes, whose first factor was right."""
    session.pop(PENDING_KEY, None)
    renew_csrf_token()
    session[PENDING_KEY] = {
        "user": user.id,
        "next": next_url,
        "at": time.time(),
        "generation": user.session_generation,
        "first": first_factor,
        "details": details,
        "idp": identity_provider_id,
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
    idp = data.get("idp") if isinstance(data.get("idp"), int) else None
    return PendingSignIn(user.id, data.get("next"), first, details, idp), user


def clear_pending() -> None:
    """Forget the pending sign-in."""
    session.pop(PENDING_KEY, None)


def renew_csrf_token() -> None:
    """Forget the CSRF token: the next form gets a new one, and one from before is refused."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(name, None)
    g.pop(name, None)


def start(
    user: User,
    method: str,
    details: dict[str, str] | None = None,
    identity_provider_id: int | None = None,
    id_token: str | None = None,
) -> None:
    """Sign the user in on this browser (after every factor), and audit it."""
    clear_pending()
    record_sign_in(user, method, details)
    renew_csrf_token()
    login_user(user)
    now = time.time()
    session_id = secrets.token_urlsafe(32)
    _forget_old_sessions(user)
    db.session.add(
        SignInSession(
            id=session_id,
            user_id=user.id,
            method=method,
            identity_provider_id=identity_provider_id,
            id_token=id_token,
        )
    )
    session[SESSION_ID_KEY] = session_id
    session["generation"] = user.session_generation
    session["signed_in_at"] = now
    session["seen_at"] = now
    session["method"] = method


def _forget_old_sessions(user: User) -> None:
    """Rows older than a session can live refuse nothing any more: the timeout does."""
    lifetime = int(current_app.config["PORTAL"]["session_lifetime_minutes"])
    db.session.execute(
        sa.delete(SignInSession).where(
            SignInSession.user_id == user.id,
            SignInSession.started_at < utcnow() - timedelta(minutes=lifetime + 1),
        )
    )


#: The id given to a session signed in before sessions had rows: it has none until it ends.
ADOPTED_PREFIX = "adopted-"


def _session_id(user: User) -> str:
    """This browser's session id; a session signed in before rows were kept gets one now.

    Its id is derived from what its cookie holds, so a copy of the cookie made before
    finds the same (ended) row; nothing is written until it ends.
    """
    session_id = session.get(SESSION_ID_KEY)
    if isinstance(session_id, str) and session_id:
        return session_id[:64]
    started = float(session.setdefault("signed_in_at", time.time()))
    made = hashlib.sha256(f"{user.id}:{started!r}".encode()).hexdigest()[:40]
    session[SESSION_ID_KEY] = ADOPTED_PREFIX + made
    return str(session[SESSION_ID_KEY])


def ended_on_server(user: User) -> bool:
    """Whether this browser's session was signed out (a copy of its cookie is played back)."""
    session_id = _session_id(user)
    record = db.session.get(SignInSession, session_id)
    if record is None:
        return not session_id.startswith(ADOPTED_PREFIX)
    return record.user_id != user.id or not record.live


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


@dataclass(frozen=True)
class EndedSession:
    """A session just ended: the identity provider that signed it in, and its ID token."""

    identity_provider_id: int | None
    id_token: str | None


def end(reason: str | None = None) -> EndedSession | None:
    """Sign out of this browser, auditing why when it was not the person's choice.

    The session's row ends, so the cookie is refused from now on, wherever it is replayed.
    """
    if reason is not None:
        audit.record("session-ended", reason=reason)
    session_id = session.get(SESSION_ID_KEY)
    record = db.session.get(SignInSession, session_id[:64]) if isinstance(session_id, str) else None
    adopted = isinstance(session_id, str) and session_id.startswith(ADOPTED_PREFIX)
    if record is None and adopted and current_user.is_authenticated:
        record = SignInSession(id=session_id, user_id=current_user.id, method="adopted")
        db.session.add(record)
    ended = None
    if record is not None and record.live:
        ended = EndedSession(record.identity_provider_id, record.id_token)
        record.ended_at = utcnow()
        record.end_reason = reason or "signed out"
        record.id_token = None
    logout_user()
    for key in SESSION_KEYS:
        session.pop(key, None)
    return ended


def sign_out_everywhere(user: User) -> None:
    """End every session of the user, on every browser and server."""
    user.session_generation += 1
    db.session.execute(
        sa.update(SignInSession)
        .where(SignInSession.user_id == user.id, SignInSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason="signed out everywhere", id_token=None)
    )
    audit.record("signed-out-everywhere", user=user, object_type="user", object_id=user.id)

"""Temporary lockout after repeated failed sign-ins, per e-mail address typed.

Addresses with no account are counted and locked exactly like real ones, so
neither the lockout nor its message says whether an account exists.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import SignInThrottle, utcnow

LOCKED_MESSAGE = (
    "There have been too many failed attempts to sign in with this email address. "
    "Wait {minutes} minutes, then try again."
)


def _settings() -> tuple[int, timedelta, timedelta]:
    portal = current_app.config["PORTAL"]
    return (
        int(portal["lockout_attempts"]),
        timedelta(minutes=int(portal["lockout_window_minutes"])),
        timedelta(minutes=int(portal["lockout_minutes"])),
    )


def locked_message() -> str:
    """What a locked-out person is told (the same for every address)."""
    return LOCKED_MESSAGE.format(minutes=_settings()[2].seconds // 60 or 1)


def email_key(email: str) -> str:
    """The stored form of a typed address: SHA-256 of it, trimmed and in lower case."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _throttle(email: str) -> SignInThrottle | None:
    return db.session.scalar(
        sa.select(SignInThrottle).where(SignInThrottle.email_key == email_key(email))
    )


def _new_throttle(email: str, now: datetime) -> SignInThrottle:
    """A row for the address; a concurrent request may have just made it, then that one."""
    try:
        with db.session.begin_nested():
            throttle = SignInThrottle(email_key=email_key(email), failures=0, window_started_at=now)
            db.session.add(throttle)
        return throttle
    except sa.exc.IntegrityError:
        existing = _throttle(email)
        assert existing is not None
        return existing


def is_locked(email: str, now: datetime | None = None) -> bool:
    """Whether sign-in with this address is locked out at the moment."""
    throttle = _throttle(email)
    now = now or utcnow()
    return (
        throttle is not None and throttle.locked_until is not None and throttle.locked_until > now
    )


def record_failure(email: str, now: datetime | None = None) -> bool:
    """Count a failed attempt for this address; True when it is now locked."""
    attempts, window, duration = _settings()
    now = now or utcnow()
    throttle = _throttle(email)
    if throttle is None:
        throttle = _new_throttle(email, now)
    if now - throttle.window_started_at > window:
        throttle.failures, throttle.window_started_at = 0, now
    throttle.failures += 1
    if throttle.failures >= attempts:
        throttle.locked_until = now + duration
        throttle.failures, throttle.window_started_at = 0, now
    db.session.flush()
    return throttle.locked_until is not None and throttle.locked_until > now


def clear(email: str) -> None:
    """Forget the failures of an address after a successful sign-in."""
    throttle = _throttle(email)
    if throttle is not None:
        db.session.delete(throttle)

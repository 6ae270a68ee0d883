"""One-time set-up links: an invited user follows one to choose their password."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal import audit
from portal.auth.passwords import hash_password, password_problem
from portal.extensions import db
from portal.mail import triggers
from portal.models import Invitation, User, utcnow


class InvitationError(ValueError):
    """The link cannot be used or the password is refused; the message says which."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(user: User, created_by: User | None) -> str:
    """A new set-up link token for the user (earlier unused links stop working), e-mailed to them."""
    now = utcnow()
    for earlier in db.session.scalars(
        sa.select(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
    ):
        earlier.expires_at = min(earlier.expires_at, now)
    token = secrets.token_urlsafe(32)
    days = int(current_app.config["PORTAL"]["invitation_days"])
    db.session.add(
        Invitation(
            user_id=user.id,
            token_hash=_hash(token),
            created_by_id=created_by.id if created_by is not None else None,
            expires_at=now + timedelta(days=days),
        )
    )
    audit.record("invitation-issued", object_type="user", object_id=user.id, email=user.email)
    triggers.set_up_link(user, token, days)
    return token


def live_invitation(token: str) -> Invitation | None:
    """The unused, unexpired invitation this token opens, if any."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == _hash(token))
    )
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        return None
    if not invitation.user.active or not invitation.user.agency.active:
        return None
    return invitation


def accept(invitation: Invitation, password: str) -> User:
    """Set the user's password from the link; the link is then spent."""
    user = invitation.user
    problem = password_problem(password, email=user.email)
    if problem:
        raise InvitationError(problem)
    user.password_hash = hash_password(password)
    user.session_generation += 1
    invitation.used_at = utcnow()
    audit.record("password-set", user=user, object_type="user", object_id=user.id, via="invitation")
    return user

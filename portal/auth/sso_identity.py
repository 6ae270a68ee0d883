"""Whose account a single sign-on is: a link by issuer and subject, else a trusted address.

A subject (`sub`) is unique only at its issuer, so links are keyed by issuer and subject
(UserIdentity), never by the agency's provider settings, which an administrator edits in
place. After an agency's issuer changes, a link made under the old issuer signs nobody in:
the person is matched again by a trusted address at their next sign-in, and linked anew.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal import audit
from portal.auth.sso_claims import Claims, SsoFailure, email_domains
from portal.extensions import db
from portal.models import IdentityProvider, User, UserIdentity


def linked_user(issuer: str, subject: str) -> User | None:
    """The user linked to this subject at this issuer, if any."""
    return db.session.scalar(
        sa.select(User)
        .join(UserIdentity, UserIdentity.user_id == User.id)
        .where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    )


def match_user(idp: IdentityProvider, claims: Claims) -> User:
    """The account these verified claims belong to: linked before, else by trusted address."""
    linked = linked_user(idp.issuer, claims.subject)
    user = linked or _match_by_email(idp, claims)
    if user.agency_id != idp.agency_id:
        raise SsoFailure(
            "account of another agency",
            f"Your account belongs to another agency, not {idp.agency.name}. "
            "Sign in through your own agency.",
            claims.email,
        )
    if not user.active or not user.agency.active:
        raise SsoFailure(
            "account deactivated",
            "Your account has been deactivated. Ask your agency's administrator.",
            claims.email,
        )
    if linked is None:
        db.session.add(
            UserIdentity(
                user_id=user.id,
                identity_provider_id=idp.id,
                issuer=idp.issuer,
                subject=claims.subject,
            )
        )
        audit.record(
            "identity-linked", user=user, object_type="user", object_id=user.id, issuer=idp.issuer
        )
    return user


def _untrusted(idp: IdentityProvider, claims: Claims) -> SsoFailure:
    if not claims.email:
        return SsoFailure(
            "no email address",
            f"{idp.name} did not send your email address, so the portal cannot find your "
            "account. Tell your agency's administrator: the portal's administrators can "
            f"change how it reads addresses from {idp.name}.",
        )
    return SsoFailure(
        "email not verified",
        f"{idp.name} did not confirm your email address, so the portal cannot find your "
        "account. Tell your agency's administrator: the portal's administrators can change "
        f"how addresses from {idp.name} are trusted.",
        claims.email,
    )


def _match_by_email(idp: IdentityProvider, claims: Claims) -> User:
    if not claims.email or not claims.email_trusted:
        raise _untrusted(idp, claims)
    domains = email_domains(idp)
    if domains and claims.email.rpartition("@")[2] not in domains:
        raise SsoFailure(
            "email domain of another agency",
            f"{claims.email} is not an address of {idp.agency.name}. "
            "Sign in through your own agency.",
            claims.email,
        )
    user = db.session.scalar(sa.select(User).where(User.email == claims.email))
    if user is None:
        raise SsoFailure(
            "unknown account",
            f"There is no portal account for {claims.email}. Accounts are set up by your "
            "agency's administrator: ask them to add you.",
            claims.email,
        )
    return user

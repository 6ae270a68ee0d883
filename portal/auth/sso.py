"""Single sign-on through each agency's OpenID Connect provider (Authlib's Flask client).

Authorization code flow with PKCE (S256), state and nonce; the ID token's signature,
issuer, audience and expiry are verified by Authlib against the provider's discovery
document and keys. The verified e-mail address is matched to an existing, active account
of that agency (no self-registration), and the link is kept as issuer + subject in
UserIdentity, so the person is still found if their address changes.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

import requests
import sqlalchemy as sa
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, session
from joserfc.errors import JoseError

from portal import audit
from portal.auth import pending_states
from portal.extensions import db
from portal.models import Agency, IdentityProvider, User, UserIdentity

oauth = OAuth()
DISCOVERY_PATH = "/.well-known/openid-configuration"
HTTP_TIMEOUT_SECONDS = 10
NO_PROVIDER = (
    "That organisation does not offer single sign-on to this portal. "
    "Go back and sign in with your email address and password."
)


class SsoFailure(Exception):
    """Single sign-on did not sign anyone in; `reason` is audited, `message` is shown."""

    def __init__(self, reason: str, message: str, email: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.email = email


def init_app(app: Flask) -> None:
    """Bind the OAuth registry to the app."""
    oauth.init_app(app)


def email_domains(idp: IdentityProvider) -> list[str]:
    """The e-mail domains the provider is configured for, in lower case."""
    return [d.strip().lstrip("@").lower() for d in idp.email_domains.replace(",", " ").split() if d]


def enabled_providers() -> list[IdentityProvider]:
    """The identity providers offered on the sign-in page, by agency name."""
    return list(
        db.session.scalars(
            sa.select(IdentityProvider)
            .join(Agency)
            .where(IdentityProvider.enabled.is_(True), Agency.active.is_(True))
            .order_by(Agency.name)
        )
    )


def provider_for_agency(code: str) -> IdentityProvider | None:
    """The enabled identity provider of the agency with this code."""
    return next((p for p in enabled_providers() if p.agency.code == code.strip().upper()), None)


def providers_for_email(email: str) -> list[IdentityProvider]:
    """The enabled identity providers configured for the domain of this e-mail address."""
    domain = email.strip().lower().rpartition("@")[2]
    return [p for p in enabled_providers() if domain and domain in email_domains(p)]


def client_secret(idp: IdentityProvider) -> str | None:
    """The client secret, read from the environment variable the administrator named."""
    return os.environ.get(idp.client_secret_env) or None


def _client(idp: IdentityProvider) -> Any:
    """Authlib's client for the provider, registered once per configuration."""
    secret = client_secret(idp)
    if secret is None:
        raise SsoFailure(
            "client secret missing",
            f"Single sign-on for {idp.agency.name} is not working at the moment "
            "(it is not fully set up). Sign in with your password, or ask your administrator.",
        )
    fingerprint = hashlib.sha256(
        "\n".join([idp.issuer, idp.client_id, secret]).encode()
    ).hexdigest()[:16]
    name = f"idp{idp.id}-{fingerprint}"
    client = oauth.create_client(name)
    if client is None:
        client = oauth.register(
            name,
            client_id=idp.client_id,
            client_secret=secret,
            server_metadata_url=idp.issuer.rstrip("/") + DISCOVERY_PATH,
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "default_timeout": HTTP_TIMEOUT_SECONDS,
            },
        )
    return client


def _unreachable(idp: IdentityProvider) -> SsoFailure:
    return SsoFailure(
        "provider unreachable",
        f"{idp.name} did not answer. Try again in a few minutes, or sign in with your password.",
    )


def _metadata(idp: IdentityProvider, client: Any) -> dict[str, Any]:
    """The discovery document, which must name the issuer configured (OpenID Discovery 4.3)."""
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError):
        raise _unreachable(idp) from None
    if metadata.get("issuer", "").rstrip("/") != idp.issuer.rstrip("/"):
        raise SsoFailure(
            "issuer mismatch",
            f"{idp.name} is not set up correctly for this portal. Ask your administrator.",
        )
    return metadata


def begin(idp: IdentityProvider, redirect_uri: str) -> str:
    """The provider's authorization URL; its state, nonce and PKCE verifier are kept.

    Only the newest few unfinished starts stay in the cookie (pending_states); a provider
    set for shared computers is asked to take the password every time (prompt=login).
    """
    client = _client(idp)
    _metadata(idp, client)
    extra = {"prompt": "login"} if idp.prompt_login else {}
    try:
        started: dict[str, Any] = client.create_authorization_url(redirect_uri, **extra)
    except (requests.RequestException, ValueError):
        raise _unreachable(idp) from None
    client.save_authorize_data(redirect_uri=redirect_uri, **started)
    pending_states.keep_newest(session)
    return str(started["url"])


@dataclass(frozen=True)
class SsoSignIn:
    """A completed single sign-on: whose, and the ID token (the hint for signing out)."""

    user: User
    id_token: str | None


def complete(idp: IdentityProvider) -> SsoSignIn:
    """Finish the flow on the callback: the verified, matched, active user, or SsoFailure."""
    client = _client(idp)
    _metadata(idp, client)
    try:
        token = client.authorize_access_token()
    except AuthlibBaseError as exc:
        error = getattr(exc, "error", "") or "error"
        if error == "mismatching_state":
            raise SsoFailure(
                "bad state",
                "The sign-in could not be completed: it had expired or did not start here. "
                "Start again.",
            ) from None
        if error == "access_denied":
            raise SsoFailure(
                "cancelled", f"The sign-in at {idp.name} was cancelled. Start again."
            ) from None
        raise SsoFailure(
            f"provider refused: {error}"[:100],
            f"{idp.name} did not confirm who you are (the sign-in may have taken too long). "
            "Start again.",
        ) from None
    except JoseError:
        raise SsoFailure(
            "id token invalid",
            f"{idp.name} sent an answer that could not be verified. Start again, "
            "or ask your administrator.",
        ) from None
    except (requests.RequestException, ValueError):
        raise _unreachable(idp) from None
    claims = dict(token.get("userinfo") or {})
    if "email" not in claims:
        claims |= _userinfo(idp, client, token, claims.get("sub"))
    id_token = token.get("id_token")
    return SsoSignIn(match_user(idp, claims), id_token if isinstance(id_token, str) else None)


def _userinfo(
    idp: IdentityProvider, client: Any, token: dict[str, Any], subject: Any
) -> dict[str, Any]:
    """The e-mail claims from the UserInfo endpoint, when the ID token leaves them out.

    Only for the same subject the verified ID token names (OpenID Connect Core 5.3.2).
    """
    try:
        info = dict(client.userinfo(token=token))
    except (requests.RequestException, ValueError, KeyError, AuthlibBaseError):
        raise _unreachable(idp) from None
    if info.get("sub") != subject:
        raise SsoFailure(
            "userinfo subject mismatch",
            f"{idp.name} sent an answer that could not be verified. Start again.",
        )
    return {k: info[k] for k in ("email", "email_verified") if k in info}


@dataclass(frozen=True)
class Claims:
    """The parts of a verified ID token the portal uses."""

    subject: str
    email: str
    email_verified: bool


def _claims(idp: IdentityProvider, raw: dict[str, Any]) -> Claims:
    subject, email = raw.get("sub"), raw.get("email")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SsoFailure("no subject", f"{idp.name} did not say who you are. Start again.")
    email_text = email.strip().lower() if isinstance(email, str) else ""
    return Claims(subject, email_text[:254], raw.get("email_verified") is True)


def match_user(idp: IdentityProvider, raw: dict[str, Any]) -> User:
    """The account these verified claims belong to: linked before, else by verified e-mail."""
    claims = _claims(idp, raw)
    link = db.session.scalar(
        sa.select(UserIdentity).where(
            UserIdentity.identity_provider_id == idp.id, UserIdentity.subject == claims.subject
        )
    )
    user = db.session.get(User, link.user_id) if link is not None else None
    user = user or _match_by_email(idp, claims)
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
    if link is None:
        db.session.add(
            UserIdentity(user_id=user.id, identity_provider_id=idp.id, subject=claims.subject)
        )
        audit.record(
            "identity-linked", user=user, object_type="user", object_id=user.id, issuer=idp.issuer
        )
    return user


def _match_by_email(idp: IdentityProvider, claims: Claims) -> User:
    if not claims.email or not claims.email_verified:
        raise SsoFailure(
            "email not verified",
            f"{idp.name} did not confirm your email address, so the portal cannot find your "
            "account. Ask your agency's administrator.",
            claims.email,
        )
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


def record_failure(idp: IdentityProvider | None, failure: SsoFailure) -> None:
    """The audit event for a failed single sign-on."""
    audit.record(
        "sso-failed",
        user=None,
        agency=idp.agency.code if idp is not None else None,
        reason=failure.reason,
        email=failure.email,
    )

"""Single sign-on through each agency's OpenID Connect provider (Authlib's Flask client).

Authorization code flow with PKCE (S256), state and nonce; the ID token's signature (with
fixed algorithms), issuer, audience (the portal's client id), expiry and nonce are verified
against the provider's discovery document and keys (portal.auth.sso_tokens). A trusted
e-mail address (portal.auth.sso_claims) is matched to an existing, active account of that
agency (no self-registration), and the link is kept as issuer + subject in UserIdentity
(portal.auth.sso_identity), so the person is still found if their address changes.
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
from portal.auth.sso_claims import (
    ADDRESS_CLAIMS,
    Claims,
    SsoFailure,
    accepted_acr_values,
    email_domains,
    read_claims,
)
from portal.auth.sso_identity import match_user
from portal.auth.sso_tokens import PortalOpenIdClient, token_endpoint_auth_method
from portal.extensions import db
from portal.models import Agency, IdentityProvider, User

oauth = OAuth()
DISCOVERY_PATH = "/.well-known/openid-configuration"
HTTP_TIMEOUT_SECONDS = 10
NO_PROVIDER = (
    "That organisation does not offer single sign-on to this portal. "
    "Go back and sign in with your email address and password."
)


def init_app(app: Flask) -> None:
    """Bind the OAuth registry to the app."""
    oauth.init_app(app)


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
    settings = [idp.issuer, idp.client_id, secret, str(HTTP_TIMEOUT_SECONDS)]
    fingerprint = hashlib.sha256("\n".join(settings).encode()).hexdigest()[:16]
    name = f"idp{idp.id}-{fingerprint}"
    client = oauth.create_client(name)
    if client is None:
        client = oauth.register(
            name,
            client_cls=PortalOpenIdClient,
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
    client.client_kwargs["token_endpoint_auth_method"] = token_endpoint_auth_method(idp, metadata)
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
        if idp.acr_values:
            extra["acr_values"] = " ".join(accepted_acr_values(idp))
        started: dict[str, Any] = client.create_authorization_url(redirect_uri, **extra)
    except (requests.RequestException, ValueError):
        raise _unreachable(idp) from None
    client.save_authorize_data(redirect_uri=redirect_uri, **started)
    pending_states.keep_newest(session)
    return str(started["url"])


@dataclass(frozen=True)
class SsoSignIn:
    """A completed single sign-on: whose account, what the provider asserted, and the ID
    token (the hint for signing out at the provider)."""

    user: User
    claims: Claims
    id_token: str | None = None


def _refused(idp: IdentityProvider, error: str) -> SsoFailure:
    """The failure for an error the provider answered with (RFC 6749 4.1.2.1 and 5.2)."""
    if error == "mismatching_state":
        return SsoFailure(
            "bad state",
            "The sign-in could not be completed: it had expired or did not start here. "
            "Start again.",
        )
    if error == "access_denied":
        return SsoFailure("cancelled", f"The sign-in at {idp.name} was cancelled. Start again.")
    if error in ("invalid_client", "unauthorized_client"):
        return SsoFailure(
            f"provider refused: {error}",
            f"{idp.name} refused the portal itself (its client ID, secret or way of "
            "presenting them is not what the provider has registered), so nobody can sign in "
            "through it at the moment. Sign in with your password, and tell your agency's "
            "administrator: the portal's single sign-on settings need correcting.",
        )
    return SsoFailure(
        f"provider refused: {error}"[:100],
        f"{idp.name} did not confirm who you are (the sign-in may have taken too long). "
        "Start again.",
    )


def _token(idp: IdentityProvider, client: Any) -> dict[str, Any]:
    """The provider's token response, with the ID token verified, or SsoFailure."""
    try:
        token: dict[str, Any] = client.authorize_access_token()
    except AuthlibBaseError as exc:
        raise _refused(idp, getattr(exc, "error", "") or "error") from None
    except JoseError:
        raise SsoFailure(
            "id token invalid",
            f"{idp.name} sent an answer that could not be verified. Start again, "
            "or ask your administrator.",
        ) from None
    except (requests.RequestException, ValueError):
        raise _unreachable(idp) from None
    except RuntimeError:  # Authlib: the discovery document names no key set or endpoint
        raise SsoFailure(
            "provider metadata incomplete",
            f"{idp.name} is not set up correctly for this portal. Ask your administrator.",
        ) from None
    if not token.get("userinfo"):
        raise SsoFailure(
            "no id token",
            f"{idp.name} sent an answer that could not be verified. Start again, "
            "or ask your administrator.",
        )
    return token


def complete(idp: IdentityProvider) -> SsoSignIn:
    """Finish the flow on the callback: the verified, matched, active user, or SsoFailure."""
    client = _client(idp)
    _metadata(idp, client)
    token = _token(idp, client)
    raw = dict(token["userinfo"])
    if not any(name in raw for name in ADDRESS_CLAIMS):
        raw |= _userinfo(idp, client, token, raw.get("sub"))
    claims = read_claims(idp, raw)
    id_token = token.get("id_token")
    return SsoSignIn(
        match_user(idp, claims), claims, id_token if isinstance(id_token, str) else None
    )


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
    return {k: info[k] for k in (*ADDRESS_CLAIMS, "email_verified", "xms_edov") if k in info}


def record_failure(idp: IdentityProvider | None, failure: SsoFailure) -> None:
    """The audit event for a failed single sign-on."""
    audit.record(
        "sso-failed",
        user=None,
        agency=idp.agency.code if idp is not None else None,
        reason=failure.reason,
        email=failure.email,
    )

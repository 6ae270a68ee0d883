"""Administering accounts: every change is checked here and audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa

from portal import audit
from portal.auth import invitations, second_factor
from portal.auth.services import AccountError, create_user
from portal.extensions import db
from portal.mail import triggers
from portal.models import (
    Agency,
    ApiToken,
    EmailTrust,
    IdentityProvider,
    Role,
    TokenAuthMethod,
    User,
    utcnow,
)
from portal.paging import Page, clamp_page, page_offset

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](-*[a-z0-9])*\.)+[a-z]{2,63}$")
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
# An `acr` value: a URI or a short name, printable ASCII without spaces or quotes.
ACR_VALUE = re.compile(r"^[A-Za-z0-9._:/#?=&~%+-]{1,100}$")


# --- API tokens ------------------------------------------------------------------------


def tokens_of(user: User) -> list[ApiToken]:
    """The user's API tokens, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def token_of(user: User, token_id: int) -> ApiToken | None:
    """One of the user's own tokens."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def all_tokens(page: int, per_page: int) -> Page:
    """Every API token with its owner and last use, live ones first, paged."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) or 0
    page = clamp_page(page, total, per_page)
    rows = db.session.scalars(
        sa.select(ApiToken)
        .join(User)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        .offset(page_offset(page, per_page))
        .limit(per_page)
    )
    return Page(list(rows), total, page, per_page)


def revoke_token(token: ApiToken) -> None:
    """Stop a token working (it stays listed, marked revoked)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            "token-revoked", object_type="api_token", object_id=token.id, prefix=token.prefix
        )


# --- agencies and identity providers ------------------------------------------------------


def agencies() -> list[Agency]:
    """Every agency, by name."""
    return list(db.session.scalars(sa.select(Agency).order_by(Agency.name)))


@dataclass(frozen=True)
class ProviderSettings:
    """What an administrator enters for an agency's OpenID Connect provider."""

    name: str
    issuer: str
    client_id: str
    client_secret_env: str
    email_domains: str
    enabled: bool
    email_trust: str
    token_auth_method: str
    require_strong_sign_in: bool
    acr_values: str
    prompt_login: bool = False


def _check_issuer(issuer: str) -> str:
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not secure or not parts.hostname or parts.query or parts.fragment:
        raise AccountError(
            "issuer",
            "Enter the issuer URL exactly as the provider publishes it, starting https://, "
            "like https://login.microsoftonline.com/TENANT/v2.0",
        )
    return issuer.rstrip("/")


def _check_domains(text: str) -> str:
    domains = [d.strip().lstrip("@").lower() for d in text.replace(",", " ").split()]
    bad = [d for d in domains if not DOMAIN.match(d)]
    if bad:
        raise AccountError("email_domains", f"{bad[0]} is not an email domain, like nhs.net")
    return " ".join(dict.fromkeys(domains))


def _check_acr_values(text: str) -> str:
    values = text.split()
    bad = [v for v in values if not ACR_VALUE.match(v)]
    if bad or len(" ".join(values)) > 255:
        raise AccountError(
            "acr_values",
            "Enter the acr values separated by spaces, each a name or URI without quotes, "
            "like c1 urn:nhs:authn:mfa",
        )
    return " ".join(dict.fromkeys(values))


def _check_choices(settings: ProviderSettings, domains: str) -> tuple[EmailTrust, TokenAuthMethod]:
    try:
        trust = EmailTrust(settings.email_trust)
    except ValueError:
        raise AccountError("email_trust", "Choose how the portal trusts the address") from None
    try:
        method = TokenAuthMethod(settings.token_auth_method)
    except ValueError:
        raise AccountError(
            "token_auth_method", "Choose how the portal presents its client secret"
        ) from None
    if trust == EmailTrust.AUTHORITATIVE and not domains:
        raise AccountError(
            "email_domains",
            "Enter the agency's email domains: a provider authoritative for the agency's "
            "domains signs in addresses in those domains only",
        )
    return trust, method


def _provider_values(settings: ProviderSettings) -> dict[str, object]:
    issuer = _check_issuer(settings.issuer.strip())
    if not settings.client_secret_env.strip() or not ENV_NAME.match(
        settings.client_secret_env.strip()
    ):
        raise AccountError(
            "client_secret_env",
            "Enter the name of an environment variable in capitals, digits and _, "
            "like PORTAL_OIDC_MERTON_SECRET",
        )
    domains = _check_domains(settings.email_domains)
    trust, method = _check_choices(settings, domains)
    return {
        "name": settings.name.strip(),
        "issuer": issuer,
        "client_id": settings.client_id.strip(),
        "client_secret_env": settings.client_secret_env.strip(),
        "email_domains": domains,
        "enabled": settings.enabled,
        "email_trust": trust,
        "token_auth_method": method,
        "require_strong_sign_in": settings.require_strong_sign_in,
        "acr_values": _check_acr_values(settings.acr_values),
        "prompt_login": settings.prompt_login,
    }


def save_identity_provider(agency: Agency, settings: ProviderSettings) -> IdentityProvider:
    """Set or change the agency's identity provider.

    A changed issuer leaves earlier links in place, keyed by the old issuer: they sign
    nobody in, and each person is matched again by a trusted address at their next sign-in.
    """
    values = _provider_values(settings)
    idp = agency.identity_provider
    if idp is None:
        idp = IdentityProvider(agency=agency, **values)
        db.session.add(idp)
        changes = {k: str(v) for k, v in values.items()}
    else:
        changes = {k: str(v) for k, v in values.items() if getattr(idp, k) != v}
        for key, value in values.items():
            setattr(idp, key, value)
    db.session.flush()
    audit.record(
        "identity-provider-changed", object_type="agency", object_id=agency.id, changes=changes
    )
    return idp


# --- users -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserFilters:
    """What the users list is narrowed to."""

    agency_id: int | None = None
    q: str = ""


def users(filters: UserFilters, page: int, per_page: int) -> Page:
    """Users by name, filtered and paged."""
    query = sa.select(User)
    if filters.agency_id is not None:
        query = query.where(User.agency_id == filters.agency_id)
    if filters.q:
        pattern = (
            "%"
            + filters.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = clamp_page(page, total, per_page)
    rows = db.session.scalars(
        query.order_by(User.name, User.id).offset(page_offset(page, per_page)).limit(per_page)
    )
    return Page(list(rows), total, page, per_page)


def invite_user(
    admin: User, email: str, name: str, agency_code: str, role: str
) -> tuple[User, str]:
    """A new account without a password, and the token of its one-time set-up link."""
    user = create_user(email, name, agency_code, role, None, via="web")
    return user, invitations.invite(user, admin)


def new_set_up_link(admin: User, user: User) -> str:
    """A fresh one-time set-up link (to set or reset the password)."""
    if not user.active:
        raise AccountError("user", "Reactivate the account before sending a set-up link")
    return invitations.invite(user, admin)


def change_role(admin: User, user: User, role: str) -> None:
    """Give the user another role; administrators cannot change their own."""
    try:
        new_role = Role(role)
    except ValueError:
        raise AccountError("role", "Choose a role") from None
    if user.id == admin.id:
        raise AccountError("role", "You cannot change your own role: ask another administrator")
    if new_role != user.role:
        audit.record(
            "user-changed",
            object_type="user",
            object_id=user.id,
            changes={"role": [str(user.role), str(new_role)]},
        )
        user.role = new_role


def set_active(admin: User, user: User, active: bool) -> None:
    """Deactivate (signing the user out everywhere and revoking every API token) or
    reactivate an account. Reactivating brings no token back: any still live was issued
    before the deactivation (a deactivated account gets none), so it is revoked too."""
    if user.id == admin.id:
        raise AccountError("user", "You cannot deactivate your own account")
    changed = user.active != active
    if not active or changed:
        for token in tokens_of(user):
            revoke_token(token)
    if changed:
        user.active = active
        user.session_generation += 1
        audit.record(
            "user-changed",
            object_type="user",
            object_id=user.id,
            changes={"active": [not active, active]},
        )


def reset_second_factor(admin: User, user: User) -> None:
    """Remove the user's authenticator: they set one up again at their next sign-in."""
    second_factor.reset(user)
    user.session_generation += 1
    audit.record("second-factor-reset", object_type="user", object_id=user.id)
    triggers.second_factor_reset(user)

"""Agencies, their users, identity providers and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Base
from portal.models.base import AgencyKind, Role, enum_column, utcnow


class Agency(Base):
    """A partner organisation of the Joint Intelligence Group."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[AgencyKind] = mapped_column(enum_column(AgencyKind))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="agency")
    identity_provider: Mapped[IdentityProvider | None] = relationship(
        back_populates="agency", uselist=False
    )

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class User(UserMixin, Base):
    """A person who signs in; belongs to one agency and holds one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    # Null for accounts that only sign in through their agency's identity provider.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_confirmed_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]
    # The previous sign-in, so "new since your last visit" has a fixed start.
    previous_sign_in_at: Mapped[datetime | None]
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # The TOTP time step last accepted, so one code cannot be used twice.
    totp_last_step: Mapped[int | None]
    # Raised by "sign out everywhere": sessions carrying an older number end.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    agency: Mapped[Agency] = relationship(back_populates="users", lazy="joined")
    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return bool(self.active)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class RecoveryCode(Base):
    """A one-time second-factor recovery code, stored hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    used_at: Mapped[datetime | None]


class EmailTrust(enum.StrEnum):
    """How the portal decides that an address an identity provider sends is the person's."""

    #: The ID token's `email_verified` claim is true (OpenID Connect Core 5.1).
    EMAIL_VERIFIED = "email_verified"
    #: Entra ID's `xms_edov` claim: the owner of the address's domain is verified.
    DOMAIN_VERIFIED = "xms_edov"
    #: The provider is authoritative for the agency's e-mail domains (which must be set).
    AUTHORITATIVE = "authoritative"


class TokenAuthMethod(enum.StrEnum):
    """How the portal authenticates to the provider's token endpoint."""

    #: From discovery's `token_endpoint_auth_methods_supported` (basic where offered).
    AUTO = "auto"
    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 - a method's name, not a secret
    CLIENT_SECRET_POST = "client_secret_post"  # noqa: S105 - a method's name, not a secret


class IdentityProvider(Base):
    """An agency's OpenID Connect provider for single sign-on."""

    __tablename__ = "identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    # The secret itself lives only in the environment, under this variable name.
    client_secret_env: Mapped[str] = mapped_column(sa.String(100))
    # E-mail domains (space-separated) whose people this provider signs in.
    email_domains: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    # Shared computers: the provider asks for the password on every sign-in (prompt=login).
    prompt_login: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    email_trust: Mapped[EmailTrust] = mapped_column(
        enum_column(EmailTrust), default=EmailTrust.EMAIL_VERIFIED, server_default="email_verified"
    )
    token_auth_method: Mapped[TokenAuthMethod] = mapped_column(
        enum_column(TokenAuthMethod), default=TokenAuthMethod.AUTO, server_default="auto"
    )
    # More than a password at the provider (by `amr`, or an `acr` listed below), or else
    # the portal asks for its own second factor.
    require_strong_sign_in: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Space-separated `acr` values: sent as `acr_values`, and each counts as strong.
    acr_values: Mapped[str] = mapped_column(sa.String(255), default="", server_default="")

    agency: Mapped[Agency] = relationship(back_populates="identity_provider")


class UserIdentity(Base):
    """A user's subject at an issuer, once linked by a single sign-on.

    Keyed by issuer and subject (a subject is unique only at its issuer): a link made
    under an issuer the agency no longer uses signs nobody in.
    """

    __tablename__ = "user_identities"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The agency's provider settings through which the link was made (for the record).
    identity_provider_id: Mapped[int] = mapped_column(sa.ForeignKey("identity_providers.id"))
    issuer: Mapped[str] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(255))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignInThrottle(Base):
    """Failed sign-ins per e-mail address typed, known account or not, for lockout."""

    __tablename__ = "sign_in_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the normalised address: typed addresses are not kept in clear.
    email_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]


class Invitation(Base):
    """A one-time link with which an invited user sets their password."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ApiToken(Base):
    """A per-user bearer token for /api/v1; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters, so a person can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="api_tokens")

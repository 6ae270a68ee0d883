"""Accounts: agencies, users, passwords and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email

from portal import audit
from portal.auth import lockout
from portal.auth.passwords import hash_password, password_problem
from portal.extensions import db
from portal.models import Agency, AgencyKind, ApiToken, Role, User, utcnow

_hasher = PasswordHasher()
# Verified against when no account matches, so a miss takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
# How often a token's "last used" time is written: a busy client must not write on every call.
TOKEN_USE_RESOLUTION = timedelta(minutes=5)

AGENCY_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,19}$")
TOKEN_PREFIX = "cip_"  # noqa: S105 - a label, not a secret

SIGN_IN_FAILED = "The email address or password is incorrect, or the account cannot sign in."


class AccountError(ValueError):
    """Bad input to an account operation; the message is for the person who gave it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_password_rules(password: str, email: str = "") -> None:
    """NCSC guidance: long enough, not a common password; no composition rules."""
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError("password", problem)


def normalise_email(email: str) -> str:
    """A valid e-mail address in lower case, or AccountError."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(
            "email", "Enter an email address in the correct format, like name@example.gov.uk"
        ) from None
    return result.normalized.lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this e-mail address, case-insensitively."""
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_agency(code: str, name: str, kind: str, *, via: str = "web") -> Agency:
    """Add a partner agency; codes are upper case and unique."""
    code = code.strip().upper()
    if not AGENCY_CODE.match(code):
        raise AccountError(
            "code", "Agency code must be 2 to 20 capital letters, digits, - or _, like MERTON"
        )
    if not name.strip():
        raise AccountError("name", "Enter the agency's name")
    try:
        agency_kind = AgencyKind(kind.strip().lower())
    except ValueError:
        allowed = ", ".join(k.value for k in AgencyKind)
        raise AccountError("kind", f"Agency kind must be one of: {allowed}") from None
    if db.session.scalar(sa.select(Agency.id).where(Agency.code == code)):
        raise AccountError("code", f"An agency with code {code} already exists")
    agency = Agency(code=code, name=name.strip(), kind=agency_kind)
    db.session.add(agency)
    db.session.flush()
    audit.record("agency-created", object_type="agency", object_id=agency.id, code=code, via=via)
    return agency


def create_user(
    email: str,
    name: str,
    agency_code: str,
    role: str,
    password: str | None,
    *,
    via: str = "web",
) -> User:
    """Add a user to an agency with one role and, optionally, a local password."""
    email = normalise_email(email)
    if not name.strip():
        raise AccountError("name", "Enter the user's name")
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == agency_code.strip().upper()))
    if agency is None:
        raise AccountError("agency", f"There is no agency with code {agency_code.strip().upper()}")
    try:
        user_role = Role(role.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise AccountError("role", f"Role must be one of: {allowed}") from None
    if password is not None:
        check_password_rules(password, email)
    if find_user_by_email(email) is not None:
        raise AccountError("email", f"An account with email {email} already exists")
    user = User(
        email=email,
        name=name.strip(),
        agency=agency,
        role=user_role,
        password_hash=hash_password(password) if password is not None else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user-created",
        object_type="user",
        object_id=user.id,
        email=email,
        role=str(user_role),
        via=via,
    )
    return user


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of checking a password: the user when it is right, or why not."""

    user: User | None
    locked: bool = False


def check_sign_in(email: str, password: str) -> PasswordCheck:
    """Check an e-mail address and password; a failure is audited and counted for lockout.

    Every path verifies one Argon2 hash, so a locked, unknown or known address takes
    the same time, and a locked address is refused even with the right password.
    """
    user = find_user_by_email(email) if email else None
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
        verified = stored is not _DUMMY_HASH
    except (VerificationError, InvalidHashError):
        verified = False
    if lockout.is_locked(email):
        audit.record("sign-in-failed", user=None, email=email[:254], reason="locked out")
        return PasswordCheck(None, locked=True)
    if not verified or user is None or not user.active or not user.agency.active:
        reason = "unknown account" if user is None else "wrong password or inactive account"
        audit.record("sign-in-failed", user=None, email=email[:254], reason=reason)
        if user is not None:
            user.failed_sign_ins += 1
        return PasswordCheck(None, locked=lockout.record_failure(email))
    if _hasher.check_needs_rehash(stored):
        user.password_hash = hash_password(password)
    return PasswordCheck(user)


def record_sign_in(user: User, method: str, details: dict[str, str] | None = None) -> None:
    """Bookkeeping and the audit event for a completed sign-in.

    `details` are what an identity provider said of its own sign-in (`amr`, `acr`).
    """
    lockout.clear(user.email)
    user.failed_sign_ins = 0
    user.previous_sign_in_at = user.last_sign_in_at
    user.last_sign_in_at = utcnow()
    audit.record("sign-in", user=user, method=method, **(details or {}))


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: the secret is shown once and never stored."""

    token: str
    record: ApiToken


def hash_token(token: str) -> str:
    """The stored form of an API token (SHA-256: tokens are long random strings)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(email: str, name: str = "", *, via: str = "web") -> IssuedToken:
    """Issue a bearer token for the user with this e-mail address."""
    user = find_user_by_email(email)
    if user is None:
        raise AccountError("email", f"There is no account with email {email.strip().lower()}")
    if not user.active:
        raise AccountError("email", f"The account {user.email} is deactivated")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user=user, token_hash=hash_token(token), prefix=token[:10], name=name)
    db.session.add(record)
    db.session.flush()
    audit.record(
        "token-created",
        user=user,
        object_type="api_token",
        object_id=record.id,
        prefix=record.prefix,
        via=via,
    )
    return IssuedToken(token=token, record=record)


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, if it is live."""
    record = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if record is None or not record.user.active or not record.user.agency.active:
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at > TOKEN_USE_RESOLUTION:
        record.last_used_at = now
    return record.user


def safe_next_url(target: str | None) -> str | None:
    """The `next` target if it stays on this site (a path, no scheme or host), else None."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target

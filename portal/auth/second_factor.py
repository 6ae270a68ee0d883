"""The second factor for local passwords: TOTP (RFC 6238) and one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

import pyotp
import segno
import sqlalchemy as sa
from markupsafe import Markup

from portal.extensions import db
from portal.models import RecoveryCode, User, utcnow

#: The clock codes are checked against (seconds since the epoch); tests replace it.
clock: Callable[[], float] = time.time

ISSUER = "Care Provider Intelligence Portal"
RECOVERY_CODES = 10
STEP_SECONDS = 30
# A code from the step before or after is accepted too: phones' clocks drift.
DRIFT_STEPS = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def needs_enrolment(user: User) -> bool:
    """Whether the user must still set up an authenticator app."""
    return user.totp_secret is None or user.totp_confirmed_at is None


def begin_enrolment(user: User) -> str:
    """The secret to enrol (a new one unless enrolment was started and not finished)."""
    if user.totp_secret is None or user.totp_confirmed_at is not None:
        user.totp_secret = pyotp.random_base32()
        user.totp_confirmed_at = None
        user.totp_last_step = None
    return user.totp_secret


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> Markup:
    """The QR code of the address, drawn here as SVG (no script, nothing fetched)."""
    code = segno.make(uri, error="m")
    svg = code.svg_inline(scale=5, dark="#0b0c0c", light="#ffffff", title="QR code to scan")
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR code to scan" ', 1))  # noqa: S704 - segno draws it from our own URI


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return "".join(code.split())


def verify_code(user: User, code: str) -> bool:
    """Whether the code is the user's current one; each time step is accepted once."""
    code = _digits(code)
    if user.totp_secret is None or len(code) != 6 or not (code.isascii() and code.isdigit()):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = clock()
    current = int(now // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Finish enrolment with a first code; the new recovery codes, or None if it is wrong."""
    if user.totp_secret is None or not verify_code(user, code):
        return None
    user.totp_confirmed_at = utcnow()
    return new_recovery_codes(user)


def _hash_recovery_code(code: str) -> str:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh one-time codes (shown once; only their hashes are kept)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(c)) for c in codes
    )
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one of the user's unused recovery codes; False when it is not one."""
    if not code.strip() or len(code) > 100:
        return False
    record = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if record is None:
        return False
    record.used_at = utcnow()
    return True


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the user has."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def enrol_demo_accounts(users: list[User]) -> str:
    """Development only: give every account one shared, confirmed TOTP secret; the secret.

    An account already enrolled keeps its secret; the first such secret is the one shared,
    so running the demo again prints the same secret.
    """
    secret = next((u.totp_secret for u in users if not needs_enrolment(u)), None)
    secret = secret or pyotp.random_base32()
    for user in users:
        if needs_enrolment(user):
            user.totp_secret = secret
            user.totp_confirmed_at = utcnow()
            user.totp_last_step = None
    return secret


def reset(user: User) -> None:
    """Remove the user's authenticator and recovery codes: they enrol again at next sign-in."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))

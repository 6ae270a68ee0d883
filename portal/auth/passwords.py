"""Passwords as the NCSC advises: long enough, not a common one, no composition rules."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1000
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"

_hasher = PasswordHasher()


class PasswordRejected(ValueError):
    """A password the rules refuse; the message says why, in plain words."""


@cache
def common_passwords() -> frozenset[str]:
    """The packaged deny-list (portal/data/common-passwords.txt.gz), lower case."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why the password cannot be used, or None when it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters long"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    folded = password.strip().lower()
    if folded in common_passwords() or len(set(folded)) == 1:
        return "This password is too common. Choose one that is harder to guess, like three random words"
    if email and folded in {email.lower(), email.lower().split("@")[0]}:
        return "Your password must not be your email address"
    return None


def check_password(password: str, *, email: str = "") -> None:
    """Raise PasswordRejected when the password cannot be used."""
    problem = password_problem(password, email=email)
    if problem:
        raise PasswordRejected(problem)


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(password)

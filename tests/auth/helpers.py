"""Signing in through the real pages: password, then the second factor, with a test clock."""

from __future__ import annotations

import html
import re
from typing import Any

import pyotp

from portal.extensions import db
from portal.models import User, utcnow
from tests.conftest import csrf_token_from

#: A fixed moment (seconds since the epoch) the tests' TOTP clock starts at.
T0 = 1_800_000_000.0


class TestClock:
    """The clock portal.auth.second_factor reads codes against; tests move it."""

    __test__ = False

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock on."""
        self.now += seconds


def enrol(user: User, secret: str | None = None) -> str:
    """Give the user a confirmed authenticator (committed); the secret."""
    user.totp_secret = secret or pyotp.random_base32()
    user.totp_confirmed_at = utcnow()
    db.session.commit()
    return user.totp_secret


def code(secret: str, clock: TestClock) -> str:
    """The authenticator's code at the clock's time."""
    return pyotp.TOTP(secret).at(clock.now)


def post_form(client: Any, url: str, data: dict[str, str]) -> Any:
    """GET the page for its CSRF token, then POST the form to it."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def sign_in_with_password(
    client: Any, email: str, password: str, next_url: str | None = None
) -> Any:
    """The first step of a local sign-in."""
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return post_form(client, url, {"email": email, "password": password})


def give_code(client: Any, value: str) -> Any:
    """The second step: a code or recovery code."""
    return post_form(client, "/sign-in/second-factor", {"code": value})


def refresh_url(page: str) -> str:
    """The address a page's instant refresh (<meta http-equiv="refresh">) moves on to."""
    found = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', page)
    assert found, page[:1000]
    return html.unescape(found.group(1))

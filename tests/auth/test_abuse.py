"""Abuse resistance: lockout that reveals nothing, rate limits, idle sessions, sign out
everywhere, and NCSC password rules."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.auth import services
from portal.auth.lockout import locked_message
from portal.auth.services import AccountError, create_user
from portal.extensions import db
from portal.models import AuditEvent, Role, SignInThrottle, utcnow
from tests import factories
from tests.auth.conftest import PASSWORD
from tests.auth.helpers import enrol, post_form, sign_in_with_password
from tests.conftest import csrf_token_from

ATTEMPTS = 3


@pytest.fixture
def strict(app):
    """Lockout after three failures."""
    app.config["PORTAL"] |= {"lockout_attempts": ATTEMPTS}
    return app


class CountingHasher:
    """Argon2's hasher, counting verifications (the costly, time-setting step)."""

    def __init__(self, real) -> None:
        self.real = real
        self.verifications = 0

    def verify(self, stored, password):
        self.verifications += 1
        return self.real.verify(stored, password)

    def __getattr__(self, name):
        return getattr(self.real, name)


def visible_text(response, email: str) -> str:
    """The page without what differs by design: the e-mail typed and the CSRF token."""
    page = response.get_data(as_text=True).replace(email, "EMAIL")
    return page.replace(csrf_token_from(page), "TOKEN")


def test_a_locked_account_and_an_unknown_address_get_the_same_page_after_the_same_failures(
    client, officer, strict, monkeypatch
):
    unknown = "nobody.here@merton.gov.uk"
    for _ in range(ATTEMPTS):
        sign_in_with_password(client, officer.email, "wrong password guess")
        sign_in_with_password(client, unknown, "wrong password guess")
    hasher = CountingHasher(services._hasher)
    monkeypatch.setattr(services, "_hasher", hasher)
    # The right password no longer works, and the page is word for word the unknown one's.
    known_page = sign_in_with_password(client, officer.email, PASSWORD)
    unknown_page = sign_in_with_password(client, unknown, PASSWORD)
    assert known_page.status_code == unknown_page.status_code == 200
    assert locked_message() in known_page.get_data(as_text=True)
    assert visible_text(known_page, officer.email) == visible_text(unknown_page, unknown)
    # The same work, so the same time: one Argon2 verification each.
    assert hasher.verifications == 2
    assert client.get("/").status_code == 302
    reasons = [
        e.data["reason"]
        for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "sign-in-failed")
        )
    ]
    assert reasons.count("locked out") == 2


def test_before_the_lockout_a_wrong_password_says_the_same_as_an_unknown_account(
    client, officer, strict
):
    known = sign_in_with_password(client, officer.email, "wrong password guess")
    unknown = sign_in_with_password(client, "nobody.here@merton.gov.uk", "wrong password guess")
    assert visible_text(known, officer.email) == visible_text(unknown, "nobody.here@merton.gov.uk")


def test_the_lockout_ends_after_its_time(client, officer, strict, clock):
    for _ in range(ATTEMPTS):
        sign_in_with_password(client, officer.email, "wrong password guess")
    throttle = db.session.scalars(sa.select(SignInThrottle)).one()
    throttle.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    enrol(officer)
    response = sign_in_with_password(client, officer.email, PASSWORD)
    assert response.headers["Location"] == "/sign-in/second-factor"


def test_wrong_second_factor_codes_lock_the_account_too(client, officer, strict, clock):
    enrol(officer)
    sign_in_with_password(client, officer.email, PASSWORD)
    for _ in range(ATTEMPTS - 1):
        post_form(client, "/sign-in/second-factor", {"code": "000000"})
    response = post_form(client, "/sign-in/second-factor", {"code": "000000"})
    assert locked_message() in response.get_data(as_text=True)
    # The half-finished sign-in is gone: back to the password.
    assert client.get("/sign-in/second-factor").headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("setting", "method", "url"),
    [
        ("sign_in_rate_limit", "POST", "/sign-in"),
        ("second_factor_rate_limit", "POST", "/sign-in/second-factor"),
        ("token_rate_limit", "GET", "/sign-in/sso/MERTON"),
        ("search_rate_limit", "GET", "/search?q=care"),
    ],
)
def test_too_many_attempts_in_a_minute_are_refused(database_url, tmp_path, setting, method, url):
    limited = create_app(
        {
            "env": "test",
            "database_url": database_url,
            "instance_path": str(tmp_path),
            "ratelimit_enabled": True,
            "csrf_enabled": False,
            setting: "2 per minute",
        }
    )
    browser = limited.test_client()
    with limited.app_context():
        user = factories.user(Role.MEMBER, factories.agency("MERTON"))
        db.session.commit()
        if url.startswith("/search"):
            with browser.session_transaction() as session:
                session["_user_id"] = str(user.id)
        answers = [browser.open(url, method=method).status_code for _ in range(3)]
        assert answers[:2] != [429, 429] and answers[2] == 429
        assert "Too many attempts" in browser.open(url, method=method).get_data(as_text=True)
        db.session.remove()
        from tests.databases import empty_all_tables

        empty_all_tables(db.engine, db.metadata)
        db.engine.dispose()


def test_a_session_left_idle_ends_and_says_why(client, login_as, app):
    login_as(Role.MEMBER)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 31 * 60
    response = client.get("/")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "had not used the portal for a while" in page
    assert client.get("/").status_code == 302
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "session-ended")
    ).one()
    assert event.data == {"reason": "idle"}


def test_a_session_past_its_lifetime_ends_even_when_busy(client, login_as):
    login_as(Role.MEMBER)
    with client.session_transaction() as session:
        session["signed_in_at"] = time.time() - 481 * 60
    assert client.get("/").status_code == 302


def forget_the_last_browser() -> None:
    """Tests share one app context: drop what the last request cached in `g`."""
    from flask import g

    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def test_sign_out_everywhere_ends_the_session_on_another_device(client, login_as, app):
    user = login_as(Role.MEMBER)
    laptop = app.test_client()
    with laptop.session_transaction() as session:
        session["_user_id"] = str(user.id)
    assert laptop.get("/").status_code == 200
    forget_the_last_browser()
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    response = client.post("/account/sign-out-everywhere", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    forget_the_last_browser()
    assert laptop.get("/").status_code == 302


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass", "at least 12 characters"),
        ("qwerty123456", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("officer.new@merton.gov.uk", "must not be your email address"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(app, password, problem):
    factories.agency("MERTON")
    with pytest.raises(AccountError) as refused:
        create_user("officer.new@merton.gov.uk", "New Officer", "MERTON", "member", password)
    assert problem in refused.value.message


def test_a_long_password_needs_no_digits_or_symbols(app):
    factories.agency("MERTON")
    user = create_user(
        "officer.new@merton.gov.uk",
        "New Officer",
        "MERTON",
        "member",
        "correct horse battery staple",
    )
    assert user.password_hash

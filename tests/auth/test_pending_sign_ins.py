"""Abandoned single sign-ons do not lock a browser out, and a CSRF token is renewed at sign-in.

A browser keeps a cookie of at most 4,096 bytes; a larger one is dropped, and with it the
session: then neither single sign-on nor a password can sign anyone in.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import g

from portal.auth import pending_states
from tests.auth.conftest import PASSWORD
from tests.auth.helpers import code, enrol, give_code, sign_in_with_password
from tests.auth.oidc_provider import CLIENTS, log_in_at_provider
from tests.auth.test_single_sign_on import (
    MERTON_SECRET_ENV,
    callback_path,
    people,  # noqa: F401  (a fixture)
    set_up_provider,
    start,
)
from tests.conftest import csrf_token_from

#: What a browser keeps of one cookie (RFC 6265 asks for at least 4,096 bytes; browsers stop there).
BROWSER_COOKIE_LIMIT = 4096


@pytest.fixture
def merton_sso(people, oidc_provider, monkeypatch):  # noqa: F811
    """Merton signs its staff in through the provider."""
    monkeypatch.setenv(MERTON_SECRET_ENV, CLIENTS[0]["client_secret"])
    return set_up_provider(
        "MERTON", oidc_provider.issuer, CLIENTS[0], MERTON_SECRET_ENV, "merton.gov.uk"
    )


def cookie_bytes(client) -> int:
    cookie = client.get_cookie("session")
    return len("session=") + len(cookie.value) if cookie else 0


def forget_the_last_request() -> None:
    """Tests share one app context: drop what the last request cached in `g`."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def test_fifty_abandoned_starts_leave_the_cookie_small_and_every_sign_in_working(
    client, officer, clock, merton_sso
):
    secret = enrol(officer)
    one_start = None
    for number in range(50):
        start(client)
        if number == 0:
            one_start = cookie_bytes(client)
    assert cookie_bytes(client) < 2 * pending_states.KEPT * one_start
    assert cookie_bytes(client) < BROWSER_COOKIE_LIMIT // 2

    # A password still signs in on this browser...
    sign_in_with_password(client, officer.email, PASSWORD)
    assert give_code(client, code(secret, clock)).headers["Location"] == "/"
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    client.post("/sign-out", data={"csrf_token": token})
    forget_the_last_request()
    for _ in range(50):
        start(client)

    # ...and so does single sign-on.
    back = log_in_at_provider(start(client), "fiona")
    response = client.get(callback_path(back))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert cookie_bytes(client) < BROWSER_COOKIE_LIMIT // 2


def test_the_newest_starts_are_kept_and_an_older_one_is_refused_as_not_started_here(
    client, merton_sso
):
    urls = [start(client) for _ in range(pending_states.KEPT + 2)]
    states = [dict(parse_qsl(urlsplit(url).query))["state"] for url in urls]
    with client.session_transaction() as session:
        kept = [key for key in session if key.startswith(pending_states.PREFIX)]
    assert sorted(key.rsplit("_", 1)[1] for key in kept) == sorted(states[-pending_states.KEPT :])

    oldest = client.get(callback_path(log_in_at_provider(urls[0], "fiona")))
    assert oldest.status_code == 400
    assert "did not start here" in oldest.get_data(as_text=True)
    # The person's second tab (an earlier start still kept) completes.
    second_tab = client.get(callback_path(log_in_at_provider(urls[-2], "fiona")))
    assert second_tab.headers["Location"] == "/"


def test_the_csrf_token_from_before_a_password_sign_in_is_refused_after_it(client, officer, clock):
    secret = enrol(officer)
    before = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    sign_in_with_password(client, officer.email, PASSWORD)
    forget_the_last_request()
    # The second factor's form: the token from before the password is already refused.
    refused = client.post("/sign-in/second-factor", data={"csrf_token": before, "code": "x"})
    assert refused.status_code == 400
    assert "The form had expired" in refused.get_data(as_text=True)
    during = csrf_token_from(client.get("/sign-in/second-factor").get_data(as_text=True))
    assert during != before
    give_code(client, code(secret, clock))
    forget_the_last_request()

    for old in (before, during):
        response = client.post("/sign-out", data={"csrf_token": old})
        assert response.status_code == 400
        forget_the_last_request()
        assert client.get("/account").status_code == 200  # still signed in
        forget_the_last_request()
    after = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert after not in (before, during)
    assert client.post("/sign-out", data={"csrf_token": after}).status_code == 302


def test_the_csrf_token_from_before_a_single_sign_on_is_refused_after_it(client, merton_sso):
    before = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    back = log_in_at_provider(start(client), "fiona")
    assert client.get(callback_path(back)).headers["Location"] == "/"
    forget_the_last_request()
    response = client.post("/sign-out", data={"csrf_token": before})
    assert response.status_code == 400
    forget_the_last_request()
    assert client.get("/account").status_code == 200
    forget_the_last_request()
    after = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert after != before
    assert client.post("/sign-out", data={"csrf_token": after}).status_code == 200

"""Signing out signs out: on the server (a copied cookie opens nothing), and at the provider.

Single sign-on runs against the suite's real OpenID provider on loopback; `provider` below
is the person's browser at that provider (its cookies are its session there).
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import sqlalchemy as sa
from flask import g

from portal.extensions import db
from portal.models import AuditEvent, IdentityProvider, Role, SignInSession
from tests import factories
from tests.auth.conftest import PASSWORD
from tests.auth.helpers import code, enrol, give_code, refresh_url, sign_in_with_password
from tests.auth.oidc_provider import CLIENTS, log_in_at_provider, sign_out_at_provider
from tests.auth.test_single_sign_on import (
    MERTON_SECRET_ENV,
    callback_path,
    people,  # noqa: F401  (a fixture)
    set_up_provider,
    start,
)
from tests.conftest import csrf_token_from


@pytest.fixture
def merton_sso(people, oidc_provider, monkeypatch):  # noqa: F811
    """Merton signs its staff in through the provider (fresh, so each test may change it)."""
    monkeypatch.setenv(MERTON_SECRET_ENV, CLIENTS[0]["client_secret"])
    return set_up_provider(
        "MERTON", oidc_provider.issuer, CLIENTS[0], MERTON_SECRET_ENV, "merton.gov.uk"
    )


@pytest.fixture
def provider() -> requests.Session:
    """The person's browser as the identity provider sees it."""
    return requests.Session()


def forget_the_last_request() -> None:
    """Tests share one app context: drop what the last request cached in `g`, so the next
    request reads its browser's cookie afresh, as a server would."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def sign_out(client):
    """Press "Sign out" in the header."""
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    return client.post("/sign-out", data={"csrf_token": token})


def sign_in_with_sso(client, provider, login: str = "fiona"):
    response = client.get(callback_path(log_in_at_provider(start(client), login, provider)))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    return response


def provider_asks_for_the_password(authorize_url: str, provider: requests.Session) -> bool:
    """Whether the provider shows its login form, rather than sending the browser back."""
    url = authorize_url
    for _ in range(6):
        response = provider.get(url, allow_redirects=False, timeout=10)
        if not response.is_redirect:
            return 'name="prompt" value="login"' in response.text
        url = requests.compat.urljoin(url, response.headers["Location"])
        if urlsplit(url).netloc == "localhost":
            return False
    raise AssertionError("the provider kept redirecting")


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_copy_of_the_cookie_taken_before_signing_out_opens_nothing_afterwards(
    client, officer, clock
):
    secret = enrol(officer)
    sign_in_with_password(client, officer.email, PASSWORD)
    give_code(client, code(secret, clock))
    assert client.get("/account").status_code == 200
    copied = client.get_cookie("session").value

    response = sign_out(client)
    assert response.headers["Location"] == "/sign-in"
    assert "You have signed out." in client.get("/sign-in").get_data(as_text=True)

    client.set_cookie("session", copied)  # someone kept the cookie and plays it back
    forget_the_last_request()
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    [ended] = db.session.scalars(sa.select(SignInSession)).all()
    assert ended.user_id == officer.id and ended.ended_at is not None
    assert ended.end_reason == "signed out"


def test_signing_out_on_one_browser_leaves_the_other_signed_in(app, client, officer, clock):
    secret = enrol(officer)
    laptop = app.test_client()
    for browser in (client, laptop):
        forget_the_last_request()
        sign_in_with_password(browser, officer.email, PASSWORD)
        clock.advance(30)  # a code is accepted once
        give_code(browser, code(secret, clock))
    forget_the_last_request()
    sign_out(client)
    forget_the_last_request()
    assert client.get("/account").status_code == 302
    forget_the_last_request()
    assert laptop.get("/account").status_code == 200


def test_a_session_signed_in_before_sessions_were_kept_can_still_be_signed_out_for_good(
    client, login_as
):
    # A cookie from before this version has no session id: it is adopted on its next
    # request, under an id derived from the cookie, so a copy of it is refused afterwards.
    login_as(Role.MEMBER)
    with client.session_transaction() as session:
        session["signed_in_at"] = 1_800_000_000.5
    copied = client.get_cookie("session").value
    assert client.get("/account").status_code == 200
    sign_out(client)
    client.set_cookie("session", copied)
    forget_the_last_request()
    assert client.get("/account").status_code == 302


def test_signing_out_after_single_sign_on_signs_out_at_the_provider_too(
    client, merton_sso, provider
):
    sign_in_with_sso(client, provider)
    copied = client.get_cookie("session").value
    response = sign_out(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You have signed out" in page and "Merton staff account" in page

    end_session = refresh_url(page)
    assert end_session.startswith(merton_sso.issuer + "/session/end?")
    query = dict(parse_qsl(urlsplit(end_session).query))
    assert query["post_logout_redirect_uri"] == "http://localhost/sign-in"
    assert query["client_id"] == CLIENTS[0]["client_id"]
    hint = jwt_claims(query["id_token_hint"])
    assert (hint["sub"], hint["aud"], hint["iss"]) == ("fiona", "portal-merton", merton_sso.issuer)
    # The portal's session is over already, whatever happens at the provider.
    assert client.get("/account").status_code == 302
    client.set_cookie("session", copied)
    forget_the_last_request()
    assert client.get("/account").status_code == 302
    assert db.session.scalars(sa.select(SignInSession)).one().id_token is None

    back = sign_out_at_provider(end_session, provider)
    assert back.startswith("http://localhost/sign-in")
    # Choosing the organisation again does not sign the last person straight back in.
    assert provider_asks_for_the_password(start(client), provider)


def test_without_signing_out_at_the_provider_it_would_sign_the_same_person_back_in(
    client, merton_sso, provider
):
    # Why the sign-out above matters: the provider remembers who signed in last.
    sign_in_with_sso(client, provider)
    client.delete_cookie("session")
    forget_the_last_request()
    assert not provider_asks_for_the_password(start(client), provider)


def test_a_provider_without_an_end_session_endpoint_still_signs_out_of_the_portal(
    client, merton_sso, provider, monkeypatch
):
    sign_in_with_sso(client, provider)
    from portal.auth import sso

    real = sso._metadata
    monkeypatch.setattr(
        sso,
        "_metadata",
        lambda idp, client: {
            k: v for k, v in real(idp, client).items() if k != "end_session_endpoint"
        },
    )
    response = sign_out(client)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert client.get("/account").status_code == 302


def test_a_provider_set_for_shared_computers_asks_for_the_password_every_time(
    client, merton_sso, provider
):
    assert "prompt" not in dict(parse_qsl(urlsplit(start(client)).query))
    sign_in_with_sso(client, provider)
    sign_out(client)  # of the portal only: the person walks away without the provider's page

    merton_sso.prompt_login = True
    db.session.commit()
    authorize_url = start(client)
    assert dict(parse_qsl(urlsplit(authorize_url).query))["prompt"] == "login"
    assert provider_asks_for_the_password(authorize_url, provider)


def test_an_administrator_sets_the_agencys_provider_for_shared_computers(
    client,
    login_as,
    people,  # noqa: F811
):
    login_as(Role.ADMIN, "MERTON")
    merton = factories.agency("MERTON")
    url = f"/admin/agencies/{merton.id}/identity-provider"
    page = client.get(url).get_data(as_text=True)
    assert "Ask for the password at every sign-in" in page
    assert "http://localhost/sign-in</code>" in page  # the post-logout redirect URI to register
    fields = {
        "csrf_token": csrf_token_from(page),
        "name": "Merton staff account",
        "issuer": "https://login.example.org",
        "client_id": "portal",
        "client_secret_env": "PORTAL_OIDC_MERTON_SECRET",
        "email_domains": "merton.gov.uk",
        "enabled": "y",
        "prompt_login": "y",
    }
    assert client.post(url, data=fields).status_code == 302
    assert db.session.scalars(sa.select(IdentityProvider)).one().prompt_login is True
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "identity-provider-changed")
    ).one()
    assert event.data["changes"]["prompt_login"] == "True"
    assert 'name="prompt_login" type="checkbox" value="y" checked aria-describedby' in client.get(
        url
    ).get_data(as_text=True)

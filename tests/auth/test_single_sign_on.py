"""Single sign-on end to end, against a real OpenID Connect provider on loopback.

The portal sends the browser to the provider; the test fills in the provider's own login
and consent forms; the provider sends the browser back with a code, which the portal
exchanges (a real HTTP call) for an ID token it verifies against the provider's keys.
"""

from __future__ import annotations

import html
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, IdentityProvider, Role, UserIdentity
from tests import factories
from tests.auth.helpers import refresh_url
from tests.auth.oidc_provider import CLIENTS, log_in_at_provider
from tests.conftest import csrf_token_from

MERTON_SECRET_ENV = "PORTAL_TEST_OIDC_MERTON_SECRET"
HARROW_SECRET_ENV = "PORTAL_TEST_OIDC_HARROW_SECRET"


@pytest.fixture
def people(app):
    """Fiona at Merton, Claire at CQC, Sanjay at Harrow: accounts made by an administrator."""
    merton, cqc, harrow = (factories.agency(c) for c in ("MERTON", "CQC", "HARROW"))
    fiona = factories.user(Role.MEMBER, merton, email="fiona.doyle@merton.gov.uk")
    claire = factories.user(Role.MEMBER, cqc, email="claire.donovan@cqc.org.uk")
    sanjay = factories.user(Role.MEMBER, harrow, email="sanjay.patel@harrow.gov.uk")
    db.session.commit()
    return {"fiona": fiona, "claire": claire, "sanjay": sanjay}


def set_up_provider(agency_code: str, issuer: str, client: dict, env: str, domains: str = ""):
    """The agency's identity provider, as an administrator would set it."""
    idp = IdentityProvider(
        agency=factories.agency(agency_code),
        name=f"{agency_code.title()} staff account",
        issuer=issuer,
        client_id=client["client_id"],
        client_secret_env=env,
        email_domains=domains,
    )
    db.session.add(idp)
    db.session.commit()
    return idp


@pytest.fixture
def merton_sso(people, oidc_provider, monkeypatch):
    """Merton signs its staff in through the provider."""
    monkeypatch.setenv(MERTON_SECRET_ENV, CLIENTS[0]["client_secret"])
    return set_up_provider(
        "MERTON", oidc_provider.issuer, CLIENTS[0], MERTON_SECRET_ENV, "merton.gov.uk"
    )


def start(client, agency_code: str = "MERTON") -> str:
    """Ask the portal to sign in through the agency; the provider's authorization URL.

    The portal answers with a page that moves on at once (no redirect: see
    test_the_start_page_moves_on_to_the_provider_by_itself).
    """
    response = client.get(f"/sign-in/sso/{agency_code}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return refresh_url(response.get_data(as_text=True))


def callback_path(url: str) -> str:
    """The portal-relative part of the URL the provider sent the browser back to."""
    parts = urlsplit(url)
    assert parts.netloc == "localhost", url
    return f"{parts.path}?{parts.query}"


def sso_events(reason: str | None = None):
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sso-failed"))
    return [e for e in events if reason is None or e.data["reason"] == reason]


def test_a_council_officer_signs_in_with_her_councils_account_and_no_portal_code(
    client, people, merton_sso
):
    authorize_url = start(client)
    query = dict(parse_qsl(urlsplit(authorize_url).query))
    # Authorization code flow with PKCE, state and nonce.
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert query["state"] and query["nonce"] and query["code_challenge"]

    back = log_in_at_provider(authorize_url, "fiona")
    response = client.get(callback_path(back))
    assert response.status_code == 302, [e.data for e in sso_events()]
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert people["fiona"].name in home.get_data(as_text=True)
    link = db.session.scalars(sa.select(UserIdentity)).one()
    assert (link.user_id, link.identity_provider_id, link.subject) == (
        people["fiona"].id,
        merton_sso.id,
        "fiona",
    )
    sign_in = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sign-in")).one()
    assert sign_in.data == {"method": "sso"}
    assert sign_in.user_id == people["fiona"].id


def test_a_linked_officer_is_found_after_her_email_address_changes(client, people, merton_sso):
    client.get(callback_path(log_in_at_provider(start(client), "fiona")))
    client.post(
        "/sign-out", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))}
    )
    people["fiona"].email = "fiona.doyle-smith@merton.gov.uk"
    db.session.commit()
    response = client.get(callback_path(log_in_at_provider(start(client), "fiona")))
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserIdentity)) == 1


@pytest.mark.parametrize(
    ("login", "reason", "says"),
    [
        ("stranger", "unknown account", "There is no portal account for no.account@merton.gov.uk"),
        ("claire", "email domain of another agency", "is not an address of"),
        ("unverified", "email not verified", "did not confirm your email address"),
    ],
    ids=["unknown e-mail", "other agency's domain", "unverified e-mail"],
)
def test_a_person_the_portal_does_not_know_for_that_agency_is_told_why_and_not_signed_in(
    client, people, merton_sso, login, reason, says
):
    response = client.get(callback_path(log_in_at_provider(start(client), login)))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "You could not be signed in" in page
    assert says in page
    assert client.get("/").status_code == 302
    assert len(sso_events(reason)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserIdentity)) == 0


def test_an_account_of_another_agency_cannot_sign_in_through_this_agencys_provider(
    client, people, merton_sso
):
    merton_sso.email_domains = ""  # no domain check: the account's agency still decides
    db.session.commit()
    response = client.get(callback_path(log_in_at_provider(start(client), "claire")))
    assert response.status_code == 400
    assert "belongs to another agency" in response.get_data(as_text=True)
    assert len(sso_events("account of another agency")) == 1


def test_a_deactivated_account_cannot_sign_in_with_single_sign_on(client, people, merton_sso):
    people["fiona"].active = False
    db.session.commit()
    response = client.get(callback_path(log_in_at_provider(start(client), "fiona")))
    assert response.status_code == 400
    assert "deactivated" in response.get_data(as_text=True)
    assert len(sso_events("account deactivated")) == 1


def test_a_tampered_state_is_refused(client, people, merton_sso):
    back = urlsplit(log_in_at_provider(start(client), "fiona"))
    query = dict(parse_qsl(back.query)) | {"state": "forged-state-value"}
    tampered = urlunsplit(back._replace(query=urlencode(query)))
    response = client.get(callback_path(tampered))
    assert response.status_code == 400
    assert "did not start here" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert len(sso_events("bad state")) == 1


def test_a_code_that_has_expired_at_the_provider_signs_nobody_in(
    client,
    people,
    oidc_provider,
    monkeypatch,
):
    monkeypatch.setenv(HARROW_SECRET_ENV, CLIENTS[1]["client_secret"])
    set_up_provider("HARROW", oidc_provider.issuer, CLIENTS[1], HARROW_SECRET_ENV)
    back = log_in_at_provider(start(client, "HARROW"), "sanjay")
    time.sleep(2.2)  # this client's codes live one second
    response = client.get(callback_path(back))
    assert response.status_code == 400
    assert "Start again" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    [event] = sso_events()
    assert event.data["reason"] == "provider refused: invalid_grant"


def test_a_provider_that_does_not_answer_gets_a_clear_page(client, people, monkeypatch):
    monkeypatch.setenv(MERTON_SECRET_ENV, "secret")
    set_up_provider("MERTON", "http://127.0.0.1:9", CLIENTS[0], MERTON_SECRET_ENV)
    response = client.get("/sign-in/sso/MERTON")
    assert response.status_code == 400
    assert "did not answer" in response.get_data(as_text=True)
    assert len(sso_events("provider unreachable")) == 1


def test_a_missing_client_secret_is_a_clear_page_not_an_error(client, people, monkeypatch):
    monkeypatch.delenv(MERTON_SECRET_ENV, raising=False)
    set_up_provider("MERTON", "http://127.0.0.1:9", CLIENTS[0], MERTON_SECRET_ENV)
    response = client.get("/sign-in/sso/MERTON")
    assert response.status_code == 400
    assert "not fully set up" in response.get_data(as_text=True)


def test_the_sign_in_page_offers_the_agencys_provider_and_an_email_finds_it(
    client, people, monkeypatch
):
    set_up_provider(
        "MERTON", "https://login.example.org", CLIENTS[0], MERTON_SECRET_ENV, "merton.gov.uk"
    )
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with your organisation" in page
    assert "Merton staff account" in page
    token = csrf_token_from(page)
    response = client.post(
        "/sign-in/sso", data={"csrf_token": token, "sso-sso_email": "Fiona.Doyle@merton.gov.uk"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in/sso/MERTON"
    response = client.post(
        "/sign-in/sso", data={"csrf_token": token, "sso-sso_email": "someone@elsewhere.org"}
    )
    assert "No organisation signs in with that email address" in response.get_data(as_text=True)


def test_a_provider_whose_discovery_document_names_another_issuer_is_refused(
    client, people, oidc_provider, monkeypatch
):
    # The same server under another name: its discovery document names 127.0.0.1.
    monkeypatch.setenv(MERTON_SECRET_ENV, CLIENTS[0]["client_secret"])
    other_name = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    set_up_provider("MERTON", other_name, CLIENTS[0], MERTON_SECRET_ENV)
    response = client.get("/sign-in/sso/MERTON")
    assert response.status_code == 400
    assert "not set up correctly" in response.get_data(as_text=True)
    assert len(sso_events("issuer mismatch")) == 1


def test_single_sign_on_returns_to_the_page_asked_for_on_this_site(client, people, merton_sso):
    token = csrf_token_from(client.get("/sign-in?next=/providers").get_data(as_text=True))
    response = client.post(
        "/sign-in/sso?next=/providers", data={"csrf_token": token, "sso-agency": "MERTON"}
    )
    assert response.headers["Location"] == "/sign-in/sso/MERTON?next=/providers"
    back = log_in_at_provider(start(client, "MERTON?next=/providers"), "fiona")
    assert client.get(callback_path(back)).headers["Location"] == "/providers"
    back = log_in_at_provider(start(client, "MERTON?next=https://evil.example/"), "fiona")
    assert client.get(callback_path(back)).headers["Location"] == "/"


def test_the_start_page_moves_on_to_the_provider_by_itself(client, people, merton_sso):
    # Chromium checks the sign-in form's form-action 'self' on every redirect that follows
    # it, so the form's chain ends on this page, which then moves on (no form involved).
    response = client.get("/sign-in/sso/MERTON")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]
    url = refresh_url(page)
    assert url.startswith(merton_sso.issuer + "/auth?")
    assert f'href="{html.escape(url)}"' in page  # the same address as a link
    assert "Continue to Merton staff account" in page

"""Signing in and out: one generic failure, same-site redirects, CSRF, audit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.services import SIGN_IN_FAILED, safe_next_url
from portal.extensions import db
from portal.models import AuditEvent
from tests.auth.conftest import PASSWORD
from tests.auth.helpers import code, enrol, give_code, sign_in_with_password
from tests.conftest import csrf_token_from


@pytest.fixture
def secret(officer, clock):
    """The officer has set up an authenticator app."""
    return enrol(officer)


def sign_in(client, email, password, next_url=None, secret=None, clock=None):
    """Password, then (when it was right and a secret is given) the code."""
    response = sign_in_with_password(client, email, password, next_url)
    if secret is None or response.headers.get("Location") != "/sign-in/second-factor":
        return response
    return give_code(client, code(secret, clock))


def audit_actions():
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def test_an_officer_signs_in_with_password_and_code_and_sees_the_home_page(
    client, officer, secret, clock
):
    response = sign_in_with_password(client, "Officer@Merton.gov.uk", PASSWORD)
    assert response.headers["Location"] == "/sign-in/second-factor"
    assert client.get("/").status_code == 302  # not signed in until the code
    response = give_code(client, code(secret, clock))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert officer.name in home.get_data(as_text=True)
    assert audit_actions() == ["access-refused", "sign-in"]  # the home page before the code


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("officer@merton.gov.uk", "the wrong password!"),
        ("nobody@merton.gov.uk", PASSWORD),
    ],
    ids=["wrong password", "unknown account"],
)
def test_a_failed_sign_in_says_the_same_thing_whatever_went_wrong(client, officer, email, password):
    response = sign_in(client, email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert SIGN_IN_FAILED in page
    assert 'class="govuk-error-summary' in page
    # What was typed is kept, the password is not.
    assert email in page
    assert password not in page
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [e.action for e in events] == ["sign-in-failed"]
    assert events[0].data["email"] == email


def test_a_deactivated_account_cannot_sign_in(client, officer):
    officer.active = False
    db.session.commit()
    response = sign_in(client, officer.email, PASSWORD)
    assert SIGN_IN_FAILED in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_empty_form_gets_a_message_for_each_field(client, app):
    response = sign_in(client, "", "")
    page = response.get_data(as_text=True)
    assert "Enter your email address" in page
    assert "Enter your password" in page
    assert 'href="#email"' in page


def test_sign_in_returns_to_the_page_asked_for_on_this_site(client, officer, secret, clock):
    response = sign_in(client, officer.email, PASSWORD, "/?page=2", secret, clock)
    assert response.headers["Location"] == "/?page=2"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "evil",
    ],
)
def test_sign_in_never_redirects_off_the_site(client, officer, secret, clock, target):
    response = sign_in(client, officer.email, PASSWORD, target, secret, clock)
    assert response.headers["Location"] == "/"
    assert safe_next_url(target) is None


def test_a_form_without_its_csrf_token_is_refused(client, officer):
    response = client.post("/sign-in", data={"email": officer.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302
    assert audit_actions() == ["access-refused"]  # the home page; the form itself saved nothing


def test_signing_out_ends_the_session_and_is_audited(client, officer, secret, clock):
    sign_in(client, officer.email, PASSWORD, secret=secret, clock=clock)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert audit_actions() == ["sign-in", "sign-out", "access-refused"]


def test_the_previous_sign_in_is_kept_for_new_since_last_visit(client, officer, secret, clock):
    sign_in(client, officer.email, PASSWORD, secret=secret, clock=clock)
    first = officer.last_sign_in_at
    client.post(
        "/sign-out", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))}
    )
    clock.advance(30)
    sign_in(client, officer.email, PASSWORD, secret=secret, clock=clock)
    db.session.refresh(officer)
    assert officer.previous_sign_in_at == first

"""The identity provider page's single sign-on settings: address trust, the token endpoint's
client authentication, strong sign-in; who may change them; what bad input gets."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import g

from portal.extensions import db
from portal.models import (
    AuditEvent,
    EmailTrust,
    IdentityProvider,
    Role,
    TokenAuthMethod,
    UserIdentity,
)
from tests import factories
from tests.auth.helpers import post_form
from tests.conftest import csrf_token_from

#: What an administrator enters for an NHSmail (Entra ID) tenant.
NHSMAIL = {
    "name": "NHSmail",
    "issuer": "https://login.microsoftonline.com/37c354b2-85b0-47f5-b222-07b48d774ee3/v2.0",
    "client_id": "0b1c9e3e-portal",
    "client_secret_env": "PORTAL_OIDC_NHS_SECRET",
    "email_domains": "nhs.net",
    "email_trust": "authoritative",
    "token_auth_method": "client_secret_post",
    "require_strong_sign_in": "y",
    "acr_values": "c1 urn:nhs:authn:mfa",
    "enabled": "y",
}


@pytest.fixture
def nhs(app):
    agency = factories.agency("NHSNCL")
    db.session.commit()
    return agency


def url_for_agency(agency) -> str:
    return f"/admin/agencies/{agency.id}/identity-provider"


def test_an_administrator_sets_up_nhsmail_with_its_own_trust_and_strength(client, login_as, nhs):
    login_as(Role.ADMIN)
    page = client.get(url_for_agency(nhs)).get_data(as_text=True)
    assert "How the portal trusts the email address the provider sends" in page
    assert "xms_edov" in page and "client_secret_post" in page
    response = post_form(client, url_for_agency(nhs), NHSMAIL)
    assert response.status_code == 302, response.get_data(as_text=True)
    idp = db.session.scalars(sa.select(IdentityProvider)).one()
    assert idp.email_trust == EmailTrust.AUTHORITATIVE
    assert idp.token_auth_method == TokenAuthMethod.CLIENT_SECRET_POST
    assert idp.require_strong_sign_in is True
    assert idp.acr_values == "c1 urn:nhs:authn:mfa"
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "identity-provider-changed")
    )
    assert event.data["changes"]["email_trust"] == "authoritative"
    page = client.get(url_for_agency(nhs)).get_data(as_text=True)
    assert 'value="authoritative" checked' in page


def test_the_defaults_are_email_verified_and_discovery(client, login_as, nhs):
    login_as(Role.ADMIN)
    settings = {k: v for k, v in NHSMAIL.items() if k not in ("require_strong_sign_in",)}
    settings |= {"email_trust": "email_verified", "token_auth_method": "auto", "acr_values": ""}
    assert post_form(client, url_for_agency(nhs), settings).status_code == 302
    idp = db.session.scalars(sa.select(IdentityProvider)).one()
    assert (idp.email_trust, idp.token_auth_method, idp.require_strong_sign_in) == (
        EmailTrust.EMAIL_VERIFIED,
        TokenAuthMethod.AUTO,
        False,
    )


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"email_domains": ""}, "a provider authoritative for the agency"),
        ({"email_trust": "anything-goes"}, "Choose how the portal trusts the address"),
        ({"email_trust": ""}, "Choose how the portal trusts the address"),
        ({"token_auth_method": "private_key_jwt"}, "Choose how the portal presents its client"),
        ({"acr_values": 'c1 "><script>alert(1)</script>'}, "Enter the acr values"),
        ({"acr_values": "x" * 101}, "Enter the acr values"),
        ({"acr_values": "x" * 300}, "Field cannot be longer than 255 characters"),
    ],
    ids=[
        "authoritative without domains",
        "an unknown trust mode",
        "no trust mode",
        "an unknown client authentication",
        "markup in acr values",
        "an acr value too long",
        "acr values too long",
    ],
)
def test_bad_settings_get_a_clear_message_and_change_nothing(client, login_as, nhs, changes, says):
    login_as(Role.ADMIN)
    response = post_form(client, url_for_agency(nhs), NHSMAIL | changes)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert says in page
    assert "<script>alert(1)" not in page
    assert db.session.scalar(sa.select(IdentityProvider)) is None


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.CHAIR])
def test_only_administrators_may_see_or_change_the_settings(client, login_as, nhs, role):
    login_as(role)
    assert client.get(url_for_agency(nhs)).status_code == 403
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    response = client.post(url_for_agency(nhs), data=NHSMAIL | {"csrf_token": token})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(IdentityProvider)) is None


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, nhs):
    assert client.get(url_for_agency(nhs)).status_code == 302
    response = client.post(url_for_agency(nhs), data=NHSMAIL)
    assert response.status_code in (302, 400)
    assert db.session.scalar(sa.select(IdentityProvider)) is None


def test_changing_the_issuer_keeps_old_links_under_the_old_issuer(client, login_as, nhs):
    login_as(Role.ADMIN)
    assert post_form(client, url_for_agency(nhs), NHSMAIL).status_code == 302
    idp = db.session.scalars(sa.select(IdentityProvider)).one()
    person = factories.user(Role.MEMBER, nhs, email="asha.khan@nhs.net")
    db.session.add(
        UserIdentity(
            user_id=person.id, identity_provider_id=idp.id, issuer=idp.issuer, subject="s-1"
        )
    )
    db.session.commit()
    g.pop("csrf_token", None)
    moved = NHSMAIL | {"issuer": "https://login.microsoftonline.com/another-tenant/v2.0"}
    assert post_form(client, url_for_agency(nhs), moved).status_code == 302
    link = db.session.scalars(sa.select(UserIdentity)).one()
    assert link.issuer == NHSMAIL["issuer"]
    assert idp.issuer == moved["issuer"]

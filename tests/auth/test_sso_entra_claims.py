"""Entra ID and NHSmail: how an address is trusted, whose account a link is, how strong a sign-in.

Against the Entra-shaped provider (tests/auth/entra_provider.py): its tokens never carry
`email_verified`; some carry `email` with `xms_edov`, some only `preferred_username` or `upn`.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.admin.services import ProviderSettings, save_identity_provider
from portal.extensions import db
from portal.models import EmailTrust, SignInSession, UserIdentity
from tests.auth.entra_setup import new_nhs_tenant, sign_ins, signed_in, sso_failures
from tests.auth.helpers import code, enrol, post_form


def links() -> list[tuple[int, str, str]]:
    rows = db.session.scalars(sa.select(UserIdentity).order_by(UserIdentity.id))
    return [(r.user_id, r.issuer, r.subject) for r in rows]


@pytest.mark.parametrize(
    ("trust", "claims", "login"),
    [
        (EmailTrust.EMAIL_VERIFIED, {"email_verified": True}, "asha"),
        (EmailTrust.EMAIL_VERIFIED, {"email_verified": "true"}, "asha"),
        (EmailTrust.EMAIL_VERIFIED, {"email_verified": "TRUE"}, "asha"),
        (EmailTrust.DOMAIN_VERIFIED, {}, "asha"),
        (EmailTrust.DOMAIN_VERIFIED, {"xms_edov": "true"}, "asha"),
        (EmailTrust.AUTHORITATIVE, {}, "asha"),
        (EmailTrust.AUTHORITATIVE, {}, "asha-upn-only"),
        (EmailTrust.AUTHORITATIVE, {}, "asha-username-only"),
    ],
    ids=[
        "email_verified true",
        "email_verified as the string true",
        "email_verified as TRUE",
        "xms_edov true",
        "xms_edov as the string true",
        "authoritative, email",
        "authoritative, upn only",
        "authoritative, preferred_username only",
    ],
)
def test_each_trust_mode_signs_in_the_address_it_vouches_for(
    client, asha, entra, trust, claims, login
):
    nhs = entra(email_trust=trust)
    nhs.tenant.overrides = claims
    response = nhs.sign_in(client, login)
    assert response.headers.get("Location") == "/", [e.data for e in sso_failures()]
    assert signed_in(client)
    assert links() == [(asha.id, nhs.tenant.issuer, "pairwise-asha")]


@pytest.mark.parametrize(
    ("trust", "claims", "login", "reason"),
    [
        (EmailTrust.EMAIL_VERIFIED, {}, "asha", "email not verified"),
        (EmailTrust.EMAIL_VERIFIED, {"email_verified": "yes"}, "asha", "email not verified"),
        (
            EmailTrust.EMAIL_VERIFIED,
            {"email_verified": True},
            "asha-upn-only",
            "email not verified",
        ),
        (EmailTrust.DOMAIN_VERIFIED, {"xms_edov": False}, "asha", "email not verified"),
        (EmailTrust.DOMAIN_VERIFIED, {"xms_edov": "false"}, "asha", "email not verified"),
        (EmailTrust.DOMAIN_VERIFIED, {"xms_edov": True}, "asha-upn-only", "email not verified"),
        (EmailTrust.AUTHORITATIVE, {}, "outsider", "email not verified"),
        (EmailTrust.AUTHORITATIVE, {"upn": "not an address"}, "asha-upn-only", "no email address"),
    ],
    ids=[
        "Entra's email without email_verified",
        "email_verified neither true nor 'true'",
        "upn only, trusting email_verified",
        "xms_edov false",
        "xms_edov 'false'",
        "upn only, trusting xms_edov",
        "authoritative, an address outside the agency's domains",
        "no address at all",
    ],
)
def test_an_address_the_trust_mode_does_not_vouch_for_signs_nobody_in(
    client, asha, entra, trust, claims, login, reason
):
    nhs = entra(email_trust=trust)
    nhs.tenant.overrides = claims
    response = nhs.sign_in(client, login)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert not signed_in(client)
    assert len(sso_failures(reason)) == 1
    # The person is told who can change it, not sent to someone who cannot.
    assert "administrators can change" in page
    assert links() == []


def test_an_issuer_change_does_not_let_the_new_providers_subject_take_over_an_account(
    client, app, asha, entra, entra_server
):
    nhs = entra()
    assert nhs.sign_in(client, "asha").headers["Location"] == "/"
    old_issuer = nhs.tenant.issuer
    assert links() == [(asha.id, old_issuer, "pairwise-asha")]
    # The agency moves to another tenant; the administrator edits the issuer in place.
    new_tenant = new_nhs_tenant(entra_server)
    idp = nhs.idp
    settings = ProviderSettings(
        name=idp.name,
        issuer=new_tenant.issuer,
        client_id=idp.client_id,
        client_secret_env=idp.client_secret_env,
        email_domains=idp.email_domains,
        enabled=True,
        email_trust=idp.email_trust.value,
        token_auth_method=idp.token_auth_method.value,
        require_strong_sign_in=False,
        acr_values="",
    )
    save_identity_provider(idp.agency, settings)
    db.session.commit()
    # At the new tenant, someone else holds Asha's old subject, and no address of hers.
    new_tenant.accounts["mallory"] = {"sub": "pairwise-asha", "upn": "mallory@elsewhere.org"}
    mallory = app.test_client()
    response = nhs.sign_in(mallory, "mallory")
    assert response.status_code == 400
    assert not signed_in(mallory)
    assert len(sso_failures("email not verified")) == 1
    # Asha herself, at the new tenant, is matched again by her address and linked anew.
    new_tenant.accounts["asha"] |= {"sub": "new-tenant-asha"}
    assert nhs.sign_in(app.test_client(), "asha").headers["Location"] == "/"
    assert links() == [
        (asha.id, old_issuer, "pairwise-asha"),
        (asha.id, new_tenant.issuer, "new-tenant-asha"),
    ]


def test_amr_and_acr_are_recorded_with_the_sign_in(client, asha, entra):
    nhs = entra()
    nhs.tenant.overrides = {"amr": ["pwd", "mfa"], "acr": "c1"}
    assert nhs.sign_in(client, "asha").headers["Location"] == "/"
    [event] = sign_ins()
    assert event.data == {"method": "sso", "amr": "pwd mfa", "acr": "c1"}


def test_a_provider_that_says_nothing_of_its_sign_in_records_only_the_method(client, asha, entra):
    nhs = entra()
    assert nhs.sign_in(client, "asha").headers["Location"] == "/"
    [event] = sign_ins()
    assert event.data == {"method": "sso"}


@pytest.mark.parametrize(
    "claims",
    [{"amr": ["pwd", "mfa"]}, {"amr": ["hwk"]}, {"acr": "c2"}, {"acrs": ["c1", "c3"]}],
    ids=[
        "amr mfa",
        "a hardware key",
        "an acr value the agency listed",
        "an Entra authentication context (acrs) the agency listed",
    ],
)
def test_a_strong_enough_sign_in_at_the_provider_needs_no_portal_code(client, asha, entra, claims):
    nhs = entra(require_strong_sign_in=True, acr_values="c2 c3")
    nhs.tenant.overrides = claims
    assert nhs.sign_in(client, "asha").headers["Location"] == "/"
    assert nhs.tenant.authorize_requests[-1]["acr_values"] == "c2 c3"
    assert sign_ins()[0].data["method"] == "sso"


@pytest.mark.parametrize(
    ("claims", "recorded"),
    [
        ({"amr": ["pwd"]}, {"amr": "pwd"}),
        ({}, {}),
        ({"acr": "c1", "amr": ["pwd", "kba"]}, {"acr": "c1", "amr": "pwd kba"}),
    ],
    ids=["a password only", "nothing said", "an acr value not listed"],
)
def test_a_password_only_sign_in_is_followed_by_the_portals_own_second_factor(
    client, asha, entra, clock, claims, recorded
):
    nhs = entra(require_strong_sign_in=True, acr_values="c2")
    nhs.tenant.overrides = claims
    secret = enrol(asha)
    response = nhs.sign_in(client, "asha", next_url="/providers")
    assert response.headers["Location"] == "/sign-in/second-factor"
    assert not signed_in(client)
    response = post_form(client, "/sign-in/second-factor", {"code": code(secret, clock)})
    assert response.headers["Location"] == "/providers"
    assert signed_in(client)
    [event] = sign_ins()
    assert event.data == {"method": "sso+totp"} | recorded
    # The provider is remembered with the session, so signing out signs out there too.
    [row] = db.session.scalars(sa.select(SignInSession)).all()
    assert (row.method, row.identity_provider_id) == ("sso+totp", nhs.idp.id)


def test_a_single_sign_on_account_without_an_app_sets_one_up_when_the_agency_asks(
    client, asha, entra, clock
):
    nhs = entra(require_strong_sign_in=True)
    nhs.tenant.overrides = {"amr": ["pwd"]}
    response = nhs.sign_in(client, "asha")
    assert response.headers["Location"] == "/sign-in/second-factor/set-up"
    page = client.get("/sign-in/second-factor/set-up").get_data(as_text=True)
    secret = re.search(r'<code class="portal-secret">([A-Z2-7 ]+)</code>', page).group(1)
    secret = secret.replace(" ", "")
    post_form(client, "/sign-in/second-factor/set-up", {"code": code(secret, clock)})
    assert signed_in(client)
    [event] = sign_ins()
    assert event.data == {"method": "sso+totp", "amr": "pwd"}

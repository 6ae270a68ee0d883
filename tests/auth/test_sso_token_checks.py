"""The ID token and the token endpoint, checked against a second, Entra-shaped provider.

Each test gets its own tenant of tests/auth/entra_provider.py and turns one of its knobs:
the portal's real Authlib client fetches discovery, keys and tokens from it over HTTP.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth import sso
from portal.extensions import db
from portal.models import TokenAuthMethod, UserIdentity
from tests.auth.entra_provider import REMOVE, FromNow, sign_in_at
from tests.auth.entra_setup import (
    callback_path,
    fresh_browser,
    query_of,
    sign_ins,
    signed_in,
    sso_failures,
)

NOT_VERIFIED = "could not be verified"


def test_an_nhs_officer_signs_in_through_an_entra_shaped_tenant(client, asha, entra):
    nhs = entra()
    authorize_url = nhs.start(client)
    assert authorize_url.startswith(nhs.tenant.issuer.removesuffix("/v2.0") + "/oauth2/v2.0/")
    response = client.get(callback_path(sign_in_at(authorize_url, "asha")))
    assert response.headers["Location"] == "/", [e.data for e in sso_failures()]
    assert signed_in(client)
    link = db.session.scalars(sa.select(UserIdentity)).one()
    assert (link.user_id, link.issuer, link.subject) == (
        asha.id,
        nhs.tenant.issuer,
        "pairwise-asha",
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "11111111-another-application", "azp": "00000000-portal-client-id"},
        {"aud": ["11111111-another-application", "22222222-a-third"]},
        {"aud": REMOVE},
        {"iss": "https://login.microsoftonline.com/another-tenant/v2.0"},
        {"iss": REMOVE},
        {"exp": FromNow(-600)},
        {"iat": FromNow(600)},
        {"nbf": FromNow(600)},
        {"iat": REMOVE},
        {"sub": REMOVE},
        {"nonce": REMOVE},
        {"nonce": "a-nonce-from-another-sign-in"},
    ],
    ids=[
        "aud of another application with azp of the portal",
        "several audiences without the portal",
        "no aud",
        "iss of another tenant",
        "no iss",
        "expired",
        "issued in the future",
        "not yet valid",
        "no iat",
        "no sub",
        "no nonce",
        "another nonce",
    ],
)
def test_an_id_token_that_fails_a_check_signs_nobody_in(client, asha, entra, overrides):
    nhs = entra()
    nhs.tenant.overrides = overrides
    response = nhs.sign_in(client, "asha")
    assert response.status_code == 400
    assert NOT_VERIFIED in response.get_data(as_text=True)
    assert not signed_in(client)
    assert len(sso_failures("id token invalid")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserIdentity)) == 0


def test_several_audiences_are_accepted_when_the_portal_is_one_and_the_authorized_party(
    client, asha, entra
):
    nhs = entra()
    nhs.tenant.overrides = {"aud": ["api://other", nhs.client_id], "azp": nhs.client_id}
    assert nhs.sign_in(client, "asha").headers["Location"] == "/"
    assert signed_in(client)


def test_a_token_signed_with_another_key_under_the_right_kid_is_refused(client, asha, entra):
    nhs = entra()
    nhs.tenant.foreign_signature = True
    response = nhs.sign_in(client, "asha")
    assert response.status_code == 400
    assert not signed_in(client)
    assert len(sso_failures("id token invalid")) == 1


def test_an_unsigned_token_is_refused_even_when_discovery_lists_alg_none(client, asha, entra):
    nhs = entra()
    nhs.tenant.signing_algs = ["RS256", "none"]
    nhs.tenant.unsigned = True
    response = nhs.sign_in(client, "asha")
    assert response.status_code == 400
    assert not signed_in(client)
    assert len(sso_failures("id token invalid")) == 1


def test_an_id_token_from_an_earlier_sign_in_is_refused(client, app, asha, entra):
    nhs = entra()
    other_browser = app.test_client()
    assert nhs.sign_in(other_browser, "asha").headers["Location"] == "/"
    nhs.tenant.replay_last_id_token = True  # a new code, the old ID token (its nonce)
    response = nhs.sign_in(client, "asha")
    assert response.status_code == 400
    assert not signed_in(client)
    assert len(sso_failures("id token invalid")) == 1


def test_a_code_cannot_be_used_twice(client, app, asha, entra):
    nhs = entra()
    back = sign_in_at(nhs.start(client), "asha")
    assert client.get(callback_path(back)).headers["Location"] == "/"
    # The same answer again, in the same browser: its state was used up.
    again = app.test_client()
    fresh_browser()
    response = again.get(callback_path(back))
    assert response.status_code == 400
    assert len(sso_failures("bad state")) == 1
    # The used code with the state of a new sign-in: the provider refuses it.
    fresh_state = query_of(nhs.start(again))["state"]
    replayed = callback_path(back).replace(query_of(back)["state"], fresh_state)
    response = again.get(replayed)
    assert response.status_code == 400
    assert not signed_in(again)
    assert len(sso_failures("provider refused: invalid_grant")) == 1


def test_a_rotated_signing_key_is_fetched_and_a_withdrawn_one_no_longer_counts(
    client, app, asha, entra
):
    nhs = entra()
    assert nhs.sign_in(client, "asha").headers["Location"] == "/"
    reads = nhs.tenant.key_set_reads
    old_key = nhs.tenant.keys[0]
    nhs.tenant.rotate_keys()  # the old key is withdrawn from the key set
    assert nhs.sign_in(app.test_client(), "asha").headers["Location"] == "/"
    assert nhs.tenant.key_set_reads == reads + 1
    nhs.tenant.signing_key = old_key  # a token still signed with the withdrawn key
    late = app.test_client()
    response = nhs.sign_in(late, "asha")
    assert response.status_code == 400
    assert not signed_in(late)
    assert len(sso_failures("id token invalid")) == 1


def test_a_provider_that_hangs_at_the_token_endpoint_gets_a_clear_page(
    client, asha, entra, monkeypatch
):
    monkeypatch.setattr(sso, "HTTP_TIMEOUT_SECONDS", 1)
    nhs = entra()
    nhs.tenant.hang_seconds = 3
    response = nhs.sign_in(client, "asha")
    assert response.status_code == 400
    assert "did not answer" in response.get_data(as_text=True)
    assert len(sso_failures("provider unreachable")) == 1


def test_a_discovery_document_without_a_key_set_gets_a_clear_page(client, asha, entra):
    nhs = entra()
    nhs.tenant.publishes_keys = False
    response = nhs.sign_in(client, "asha")
    assert response.status_code == 400
    assert "not set up correctly" in response.get_data(as_text=True)
    assert len(sso_failures("provider metadata incomplete")) == 1


def test_a_provider_that_takes_only_client_secret_post_is_found_from_discovery(client, asha, entra):
    nhs = entra(auth_method="client_secret_post")
    nhs.tenant.auth_methods = ["client_secret_post"]
    assert nhs.sign_in(client, "asha").headers["Location"] == "/"
    assert signed_in(client)


def test_the_agency_can_require_client_secret_post(client, asha, entra):
    nhs = entra(
        auth_method="client_secret_post", token_auth_method=TokenAuthMethod.CLIENT_SECRET_POST
    )
    assert nhs.sign_in(client, "asha").headers["Location"] == "/"


@pytest.mark.parametrize(
    "settings",
    [
        {"secret_at_provider": "a-secret-the-portal-does-not-have"},
        {"auth_method": "client_secret_post"},
    ],
    ids=["wrong secret", "basic where the provider takes only post"],
)
def test_a_refused_client_gets_a_configuration_message(client, asha, entra, settings):
    nhs = entra(**settings)
    response = nhs.sign_in(client, "asha")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "refused the portal itself" in page
    assert "settings need correcting" in page
    assert "may have taken too long" not in page
    assert len(sso_failures("provider refused: invalid_client")) == 1


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/%0d%0aLocation:%20https://evil.example",
    ],
)
def test_single_sign_on_never_sends_anyone_off_site_afterwards(client, asha, entra, target):
    nhs = entra()
    assert nhs.sign_in(client, "asha", next_url=target).headers["Location"] == "/"
    assert signed_in(client)
    [event] = sign_ins()
    assert event.data["method"] == "sso"

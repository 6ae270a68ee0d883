"""Administration: only administrators; every change audited; no one raises or removes
themselves; set-up links; tokens; the audit trail, its export, and its append-only table."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g

from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.models import (
    ApiToken,
    AuditEvent,
    IdentityProvider,
    Invitation,
    Role,
    User,
    utcnow,
)
from tests import factories
from tests.auth.helpers import post_form
from tests.conftest import api_token_for, csrf_token_from

#: Every administration form that changes something: (url for a target user, form data).
ADMIN_POSTS = [
    ("/admin/users/{target}/role", {"role": "viewer"}),
    ("/admin/users/{target}/deactivate", {}),
    ("/admin/users/{target}/reactivate", {}),
    ("/admin/users/{target}/reset-second-factor", {}),
    ("/admin/users/{target}/set-up-link", {}),
    ("/admin/tokens/{token}/revoke", {}),
    ("/admin/agencies/new", {"code": "NEWAG", "name": "New agency", "kind": "other"}),
    (
        "/admin/users/new",
        {"email": "new@merton.gov.uk", "name": "New", "agency": "MERTON", "role": "member"},
    ),
]


def fresh_browser() -> None:
    """Tests share one app context: drop what the last request cached in `g`."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


@pytest.fixture
def target(app):
    """A Merton member with a live API token."""
    user = factories.user(Role.MEMBER, factories.agency("MERTON"), email="target@merton.gov.uk")
    db.session.commit()
    api_token_for(user)
    return user


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(("url", "data"), ADMIN_POSTS, ids=[u for u, _ in ADMIN_POSTS])
@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.CHAIR])
def test_only_administrators_may_send_any_administration_form(
    client, login_as, target, role, url, data
):
    login_as(role)
    token_id = db.session.scalar(sa.select(ApiToken.id))
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    response = client.post(
        url.format(target=target.id, token=token_id), data={**data, "csrf_token": token}
    )
    assert response.status_code == 403
    db.session.refresh(target)
    assert target.active and target.role == Role.MEMBER
    assert db.session.scalar(sa.select(ApiToken.revoked_at)) is None


@pytest.mark.parametrize(("url", "data"), ADMIN_POSTS, ids=[u for u, _ in ADMIN_POSTS])
def test_administrators_send_each_form_and_each_change_is_audited(
    client, login_as, target, url, data
):
    admin = login_as(Role.ADMIN)
    target.active = "reactivate" not in url  # reactivating changes only a deactivated account
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    token_id = db.session.scalar(sa.select(ApiToken.id))
    token = csrf_token_from(client.get("/admin").get_data(as_text=True))
    response = client.post(
        url.format(target=target.id, token=token_id), data={**data, "csrf_token": token}
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    after = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert after > before
    assert all(
        e.user_id == admin.id for e in db.session.scalars(sa.select(AuditEvent).offset(before))
    )


def test_an_administrator_cannot_change_their_own_role_or_deactivate_themselves(client, login_as):
    admin = login_as(Role.ADMIN)
    for url, data in [
        (f"/admin/users/{admin.id}/role", {"role": "chair"}),
        (f"/admin/users/{admin.id}/deactivate", {}),
    ]:
        token = csrf_token_from(client.get("/admin").get_data(as_text=True))
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "your own" in page
    db.session.refresh(admin)
    assert admin.active and admin.role == Role.ADMIN
    assert "This is your own account" in client.get(f"/admin/users/{admin.id}").get_data(
        as_text=True
    )


def test_deactivating_a_user_signs_them_out_and_stops_their_api_token(
    client, login_as, app, target
):
    token = db.session.scalar(sa.select(ApiToken))
    api = app.test_client()
    bearer = api_token_for(target)
    assert (
        api.get("/api/v1/providers", headers={"Authorization": f"Bearer {bearer}"}).status_code
        == 200
    )
    login_as(Role.ADMIN)
    fresh_browser()
    response = client.post(
        f"/admin/users/{target.id}/deactivate",
        data={
            "csrf_token": csrf_token_from(
                client.get(f"/admin/users/{target.id}").get_data(as_text=True)
            )
        },
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert not target.active and target.session_generation == 1
    fresh_browser()
    assert (
        api.get("/api/v1/providers", headers={"Authorization": f"Bearer {bearer}"}).status_code
        == 401
    )
    assert token is not None
    [event] = events("user-changed")
    assert event.data == {"changes": {"active": [True, False]}}


def admin_button(client, target: User, action: str) -> int:
    """Press the administrator's deactivate or reactivate button on the user's page."""
    fresh_browser()
    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/users/{target.id}/{action}", data={"csrf_token": csrf_token_from(page)}
    )
    fresh_browser()
    return response.status_code


def test_deactivating_revokes_every_api_token_and_reactivating_brings_none_back(
    client, login_as, app, target
):
    api = app.test_client()
    bearers = [api_token_for(target), api_token_for(target)]

    def status(bearer: str) -> int:
        fresh_browser()
        headers = {"Authorization": f"Bearer {bearer}"}
        return api.get("/api/v1/providers", headers=headers).status_code

    assert [status(b) for b in bearers] == [200, 200]
    login_as(Role.ADMIN)
    assert admin_button(client, target, "deactivate") == 302
    assert [status(b) for b in bearers] == [401, 401]
    tokens = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == target.id)).all()
    assert len(tokens) == 3 and all(t.revoked_at is not None for t in tokens)
    assert len(events("token-revoked")) == 3
    assert admin_button(client, target, "reactivate") == 302
    db.session.refresh(target)
    assert target.active
    assert [status(b) for b in bearers] == [401, 401]
    assert status(api_token_for(target)) == 200


def test_reactivating_revokes_tokens_left_live_by_an_earlier_deactivation(
    client, login_as, app, target
):
    """An account deactivated before tokens were revoked with it gets none back either."""
    bearer = api_token_for(target)
    target.active = False
    db.session.commit()
    login_as(Role.ADMIN)
    assert admin_button(client, target, "reactivate") == 302
    headers = {"Authorization": f"Bearer {bearer}"}
    assert app.test_client().get("/api/v1/providers", headers=headers).status_code == 401
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))
        )
        == 0
    )


def test_an_invited_user_sets_a_password_once_then_sets_up_their_app(client, login_as, app):
    login_as(Role.ADMIN)
    response = post_form(
        client,
        "/admin/users/new",
        {
            "email": "Nia.Evans@merton.gov.uk",
            "name": "Nia Evans",
            "agency": "MERTON",
            "role": "member",
        },
    )
    page = response.get_data(as_text=True)
    # The link is e-mailed (here written to instance/mail/), never shown to the administrator.
    assert "We have e-mailed a one-time link to" in page
    assert "/account/set-up/" not in page
    assert db.session.scalars(sa.select(Invitation.token_hash)).one() not in page
    assert deliver_due(utcnow() + timedelta(seconds=1)).sent == 1
    [written] = (Path(app.instance_path) / "mail").glob("*.eml")
    link = re.search(r"https?://[^/\s]+(/account/set-up/[A-Za-z0-9_-]+)", written.read_text())
    assert link, written.read_text()
    newcomer = app.test_client()
    fresh_browser()
    refused = post_form(
        newcomer, link.group(1), {"password": "qwerty123456", "confirm": "qwerty123456"}
    )
    assert "too common" in refused.get_data(as_text=True)
    fresh_browser()
    chosen = "kettle orbit lantern meadow"
    response = post_form(newcomer, link.group(1), {"password": chosen, "confirm": chosen})
    assert response.headers["Location"] == "/sign-in"
    fresh_browser()
    assert newcomer.get(link.group(1)).status_code == 404  # the link is spent
    fresh_browser()
    response = post_form(
        newcomer, "/sign-in", {"email": "nia.evans@merton.gov.uk", "password": chosen}
    )
    assert response.headers["Location"] == "/sign-in/second-factor/set-up"
    assert [e.action for e in events("invitation-issued") + events("password-set")] == [
        "invitation-issued",
        "password-set",
    ]


def test_the_identity_provider_page_gives_the_redirect_uri_and_checks_what_is_entered(
    client, login_as
):
    login_as(Role.ADMIN)
    merton = factories.agency("MERTON")
    db.session.commit()
    url = f"/admin/agencies/{merton.id}/identity-provider"
    page = client.get(url).get_data(as_text=True)
    assert "http://localhost/sign-in/sso/MERTON/callback" in page
    good = {
        "name": "Merton staff account",
        "issuer": "https://login.merton.example/",
        "client_id": "portal",
        "client_secret_env": "PORTAL_OIDC_MERTON_SECRET",
        "email_domains": "merton.gov.uk, @Merton.gov.uk",
        "enabled": "y",
    }
    bad = post_form(client, url, good | {"issuer": "ftp://nope", "client_secret_env": "not a name"})
    text = bad.get_data(as_text=True)
    assert "Enter the issuer URL exactly" in text
    assert db.session.scalar(sa.select(IdentityProvider)) is None
    assert post_form(client, url, good).status_code == 302
    idp = db.session.scalars(sa.select(IdentityProvider)).one()
    assert (idp.issuer, idp.email_domains) == ("https://login.merton.example", "merton.gov.uk")
    [event] = events("identity-provider-changed")
    assert "client_secret" not in str(event.data).replace("client_secret_env", "")


def test_people_see_and_revoke_their_own_tokens_but_not_anyone_elses(client, login_as, target):
    me = login_as(Role.MEMBER)
    mine = api_token_for(me)
    page = client.get("/account").get_data(as_text=True)
    assert mine[:10] in page
    theirs = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == target.id))
    token = csrf_token_from(page)
    assert (
        client.post(f"/account/tokens/{theirs.id}/revoke", data={"csrf_token": token}).status_code
        == 404
    )
    my_record = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == me.id))
    assert (
        client.post(
            f"/account/tokens/{my_record.id}/revoke", data={"csrf_token": token}
        ).status_code
        == 302
    )
    db.session.refresh(my_record)
    db.session.refresh(theirs)
    assert my_record.revoked_at is not None and theirs.revoked_at is None


def test_the_token_list_shows_when_each_token_was_last_used(client, login_as, app, target):
    bearer = api_token_for(target)
    app.test_client().get("/api/v1/providers", headers={"Authorization": f"Bearer {bearer}"})
    fresh_browser()
    login_as(Role.ADMIN)
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert "target@merton.gov.uk" in page
    assert "Never" in page  # the first token was never used
    used = db.session.scalar(sa.select(ApiToken).where(ApiToken.prefix == bearer[:10]))
    assert used.last_used_at is not None


def test_the_audit_trail_filters_pages_and_exports_what_it_shows(client, login_as, target):
    admin = login_as(Role.ADMIN)
    from portal import audit

    for n in range(30):
        audit.record("search", user=target, query=f"wombat {n}", filters={}, total=n)
    audit.record("sign-out", user=admin)
    db.session.commit()
    page = client.get("/admin/audit?action=search&user=target@merton.gov.uk").get_data(as_text=True)
    assert "30 events" in page
    assert 'aria-label="Pagination"' in page
    assert "sign-out" not in page.split("</caption>")[1]
    response = client.get("/admin/audit.csv?action=search&user=target@merton.gov.uk")
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 30
    assert {r["user_email"] for r in rows} == {"target@merton.gov.uk"}
    assert [e.data for e in events("export")] == [{"what": "audit-trail", "rows": 30}]
    bad = client.get("/admin/audit?date_from=2026-13-45&date_to=yesterday")
    assert bad.status_code == 200
    assert "Enter a real date" in bad.get_data(as_text=True)


def test_a_formula_in_an_exported_cell_is_defused(client, login_as):
    login_as(Role.ADMIN)
    from portal import audit

    audit.record("sign-in-failed", email='=HYPERLINK("http://evil")', reason="unknown account")
    db.session.commit()
    text = client.get("/admin/audit.csv").get_data(as_text=True)
    assert '"\'{""email""' not in text  # JSON starts with {, never a formula
    assert "=HYPERLINK" in text


def test_the_database_refuses_to_change_or_delete_an_audit_event(app, backend):
    if backend != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's (migration 0005)")
    from portal import audit

    audit.record("sign-out", user=None)
    db.session.commit()
    for statement in ("UPDATE audit_events SET action = 'changed'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DBAPIError, match="audit events cannot be changed or deleted"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.action)) == "sign-out"


def test_administrators_still_read_no_restricted_intelligence(client, login_as):
    from portal.models import Marking

    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    item = factories.item(officer, Marking.AMBER_STRICT)
    db.session.commit()
    login_as(Role.ADMIN)
    assert client.get(f"/intelligence/{item.id}").status_code in (403, 404)
    assert isinstance(db.session.get(User, officer.id), User)

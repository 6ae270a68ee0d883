"""The e-mail preferences page, and /dev/mail, which exists only in development."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db
from portal.mail import outbox
from portal.mail.outbox import deliver_due
from portal.models import AuditEvent, MailChoice, MailKind, MailPreference, Role, utcnow
from tests import factories
from tests.concerns.helpers import post_form, text_of
from tests.conftest import csrf_token_from
from tests.databases import empty_all_tables


def test_a_member_sees_and_saves_their_choices_and_the_change_is_audited(
    client: FlaskClient, login_as
) -> None:
    member = login_as(Role.MEMBER)
    page = text_of(client.get("/account/email").get_data(as_text=True))
    assert "A meeting pack is issued" in page and "You are named as a recipient" in page
    response = post_form(
        client,
        "/account/email",
        {"pack_issued": "digest", "action_given": "off", "action_overdue": "now"},
        token_from="/account/email",
    )
    assert response.status_code == 302
    saved = dict(
        db.session.execute(
            sa.select(MailPreference.kind, MailPreference.choice).where(
                MailPreference.user_id == member.id
            )
        ).all()
    )
    assert saved == {MailKind.PACK_ISSUED: MailChoice.DIGEST, MailKind.ACTION_GIVEN: MailChoice.OFF}
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "mail-preferences-changed")
    ).one()
    assert event.user_id == member.id
    assert event.data == {
        "changes": {"pack-issued": ["now", "digest"], "action-given": ["now", "off"]}
    }
    again = client.get("/account/email").get_data(as_text=True)
    assert 'name="pack_issued" type="radio" value="digest" checked' in again.replace("\n", " ")


def test_a_viewer_is_offered_only_the_red_item_message(client: FlaskClient, login_as) -> None:
    login_as(Role.VIEWER)
    page = text_of(client.get("/account/email").get_data(as_text=True))
    assert "You are named as a recipient" in page
    assert "A meeting pack is issued" not in page


@pytest.mark.parametrize("value", ["hourly", "<script>alert(1)</script>", "x" * 5000])
def test_a_choice_not_offered_is_refused_with_a_message(
    client: FlaskClient, login_as, value: str
) -> None:
    member = login_as(Role.MEMBER)
    response = post_form(
        client, "/account/email", {"pack_issued": value}, token_from="/account/email"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose at once, in one daily digest, or off" in html
    assert "<script>alert(1)</script>" not in html
    count = sa.select(sa.func.count()).where(MailPreference.user_id == member.id)
    assert db.session.scalar(count) == 0


def test_dev_mail_is_no_route_outside_development(
    app: Flask, client: FlaskClient, login_as
) -> None:
    login_as(Role.ADMIN)
    assert app.config["ENV_NAME"] == "test"
    assert client.get("/dev/mail").status_code == 404
    assert not any(r.rule.startswith("/dev") for r in app.url_map.iter_rules())


def test_dev_mail_lists_the_mail_written_when_the_app_runs_in_development(
    database_url: str, tmp_path: Path
) -> None:
    development = create_app(
        {"env": "development", "database_url": database_url, "instance_path": str(tmp_path)}
    )
    browser = development.test_client()
    with development.app_context():
        try:
            user = factories.user(Role.CHAIR, factories.agency("MERTON"))
            outbox.add(
                MailKind.SECOND_FACTOR_RESET, "kim@example.org", "Your app was reset", "Hi\n"
            )
            db.session.commit()
            assert deliver_due(utcnow() + timedelta(seconds=1)).sent == 1
            assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
            assert browser.get("/dev/mail").status_code == 302  # signed-in users only
            with browser.session_transaction() as session:
                session["_user_id"] = str(user.id)
                session["_fresh"] = True
            g.pop("_login_user", None)  # the app context outlives the anonymous request
            page = text_of(browser.get("/dev/mail").get_data(as_text=True))
            assert "Your app was reset" in page and "kim@example.org" in page
            assert "Waiting in the outbox: 0 messages" in page
            outbox.add(MailKind.SECOND_FACTOR_RESET, "lee@example.org", "Reset", "Hi\n")
            db.session.commit()
            token = csrf_token_from(browser.get("/dev/mail").get_data(as_text=True))
            sent = browser.post("/dev/mail/send", data={"csrf_token": token})
            assert sent.status_code == 302
            assert len(list((tmp_path / "mail").glob("*.eml"))) == 2
        finally:
            db.session.remove()
            empty_all_tables(db.engine, db.metadata)
            db.engine.dispose()

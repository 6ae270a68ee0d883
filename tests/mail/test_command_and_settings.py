"""`portal mail send-due` and `portal mail daily`, and the [mail] settings a start refuses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo

from portal import clock
from portal.cli import main
from portal.config import ConfigurationError, load_settings, mail_settings
from portal.extensions import db
from portal.mail import outbox
from portal.models import Action, MailKind, MailState, OutboxMessage, Role
from tests import factories
from tests.mail.conftest import Inbox, free_port, use_smtp
from tests.meetings.helpers import meeting as make_meeting


def _run(app: Flask, *args: str) -> Any:
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_send_due_sends_and_says_so(app: Flask, smtp_server: Inbox) -> None:
    message = outbox.add(MailKind.SECOND_FACTOR_RESET, "kim@example.org", "Subject", "Body\n")
    db.session.commit()
    result = _run(app, "mail", "send-due")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Sent 1, failed 0 (kept, to be tried again), cancelled 0"
    assert smtp_server.addresses() == {"kim@example.org"}
    db.session.refresh(message)
    assert message.state is MailState.SENT


def test_send_due_with_the_server_down_fails_loudly_and_keeps_the_message(app: Flask) -> None:
    use_smtp(app, free_port())
    outbox.add(MailKind.SECOND_FACTOR_RESET, "kim@example.org", "Subject", "Body\n")
    db.session.commit()
    result = _run(app, "mail", "send-due")
    assert result.exit_code == 1
    assert "failed 1" in result.output
    kept = db.session.query(OutboxMessage).one()
    assert kept.state is MailState.PENDING and kept.attempts == 1


def test_daily_adds_the_overdue_reminders(app: Flask) -> None:
    meeting = make_meeting(codes=("MERTON",))
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.add(
        Action(
            meeting_id=meeting.id,
            description="Late",
            owner_agency_id=member.agency_id,
            due_on=clock.today() - timedelta(days=3),
            created_by_id=meeting.chair_id,
        )
    )
    db.session.commit()
    result = _run(app, "mail", "daily")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Overdue actions reminded 1 (2 messages)")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("transport", "pigeon", 'mail.transport: "files" or "smtp"'),
        ("port", 0, "mail.port: a whole number of 1 or more"),
        ("starttls", "yes", "mail.starttls: write true or false"),
        ("base_url", "portal.example.org", "mail.base_url: an address starting http"),
        ("from_address", "nobody", "mail.from_address: an e-mail address"),
        ("colour", "blue", "mail: unknown setting 'colour'"),
    ],
)
def test_mail_settings_the_portal_cannot_use_stop_it_with_a_clear_message(
    key: str, value: object, message: str
) -> None:
    settings = load_settings()
    settings["mail"] = dict(settings["mail"]) | {key: value}
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        mail_settings(settings)


def test_mail_settings_come_from_the_environment_and_the_password_only_from_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORTAL_MAIL_HOST", "smtp.example.org")
    monkeypatch.setenv("PORTAL_MAIL_PORT", "2525")
    monkeypatch.setenv("PORTAL_MAIL_STARTTLS", "false")
    monkeypatch.setenv("PORTAL_MAIL_PASSWORD", "s3cret")
    settings = mail_settings(load_settings())
    assert (settings.host, settings.port, settings.starttls) == ("smtp.example.org", 2525, False)
    assert settings.password == "s3cret"
    assert settings.transport == "files"  # the embedded default

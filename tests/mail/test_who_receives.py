"""Each kind of message goes to the right people and only them, read from a real SMTP server."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.admin import services as admin_services
from portal.extensions import db
from portal.mail.daily import run_daily
from portal.mail.outbox import deliver_due
from portal.meetings import packs
from portal.meetings import services as meetings
from portal.models import Action, MailKind, Marking, OutboxMessage, Role, User, utcnow
from tests import factories
from tests.conftest import SUITE_DAY, api_token_for, csrf_token_from
from tests.intelligence.helpers import api_fields, form_fields
from tests.mail.conftest import Inbox
from tests.meetings.helpers import meeting as make_meeting

TODAY = SUITE_DAY
BASE = "https://portal.example.org"


def _send() -> None:
    db.session.commit()
    deliver_due(utcnow() + timedelta(seconds=1))


def _people() -> dict[str, User]:
    """Merton and CQC (invited), MPS (not), with every role and a deactivated member."""
    merton, cqc, mps = (factories.agency(c) for c in ("MERTON", "CQC", "MPS"))
    people = {
        "merton-member": factories.user(Role.MEMBER, merton),
        "merton-viewer": factories.user(Role.VIEWER, merton),
        "merton-admin": factories.user(Role.ADMIN, merton),
        "cqc-member": factories.user(Role.MEMBER, cqc),
        "cqc-chair": factories.user(Role.CHAIR, cqc),
        "cqc-gone": factories.user(Role.MEMBER, cqc, active=False),
        "mps-member": factories.user(Role.MEMBER, mps),
        "mps-chair": factories.user(Role.CHAIR, mps),
    }
    db.session.flush()
    return people


def test_a_pack_issued_goes_to_the_members_and_chairs_of_the_invited_agencies(
    app: Flask, smtp_server: Inbox
) -> None:
    people = _people()
    meeting = make_meeting(codes=("MERTON", "CQC"))
    with app.test_request_context("/"):  # the pack's links need a request
        pack = packs.issue_pack(meeting.chair, meeting, TODAY)
    _send()
    expected = {
        meeting.chair.email,
        people["merton-member"].email,
        people["cqc-member"].email,
        people["cqc-chair"].email,
    }
    assert smtp_server.addresses() == expected
    message = smtp_server.to(people["cqc-member"].email)[0]
    assert message["Subject"].startswith(f"Meeting pack issued: {meeting.title}")
    assert f"{BASE}/meetings/{meeting.id}/packs/{pack.version}" in message.get_content()


def test_an_action_goes_to_its_agencys_members_and_chairs_only(
    app: Flask, smtp_server: Inbox
) -> None:
    people = _people()
    meeting = make_meeting(codes=("MERTON", "CQC", "MPS"))
    action = meetings.add_action(
        meeting.chair, meeting, None, "Visit and check rotas", factories.agency("CQC"), TODAY
    )
    _send()
    assert smtp_server.addresses() == {people["cqc-member"].email, people["cqc-chair"].email}
    message = smtp_server.to(people["cqc-chair"].email)[0]
    assert f"{BASE}/meetings/actions/{action.id}" in message.get_content()
    assert "Visit and check rotas" not in message.as_string()


def test_an_overdue_action_is_reminded_once_by_the_daily_job(
    app: Flask, smtp_server: Inbox
) -> None:
    people = _people()
    meeting = make_meeting(codes=("MERTON", "MPS"))
    due = factories.agency("MPS")
    action = Action(
        meeting_id=meeting.id,
        description="Share the visit notes",
        owner_agency_id=due.id,
        due_on=TODAY - timedelta(days=1),
        created_by_id=meeting.chair_id,
    )
    not_yet = Action(
        meeting_id=meeting.id,
        description="Later",
        owner_agency_id=due.id,
        due_on=TODAY,
        created_by_id=meeting.chair_id,
    )
    db.session.add_all([action, not_yet])
    db.session.commit()
    now = datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=7)
    report = run_daily(now)
    assert (report.reminded_actions, report.reminders) == (1, 2)
    assert run_daily(now + timedelta(hours=1)).reminded_actions == 0  # once only
    deliver_due(utcnow() + timedelta(seconds=1))
    assert smtp_server.addresses() == {people["mps-member"].email, people["mps-chair"].email}
    subjects = {m["Subject"] for m in smtp_server.messages}
    assert subjects == {f"An action for {due.name} is overdue: {meeting.title}"}
    assert all(f"/meetings/actions/{action.id}" in m.get_content() for m in smtp_server.messages)


def test_a_person_named_on_a_red_item_gets_a_link_and_nothing_else(
    app: Flask, client: FlaskClient, smtp_server: Inbox
) -> None:
    people = _people()
    author = factories.user(Role.MEMBER, factories.agency("MPS"), email="author@met.example")
    named = people["cqc-member"]
    db.session.commit()
    created = client.post(
        "/api/v1/intelligence",
        json=api_fields(
            factories.provider().id,
            marking="RED",
            recipients=[named.email, people["merton-viewer"].email],
            title="Sergeant Pemberton saw the ledger",
        ),
        headers={"Authorization": f"Bearer {api_token_for(author)}"},
    )
    assert created.status_code == 201, created.get_json()
    # Deactivated after being named, before the message went: it is not sent.
    people["merton-viewer"].active = False
    _send()
    assert smtp_server.addresses() == {named.email}
    [message] = smtp_server.messages
    item_id = created.get_json()["id"]
    assert f"{BASE}/intelligence/{item_id}" in message.get_content()
    assert "Pemberton" not in message.as_string()
    assert "RED" not in message.as_string()


def test_an_invitation_and_a_second_factor_reset_go_to_the_person_at_once(
    app: Flask, smtp_server: Inbox
) -> None:
    admin = factories.user(Role.ADMIN, factories.agency("MERTON"))
    invited, token = admin_services.invite_user(
        admin, "new.person@merton.example", "New Person", "MERTON", "member"
    )
    admin_services.reset_second_factor(admin, factories.user(Role.MEMBER, email="r@cqc.example"))
    _send()
    assert smtp_server.addresses() == {"new.person@merton.example", "r@cqc.example"}
    [invitation] = smtp_server.to(invited.email)
    assert f"{BASE}/account/set-up/{token}" in invitation.get_content()
    [reset] = smtp_server.to("r@cqc.example")
    assert f"{BASE}/sign-in" in reset.get_content()
    # The link is kept in the outbox only until it is sent.
    kept = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.kind == MailKind.SET_UP_LINK)
    )
    assert kept is not None and token not in kept.body


def test_nothing_is_added_when_the_work_is_rolled_back(app: Flask, smtp_server: Inbox) -> None:
    _people()
    meeting = make_meeting(codes=("MERTON",))
    db.session.commit()
    meetings.add_action(meeting.chair, meeting, None, "Undone", factories.agency("MERTON"), None)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_an_edit_that_names_someone_more_on_a_red_item_tells_only_the_newly_named(
    app: Flask, client: FlaskClient, login_as, smtp_server: Inbox
) -> None:
    author = login_as(Role.MEMBER, "MPS")
    first = factories.user(Role.MEMBER, factories.agency("CQC"), email="first@cqc.example")
    second = factories.user(Role.MEMBER, factories.agency("CQC"), email="second@cqc.example")
    item = factories.item(author, Marking.RED, recipients=[first])
    db.session.commit()
    page = client.get(f"/intelligence/{item.id}/edit")
    fields = form_fields(
        item.provider_id,
        marking="RED",
        recipients=[str(first.id), str(second.id)],
        reason="Named the CQC inspector",
    )
    response = client.post(
        f"/intelligence/{item.id}/edit",
        data=fields | {"csrf_token": csrf_token_from(page.text)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    _send()
    assert smtp_server.addresses() == {second.email}
    assert f"{BASE}/intelligence/{item.id}" in smtp_server.messages[0].get_content()

"""Each person's choices (off, at once, daily digest), and what no message ever carries."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.mail import preferences
from portal.mail.daily import run_daily
from portal.mail.outbox import deliver_due
from portal.meetings import packs
from portal.meetings import services as meetings
from portal.models import Marking, Role, utcnow
from portal.unit_of_work import ValidationFailed
from tests import factories
from tests.conftest import SUITE_DAY, api_token_for
from tests.intelligence.helpers import api_fields
from tests.mail.conftest import Inbox
from tests.meetings.helpers import add_to_agenda
from tests.meetings.helpers import meeting as make_meeting

TODAY = SUITE_DAY
PLANTED = "Quillfeather-7731"
PERSON_IN_ITEM = "Ignatius Brackenbury"


def _send() -> None:
    db.session.commit()
    deliver_due(utcnow() + timedelta(seconds=1))


def test_off_sends_nothing_at_once_sends_now_and_digest_waits_for_the_daily_job(
    app: Flask, smtp_server: Inbox
) -> None:
    merton = factories.agency("MERTON")
    off, now, digest = (factories.user(Role.MEMBER, merton) for _ in range(3))
    preferences.set_choices(off, {"pack-issued": "off", "action-given": "off"})
    preferences.set_choices(digest, {"pack-issued": "digest", "action-given": "digest"})
    meeting = make_meeting(codes=("MERTON",))
    with app.test_request_context("/"):
        packs.issue_pack(meeting.chair, meeting, TODAY)
    action = meetings.add_action(meeting.chair, meeting, None, "Check", merton, None)
    _send()
    assert smtp_server.to(off.email) == [] and smtp_server.to(digest.email) == []
    assert len(smtp_server.to(now.email)) == 2
    report = run_daily()
    assert report.digests == 1  # one person chose the digest; the others had theirs at once
    deliver_due(utcnow() + timedelta(seconds=1))
    [summary] = smtp_server.to(digest.email)
    assert summary["Subject"] == "Your daily summary: 2 messages"
    text = summary.get_content()
    assert f"Meeting pack issued: {meeting.title}" in text
    assert f"/meetings/actions/{action.id}" in text
    assert smtp_server.to(off.email) == []
    # The digest went once: the next day's job has nothing for them.
    assert run_daily().digests == 0


def test_a_choice_that_is_not_offered_is_refused_and_changes_nothing(app: Flask) -> None:
    member = factories.user(Role.MEMBER)
    try:
        preferences.set_choices(member, {"pack-issued": "hourly", "action-given": "off"})
    except ValidationFailed as exc:
        assert exc.errors == {"pack-issued": "Choose at once, in one daily digest, or off"}
    else:
        raise AssertionError("an unknown choice was accepted")
    assert all(c.value == "now" for c in preferences.choices_of(member).values())


def test_a_viewer_chooses_only_about_red_items(app: Flask) -> None:
    viewer = factories.user(Role.VIEWER)
    assert [k.value for k in preferences.kinds_for(viewer)] == ["red-recipient"]


def test_no_message_carries_item_text_names_in_items_or_markings_above_green(
    app: Flask, client: FlaskClient, smtp_server: Inbox
) -> None:
    merton, mps = factories.agency("MERTON"), factories.agency("MPS")
    police = factories.user(Role.MEMBER, mps, email="officer@met.example")
    named = factories.user(Role.MEMBER, merton, email="named@merton.example")
    provider = factories.provider()
    secret = f"{PLANTED} told {PERSON_IN_ITEM} about the night rota"
    for marking in (Marking.GREEN, Marking.AMBER, Marking.AMBER_STRICT, Marking.RED):
        factories.item(police, marking, provider, [named], title=secret, body=secret)
    meeting = make_meeting(codes=("MERTON", "MPS"))
    add_to_agenda(meeting, provider.id)
    db.session.commit()
    with app.test_request_context("/"):
        packs.issue_pack(meeting.chair, meeting, TODAY, appendix=True)
    meetings.add_action(meeting.chair, meeting, provider.id, secret, mps, TODAY - timedelta(1))
    db.session.commit()
    logged = client.post(
        "/api/v1/intelligence",
        json=api_fields(provider.id, marking="RED", recipients=[named.email], title=secret),
        headers={"Authorization": f"Bearer {api_token_for(police)}"},
    )
    assert logged.status_code == 201
    run_daily()
    _send()
    kinds = {m["Subject"].split(":")[0] for m in smtp_server.messages}
    assert len(smtp_server.messages) >= 6, kinds
    for message in smtp_server.messages:
        whole = message.as_string()
        assert PLANTED not in whole and PERSON_IN_ITEM not in whole
        found = re.search(r"\b(AMBER|RED|STRICT|OFFICIAL-SENSITIVE)\b", whole.upper())
        assert found is None, (found, message["Subject"])

"""Boroughs run their own meetings (issue 30, point 3): a meeting is run by its chair and by the
chairs of the agency that hosts it (the chair's agency). Another borough's chair, invited or
not, runs nothing of it, through the pages or the API; an invited agency's chair reads it like
its members."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from portal import clock, policy
from portal.extensions import db
from portal.models import (
    Action,
    Discussion,
    Meeting,
    MeetingAttendee,
    MeetingPack,
    MeetingProvider,
    MeetingStatus,
    Role,
    User,
)
from tests import factories
from tests.conftest import api_token_for
from tests.meetings.helpers import HELD_ON, add_to_agenda, csrf, meeting, sign_in


def _merton_meeting(harrow_invited: bool) -> SimpleNamespace:
    """A planned meeting chaired by a Merton chair (MERTON and CQC invited, HARROW too if
    asked), with two providers on its agenda; Merton's other chair, Harrow's and CQC's."""
    codes = ("MERTON", "CQC", "HARROW") if harrow_invited else ("MERTON", "CQC")
    planned = meeting(codes)
    cedar = factories.provider(name="Cedar Lodge Care Home")
    birch = factories.provider(name="Birch House")
    add_to_agenda(planned, cedar.id)
    add_to_agenda(planned, birch.id)
    made = SimpleNamespace(
        meeting=planned,
        cedar=cedar,
        birch=birch,
        merton_chair=factories.user(Role.CHAIR, factories.agency("MERTON")),
        harrow_chair=factories.user(Role.CHAIR, factories.agency("HARROW")),
        cqc_chair=factories.user(Role.CHAIR, factories.agency("CQC")),
        cqc_member=factories.user(Role.MEMBER, factories.agency("CQC")),
    )
    db.session.commit()
    return made


def _count(model: type, meeting_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.meeting_id == meeting_id)
        )
        or 0
    )


def _state(meeting: Meeting) -> dict[str, object]:
    """What running the meeting changes: its agenda, packs, attendance, minutes and actions."""
    db.session.expire_all()
    agenda = db.session.scalars(
        sa.select(MeetingProvider).where(MeetingProvider.meeting_id == meeting.id)
    ).all()
    return {
        "on agenda": sorted(row.provider_id for row in agenda if row.removed_at is None),
        "packs": _count(MeetingPack, meeting.id),
        "attendees": _count(MeetingAttendee, meeting.id),
        "discussions": _count(Discussion, meeting.id),
        "actions": _count(Action, meeting.id),
        "status": db.session.get(Meeting, meeting.id).status,
    }


def _run(client: FlaskClient, made: SimpleNamespace, user: User) -> dict[str, int]:
    """Try every way of running the meeting, through the pages and the API, as the user: the
    answer to each."""
    base = f"/meetings/{made.meeting.id}"
    cqc = factories.agency("CQC")
    sign_in(client, user)
    token = csrf(client)
    answers = {
        "agenda": client.post(
            f"{base}/agenda/remove",
            data={"csrf_token": token, "provider_id": made.birch.id, "reason": "Covered"},
        ).status_code,
        "preview": client.get(f"{base}/pack").status_code,
        "issue page": client.get(f"{base}/packs/new").status_code,
        "issue": client.post(f"{base}/packs", data={"csrf_token": token}).status_code,
    }
    # The API, by bearer token only, from a client without the page's session.
    headers = {"Authorization": f"Bearer {api_token_for(user)}"}
    answers["issue by API"] = (
        client.application.test_client()
        .post(f"/api/v1/meetings/{made.meeting.id}/packs", headers=headers)
        .status_code
    )
    answers |= {
        "attendance": client.post(
            f"{base}/attendees",
            data={"csrf_token": token, "name": "Claire Donovan", "agency": cqc.id},
        ).status_code,
        "discussion": client.post(
            f"{base}/providers/{made.cedar.id}/discussion",
            data={"csrf_token": token, "notes": "Nights short.", "decision": "Keep watching."},
        ).status_code,
        "action": client.post(
            f"{base}/actions/new",
            data={
                "csrf_token": token,
                "provider_id": made.cedar.id,
                "description": "Visit at night",
                "owner": cqc.id,
                "day": "15",
                "month": "1",
                "year": str(HELD_ON.year + 1),
            },
        ).status_code,
    }
    with clock.fixed_today(HELD_ON):
        answers["approve page"] = client.get(f"{base}/minutes/approve").status_code
        answers["approve"] = client.post(
            f"{base}/minutes/approve", data={"csrf_token": token}
        ).status_code
    return answers


@pytest.mark.parametrize("harrow_invited", [False, True], ids=["not-invited", "invited"])
def test_another_boroughs_chair_runs_nothing_of_a_merton_meeting_and_mertons_other_chair_does(
    app, client, harrow_invited
):
    made = _merton_meeting(harrow_invited)
    before = _state(made.meeting)
    # Not invited, Harrow's chair cannot read the meeting: as if it did not exist (404); invited,
    # it reads it like a member and is refused as members are (403).
    refused = 403 if harrow_invited else 404
    answers = _run(client, made, made.harrow_chair)
    assert set(answers.values()) == {refused}, repr(answers)
    assert _state(made.meeting) == before

    assert _run(client, made, made.merton_chair) == {
        "agenda": 302,
        "preview": 200,
        "issue page": 200,
        "issue": 302,
        "attendance": 302,
        "discussion": 302,
        "action": 302,
        "issue by API": 201,
        "approve page": 200,
        "approve": 302,
    }
    after = _state(made.meeting)
    assert after == {
        "on agenda": [made.cedar.id],
        "packs": 2,
        "attendees": 1,
        "discussions": 1,
        "actions": 1,
        "status": MeetingStatus.MINUTES_APPROVED,
    }


def test_an_invited_agencys_chair_reads_the_meeting_like_a_member_and_runs_nothing(app, client):
    made = _merton_meeting(harrow_invited=False)
    before = _state(made.meeting)
    assert set(_run(client, made, made.cqc_chair).values()) == {403}
    assert _state(made.meeting) == before

    # Merton's other chair issues a pack; CQC's chair and member read the same pages.
    sign_in(client, made.merton_chair)
    assert (
        client.post(
            f"/meetings/{made.meeting.id}/packs", data={"csrf_token": csrf(client)}
        ).status_code
        == 302
    )
    base = f"/meetings/{made.meeting.id}"
    for reader in (made.cqc_chair, made.cqc_member):
        sign_in(client, reader)
        for page in (base, f"{base}/packs/1", f"{base}/packs/1.pdf", f"{base}/minutes"):
            assert client.get(page).status_code == 200, (reader.role, page)
        assert "Preview the pack" not in client.get(base).get_data(as_text=True)
        assert "Add an action" not in client.get(f"{base}/minutes").get_data(as_text=True)
    sign_in(client, made.merton_chair)
    assert "Preview the pack" in client.get(base).get_data(as_text=True)
    assert "Add an action" in client.get(f"{base}/minutes").get_data(as_text=True)


def test_the_minutes_due_list_and_the_policy_agree_on_who_runs_each_meeting(app):
    """runnable_meetings_clause (the dashboard's "minutes due") is can_run_meeting in SQL."""
    host = _merton_meeting(harrow_invited=True)
    harrows = meeting(("HARROW", "MERTON"), chair_agency="HARROW")
    people = [host.meeting.chair, host.merton_chair, host.harrow_chair, host.cqc_chair]
    people += [host.cqc_member, harrows.chair]
    db.session.commit()
    for user in people:
        in_sql = set(
            db.session.scalars(sa.select(Meeting.id).where(policy.runnable_meetings_clause(user)))
        )
        in_python = {m.id for m in (host.meeting, harrows) if policy.can_run_meeting(user, m)}
        assert in_sql == in_python, user.agency.code
    assert policy.can_run_meeting(host.merton_chair, host.meeting)
    assert not policy.can_run_meeting(host.merton_chair, harrows)
    assert policy.can_run_meeting(host.harrow_chair, harrows)
    assert not policy.can_run_meeting(host.harrow_chair, host.meeting)

"""At and after the meeting: attendance, discussions, decisions and actions; open actions
carry into the next pack; the owner agency updates them; approved minutes are frozen."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.extensions import db
from portal.meetings.pack_content import build_pack
from portal.models import Action, ActionStatus, Meeting, MeetingStatus, Role
from tests import factories
from tests.meetings.helpers import HELD_ON, add_to_agenda, csrf, meeting, pdf_text, sign_in


def _action(
    held: Meeting, description: str, owner: str, status: ActionStatus = ActionStatus.OPEN
) -> Action:
    made = Action(
        meeting_id=held.id,
        description=description,
        owner_agency_id=factories.agency(owner).id,
        status=status,
        created_by_id=held.chair_id,
    )
    db.session.add(made)
    db.session.flush()
    return made


def test_open_actions_carry_into_the_next_pack_until_the_owner_agency_closes_them(app, client):
    earlier = meeting(("MERTON", "CQC"), held_on=clock.today() - timedelta(days=20))
    planned = meeting(("MERTON", "CQC"))
    visit = _action(earlier, "Unannounced night visit", "MERTON")
    _action(earlier, "Ask for the business plan", "CQC", ActionStatus.DONE)
    inspect = _action(earlier, "Consider a responsive inspection", "CQC")
    db.session.commit()

    pack = build_pack(planned, clock.today())
    assert [a.description for a in pack.action_log] == [
        "Unannounced night visit",
        "Consider a responsive inspection",
    ]

    cqc_member = factories.user(Role.MEMBER, factories.agency("CQC"))
    merton_member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.commit()
    sign_in(client, cqc_member)
    assert client.get(f"/meetings/actions/{visit.id}").status_code == 404
    token = csrf(client)
    refused = client.post(
        f"/meetings/actions/{inspect.id}", data={"csrf_token": token, "status": "done", "note": ""}
    )
    assert "Enter a closing note" in refused.get_data(as_text=True)
    done = client.post(
        f"/meetings/actions/{inspect.id}",
        data={"csrf_token": token, "status": "done", "note": "Inspected on 3 December"},
    )
    assert done.status_code == 302
    sign_in(client, merton_member)
    client.post(
        f"/meetings/actions/{visit.id}",
        data={"csrf_token": csrf(client), "status": "dropped", "note": "Overtaken by the concern"},
    )
    db.session.refresh(inspect)
    db.session.refresh(visit)
    assert inspect.status is ActionStatus.DONE and inspect.closed_by_id == cqc_member.id
    assert visit.status is ActionStatus.DROPPED and visit.closing_note == "Overtaken by the concern"

    pack = build_pack(planned, clock.today())
    assert pack.action_log == []
    assert {a.description for a in pack.closed_actions} >= {
        "Unannounced night visit",
        "Consider a responsive inspection",
    }


def test_the_chair_keeps_the_minutes_and_once_approved_they_are_read_only_and_a_pdf(app, client):
    held = meeting(("MERTON", "CQC"), held_on=HELD_ON)
    cedar = factories.provider(name="Cedar Lodge Care Home")
    add_to_agenda(held, cedar.id)
    db.session.commit()
    sign_in(client, held.chair)
    token = csrf(client)
    base = f"/meetings/{held.id}"

    missing = client.post(f"{base}/attendees", data={"csrf_token": token, "name": "", "agency": ""})
    assert "Enter the name of the person who attended" in missing.get_data(as_text=True)
    assert "Choose the agency they attended for" in missing.get_data(as_text=True)
    cqc = factories.agency("CQC")
    client.post(
        f"{base}/attendees", data={"csrf_token": token, "name": "Claire Donovan", "agency": cqc.id}
    )
    client.post(
        f"{base}/providers/{cedar.id}/discussion",
        data={
            "csrf_token": token,
            "notes": "Night staffing still short.",
            "decision": "Keep under review.",
        },
    )
    bad = client.post(
        f"{base}/actions/new",
        data={
            "csrf_token": token,
            "description": "",
            "owner": "",
            "day": "31",
            "month": "2",
            "year": "2027",
        },
    )
    words = bad.get_data(as_text=True)
    assert "Enter what is to be done" in words and "Choose the agency that owns the action" in words
    assert "Due date must be a real date" in words
    client.post(
        f"{base}/actions/new",
        data={
            "csrf_token": token,
            "provider_id": cedar.id,
            "description": "Visit at night",
            "owner": cqc.id,
            "day": "15",
            "month": "1",
            "year": "2027",
        },
    )
    page = client.get(f"{base}/minutes").get_data(as_text=True)
    assert "Claire Donovan" in page and "Night staffing still short." in page
    assert "Keep under review." in page and "Visit at night" in page
    assert client.get(f"{base}/minutes.pdf").status_code == 404

    # Minutes are approved on or after the meeting's day (tests/meetings/test_meeting_life.py).
    with clock.fixed_today(HELD_ON):
        approved = client.post(f"{base}/minutes/approve", data={"csrf_token": token})
    assert approved.status_code == 302
    db.session.refresh(held)
    assert held.status is MeetingStatus.MINUTES_APPROVED
    pdf = client.get(f"{base}/minutes.pdf")
    text = pdf_text(pdf.data)
    assert "Night staffing still short." in text and "Claire Donovan" in text
    assert "OFFICIAL-SENSITIVE" in text

    client.post(
        f"{base}/providers/{cedar.id}/discussion",
        data={"csrf_token": token, "notes": "Changed afterwards", "decision": ""},
    )
    page = client.get(f"{base}/minutes").get_data(as_text=True)
    assert "Changed afterwards" not in page and "Record the discussion" not in page
    assert client.get(f"{base}/minutes.pdf").data == pdf.data

    member = factories.user(Role.MEMBER, cqc)
    viewer = factories.user(Role.VIEWER, cqc)
    db.session.commit()
    sign_in(client, member)
    assert client.get(f"{base}/minutes.pdf").data == pdf.data
    sign_in(client, viewer)
    assert client.get(f"{base}/minutes.pdf").status_code == 403

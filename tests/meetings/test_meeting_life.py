"""A meeting's life: minutes approved only on or after its day, through a page that says what
becomes permanent; a pack issued through a page naming its audience and what it leaves out;
once held, the agenda frozen and a new version a correction with its reason; minutes due on
the dashboard of the chairs who run the meeting."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import clock, policy
from portal.extensions import db
from portal.meetings import minutes, services
from portal.models import AuditEvent, Meeting, MeetingAttendee, MeetingProvider, Role, utcnow
from portal.unit_of_work import ValidationFailed
from tests import factories
from tests.conftest import api_token_for
from tests.meetings.helpers import HELD_ON, add_to_agenda, csrf, forget_user, meeting, sign_in

DAY_AFTER = HELD_ON + timedelta(days=1)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _approvals() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "minutes-approved")
    )


def _api(app, user, path: str, **kwargs):
    token = api_token_for(user)
    forget_user()
    return app.test_client().post(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def _planned_with_agenda() -> tuple[Meeting, int, int]:
    """A meeting on HELD_ON (MERTON, CQC, MPS invited) with one provider added and one
    taken off the agenda by the chair."""
    planned = meeting()
    kept = factories.provider(name="Cedar Lodge Care Home")
    gone = factories.provider(name="Birch House")
    add_to_agenda(planned, kept.id)
    add_to_agenda(planned, gone.id)
    row = db.session.get(MeetingProvider, (planned.id, gone.id))
    row.removed_reason, row.removed_at = "Discussed last month", utcnow()
    db.session.commit()
    return planned, kept.id, gone.id


def _issue_v1(app, planned: Meeting) -> None:
    """Version 1, issued by the API before the meeting (a real build)."""
    answer = _api(app, planned.chair, f"/api/v1/meetings/{planned.id}/packs")
    assert answer.status_code == 201 and answer.get_json()["version"] == 1


# --- approving the minutes ------------------------------------------------------------------


def test_minutes_cannot_be_approved_before_the_meeting_day_by_any_door(app, client):
    planned, _kept, _gone = _planned_with_agenda()
    sign_in(client, planned.chair)
    base = f"/meetings/{planned.id}"

    # A POST that skips the confirmation page, as a stale or crafted form would send it.
    refused = client.post(f"{base}/minutes/approve", data={"csrf_token": csrf(client)})
    assert refused.status_code == 400
    held_on = f"{HELD_ON.day} {HELD_ON:%B %Y}"
    assert f"The minutes can be approved from {held_on}" in _text(refused)
    # The service refuses too, before anything is built.
    with pytest.raises(ValidationFailed) as raised:
        minutes.approve(planned.chair, planned, HELD_ON - timedelta(days=1))
    assert set(raised.value.errors) == {"meeting"}
    db.session.refresh(planned)
    assert not planned.minutes_approved and planned.minutes_sha256 is None
    assert _approvals() == 0

    page = _text(client.get(f"{base}/minutes/approve"))
    assert f"The minutes can be approved from <strong>{held_on}</strong>" in page
    assert "<button" not in page.split("<main", 1)[1].split("</main>")[0]
    assert "Approve the minutes</a>" not in _text(client.get(base))
    assert "Approve the minutes</a>" not in _text(client.get(f"{base}/minutes"))
    assert f"can be approved from {held_on}" in _text(client.get(f"{base}/minutes"))


@pytest.mark.parametrize("days_after", [0, 9])
def test_minutes_are_approved_on_or_after_the_meeting_day_after_the_confirmation_page(
    app, client, days_after
):
    planned, _kept, _gone = _planned_with_agenda()
    db.session.add(
        MeetingAttendee(
            meeting_id=planned.id, agency_id=factories.agency("CQC").id, name="Claire Donovan"
        )
    )
    db.session.commit()
    sign_in(client, planned.chair)
    base = f"/meetings/{planned.id}"
    with clock.fixed_today(HELD_ON + timedelta(days=days_after)):
        assert "Approve the minutes</a>" in _text(client.get(base))
        page = _text(client.get(f"{base}/minutes/approve"))
        assert "What becomes permanent" in page
        assert "their PDF is made now and kept" in page
        assert "The attendance, the discussions and the decisions can no longer change" in page
        assert planned.chair.name in page
        today = clock.today()
        assert f"{today.day} {today:%B %Y}" in page
        assert "1 person from 1 of 3 invited agencies" in page
        token = csrf(client)
        approved = client.post(f"{base}/minutes/approve", data={"csrf_token": token})
        assert approved.status_code == 302
        again = client.post(
            f"{base}/minutes/approve", data={"csrf_token": token}, follow_redirects=True
        )
        assert "The minutes of this meeting are approved" in _text(again)
        assert "were approved by" in _text(client.get(f"{base}/minutes/approve"))
    db.session.refresh(planned)
    assert planned.minutes_approved and planned.minutes_approved_by_id == planned.chair_id
    assert _approvals() == 1
    assert client.get(f"{base}/minutes.pdf").data.startswith(b"%PDF-")


# --- issuing a pack -------------------------------------------------------------------------


def test_the_issue_page_names_the_audience_what_is_left_out_and_the_version(app, client):
    planned, _kept, _gone = _planned_with_agenda()
    sign_in(client, planned.chair)
    meeting_page = _text(client.get(f"/meetings/{planned.id}"))
    assert f'href="/meetings/{planned.id}/packs/new">Issue the pack</a>' in meeting_page
    page = _text(client.get(f"/meetings/{planned.id}/packs/new"))
    assert "Issue version 1 of the pack" in page
    assert "Members and chairs of:" in page
    for name in ("Cqc agency", "Merton agency", "Mps agency"):
        assert f"<li>{name}</li>" in page
    assert "Viewers and administrators cannot read it." in page
    assert "Items marked TLP:AMBER+STRICT or TLP:RED: never in a pack, whoever issues it." in page
    assert "Items marked TLP:CLEAR, TLP:GREEN, TLP:AMBER only" in page
    assert "1 provider, each with a section of its own" in page
    assert "1 provider taken off the agenda: Birch House." in page
    assert "Include the items’ full texts in an appendix" in page
    assert 'name="reason"' not in page  # no correction before the meeting is held
    assert planned.packs == []  # looking issues nothing


@pytest.mark.parametrize("appendix", [True, False])
def test_issuing_from_the_page_stores_whether_the_appendix_was_asked_for(app, client, appendix):
    planned, _kept, _gone = _planned_with_agenda()
    sign_in(client, planned.chair)
    data = {"csrf_token": csrf(client)} | ({"appendix": "y"} if appendix else {})
    issued = client.post(f"/meetings/{planned.id}/packs", data=data, follow_redirects=True)
    assert "Pack version 1 issued" in _text(issued)
    db.session.refresh(planned)
    assert [(p.version, p.appendix, p.correction_reason) for p in planned.packs] == [
        (1, appendix, "")
    ]


def test_after_the_meeting_a_new_version_is_a_correction_with_its_reason(app, client):
    planned, _kept, _gone = _planned_with_agenda()
    _issue_v1(app, planned)
    sign_in(client, planned.chair)
    base = f"/meetings/{planned.id}"
    reason = "Cedar Lodge's embargo was lifted in May; version 1 said it was in force."
    with clock.fixed_today(DAY_AFTER):
        assert "Issue a correction (version 2)" in _text(client.get(base))
        page = _text(client.get(f"{base}/packs/new"))
        assert "Issue a correction: version 2" in page and 'name="reason"' in page
        assert "This version is a correction" in page
        token = csrf(client)
        missing = client.post(f"{base}/packs", data={"csrf_token": token, "reason": "  "})
        assert missing.status_code == 400
        assert "Enter the reason for the correction" in _text(missing)
        assert len(planned.packs) == 1
        done = client.post(
            f"{base}/packs", data={"csrf_token": token, "reason": reason}, follow_redirects=True
        )
        assert "Correction version 2 issued" in _text(done)
        page = _text(client.get(base))
    db.session.refresh(planned)
    assert [p.correction_reason for p in planned.packs] == ["", reason]
    escaped = reason.replace("'", "&#39;")
    shown = page.replace('<span class="govuk-!-font-weight-regular">', "").replace("</span>", "")
    assert f"Version 2, correction: {escaped}" in shown
    assert "Version 1</th>" in page
    cover = _text(client.get(f"{base}/packs/2")).split("</section>")[0]
    assert f"Correction issued after the meeting:</strong> {escaped}" in cover
    assert "Correction issued" not in _text(client.get(f"{base}/packs/1"))


def test_the_api_keeps_its_answer_and_asks_for_a_reason_once_the_meeting_is_held(app):
    planned, _kept, _gone = _planned_with_agenda()
    _issue_v1(app, planned)
    chair = planned.chair
    path = f"/api/v1/meetings/{planned.id}/packs"
    with clock.fixed_today(DAY_AFTER):
        bare = _api(app, chair, path)
        assert bare.status_code == 422
        assert set(bare.get_json()["errors"]) == {"reason"}
        assert "reason" in bare.get_json()["errors"]["reason"]
        for body in ({"reason": 5}, {"reason": "x" * 2001}, {"reason": "ok", "appendix": "yes"}):
            assert _api(app, chair, path, json=body).status_code == 422, body
        nul = _api(app, chair, path, json={"reason": "a\x00b"})
        assert nul.status_code == 422 and "reason" in nul.get_json()["errors"]
        assert len(planned.packs) == 1
        issued = _api(app, chair, path, json={"reason": "Wrong embargo", "appendix": True})
    assert issued.status_code == 201
    answer = issued.get_json()
    assert set(answer) == {"version", "sha256", "pdf_url"} and answer["version"] == 2
    db.session.refresh(planned)
    assert (planned.packs[-1].correction_reason, planned.packs[-1].appendix) == (
        "Wrong embargo",
        True,
    )


def test_no_version_is_issued_once_the_minutes_are_approved(app, client):
    planned, _kept, _gone = _planned_with_agenda()
    planned.minutes_approved_at = utcnow()
    db.session.commit()
    sign_in(client, planned.chair)
    page = _text(client.get(f"/meetings/{planned.id}/packs/new"))
    assert "no more versions of its pack can be issued" in page
    refused = client.post(
        f"/meetings/{planned.id}/packs", data={"csrf_token": csrf(client), "reason": "x"}
    )
    assert refused.status_code == 400 and "The minutes are approved" in _text(refused)
    assert _api(app, planned.chair, f"/api/v1/meetings/{planned.id}/packs").status_code == 422


# --- the agenda, once held ------------------------------------------------------------------


def _agenda_rows(planned: Meeting) -> list[tuple]:
    return sorted(
        (r.provider_id, r.added, r.reason, r.position, r.removed_reason)
        for r in db.session.scalars(
            sa.select(MeetingProvider).where(MeetingProvider.meeting_id == planned.id)
        )
    )


@pytest.mark.parametrize("held_by", ["its day is past", "attendance recorded"])
def test_once_held_the_agenda_is_frozen_through_every_route(app, client, held_by):
    planned, kept, gone = _planned_with_agenda()
    other = factories.provider(name="Rosemary Court")
    db.session.commit()
    sign_in(client, planned.chair)
    token = csrf(client)
    base = f"/meetings/{planned.id}"
    today = DAY_AFTER if held_by == "its day is past" else clock.today()
    if held_by == "attendance recorded":
        client.post(
            f"{base}/attendees",
            data={"csrf_token": token, "name": "Claire Donovan", "agency": planned.agencies[0].id},
        )
    before = _agenda_rows(planned)
    posts = [
        (f"{base}/agenda/add", {"provider_id": other.id, "reason": "Asked by CQC"}),
        (f"{base}/agenda/{kept}/remove", {"reason": "Not needed"}),
        (f"{base}/agenda/{gone}/restore", {}),
        (f"{base}/agenda/{kept}/move", {"direction": "down"}),
    ]
    with clock.fixed_today(today):
        for url, fields in posts:
            answer = client.post(url, data=fields | {"csrf_token": token}, follow_redirects=True)
            assert "its agenda can no longer change" in _text(answer), url
        page = _text(client.get(base))
        for service, args in (
            (services.add_provider, (other, "x", clock.today())),
            (services.remove_provider, (kept, "x", clock.today())),
            (services.restore_provider, (gone, clock.today())),
        ):
            with pytest.raises(services.AgendaFrozen):
                service(planned.chair, planned, *args)
        with pytest.raises(services.AgendaFrozen):
            services.move_provider(planned.chair, planned, kept, "down", clock.today())
    assert _agenda_rows(planned) == before
    assert "its agenda is frozen" in page
    assert "Add a provider to the agenda" not in page
    assert "Move up" not in page and "Move down" not in page and ">Remove<" not in page
    assert "Put back" not in page


def test_before_the_meeting_the_agenda_still_changes(app, client):
    planned, kept, _gone = _planned_with_agenda()
    sign_in(client, planned.chair)
    with clock.fixed_today(HELD_ON):  # the day itself: not yet held
        answer = client.post(
            f"/meetings/{planned.id}/agenda/{kept}/remove",
            data={"csrf_token": csrf(client), "reason": "Not needed"},
        )
    assert answer.status_code == 302
    assert db.session.get(MeetingProvider, (planned.id, kept)).removed_reason == "Not needed"


# --- stage and minutes due ------------------------------------------------------------------


def test_the_list_and_the_meeting_page_show_the_stage_of_the_day(app, client):
    planned, _kept, _gone = _planned_with_agenda()
    sign_in(client, planned.chair)
    assert "Planned</strong>" in _text(client.get("/meetings"))
    with clock.fixed_today(DAY_AFTER):
        listed = _text(client.get("/meetings"))
        page = _text(client.get(f"/meetings/{planned.id}"))
    assert "Held</strong>" in listed and "Minutes due" in listed
    assert 'Status</dt><dd class="govuk-summary-list__value">Held</dd>' in page


def test_minutes_due_show_on_the_dashboard_of_the_chairs_who_run_the_meeting(app, client):
    held = meeting(("MERTON", "CQC"), held_on=HELD_ON - timedelta(days=20))
    approved = meeting(("MERTON", "CQC"), held_on=HELD_ON - timedelta(days=50))
    approved.minutes_approved_at = utcnow()
    coming = meeting(("MERTON", "CQC"))
    people = {
        "the meeting's chair": held.chair,
        "a chair of the host agency": factories.user(Role.CHAIR, factories.agency("MERTON")),
        "an invited agency's chair": factories.user(Role.CHAIR, factories.agency("CQC")),
        "a chair of an agency not invited": factories.user(Role.CHAIR, factories.agency("HARROW")),
        "a member of the host agency": factories.user(Role.MEMBER, factories.agency("MERTON")),
        "a viewer of the host agency": factories.user(Role.VIEWER, factories.agency("MERTON")),
    }
    db.session.commit()
    runs = {who: policy.can_run_meeting(user, held) for who, user in people.items()}
    assert runs["the meeting's chair"] and runs["a chair of the host agency"]
    assert not any(
        runs[w]
        for w in (
            "an invited agency's chair",
            "a chair of an agency not invited",
            "a member of the host agency",
        )
    )
    for who, user in people.items():
        sign_in(client, user)
        page = _text(client.get("/"))
        shown = 'id="minutes-due"' in page
        assert shown == runs[who], who
        if shown:
            due = page.split('id="minutes-due"')[1].split("</ul>")[0]
            assert held.title in due and f"/meetings/{held.id}/minutes" in due
            assert approved.title not in due and coming.title not in due


# --- who may use the new pages, and what they refuse ----------------------------------------


def test_each_role_on_the_confirmation_pages_and_their_posts(app, client):
    planned, _kept, _gone = _planned_with_agenda()
    people = {
        "viewer": (factories.user(Role.VIEWER, factories.agency("MERTON")), 403),
        "member": (factories.user(Role.MEMBER, factories.agency("MERTON")), 403),
        "admin": (factories.user(Role.ADMIN, factories.agency("MERTON")), 403),
        "the meeting's chair": (planned.chair, 200),
        "another agency's chair": (factories.user(Role.CHAIR, factories.agency("HARROW")), 404),
        # Reads the meeting like its members: refused as they are.
        "an invited agency's chair": (factories.user(Role.CHAIR, factories.agency("CQC")), 403),
        "a chair of the host agency": (factories.user(Role.CHAIR, planned.chair.agency), 200),
    }
    db.session.commit()
    base = f"/meetings/{planned.id}"
    for who, (user, status) in people.items():
        assert policy.can_run_meeting(user, planned) is (status == 200), who
        sign_in(client, user)
        token = csrf(client)
        with clock.fixed_today(DAY_AFTER):
            assert client.get(f"{base}/packs/new").status_code == status, who
            # Allowed, the POST reaches the service and is refused there: no reason given.
            issue = client.post(f"{base}/packs", data={"csrf_token": token})
            assert issue.status_code == (400 if status == 200 else status), who
        assert client.get(f"{base}/minutes/approve").status_code == status, who
        approve = client.post(f"{base}/minutes/approve", data={"csrf_token": token})
        assert approve.status_code == (400 if status == 200 else status), who
    client.delete_cookie("session")
    forget_user()
    for url in (f"{base}/packs/new", f"{base}/minutes/approve"):
        assert client.get(url).status_code == 302  # to the sign-in page
    db.session.refresh(planned)
    assert planned.packs == [] and not planned.minutes_approved


def test_hostile_input_gets_a_clear_refusal(app, client):
    planned, _kept, _gone = _planned_with_agenda()
    sign_in(client, planned.chair)
    token = csrf(client)
    base = f"/meetings/{planned.id}"
    with clock.fixed_today(DAY_AFTER):
        huge = client.post(f"{base}/packs", data={"csrf_token": token, "reason": "x" * 100_000})
        assert huge.status_code == 400
        assert "The reason must be 2,000 characters or fewer" in _text(huge)
        nul = client.post(f"{base}/packs", data={"csrf_token": token, "reason": "a\x00b"})
        assert nul.status_code == 400 and "NUL" in _text(nul)
    for url in (
        "/meetings/99999999999/packs/new",
        "/meetings/0/packs/new",
        "/meetings/abc/minutes/approve",
        f"/meetings/{planned.id + 1000}/minutes/approve",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/meetings/99999999999/packs", data={"csrf_token": token}).status_code == 404
    assert client.post(f"{base}/packs").status_code == 400  # no CSRF token
    db.session.refresh(planned)
    assert planned.packs == []

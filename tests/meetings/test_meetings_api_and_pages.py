"""Meetings through the API and the pages: who sees which meetings, creating one, the agenda."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal import clock
from portal.extensions import db
from portal.models import Marking, Meeting, MeetingProvider, Role
from tests import factories
from tests.conftest import api_token_for
from tests.meetings.helpers import csrf, forget_user, meeting, sign_in, world


def _api(app, user, method: str, path: str, **kwargs):
    token = api_token_for(user)
    forget_user()
    return app.test_client().open(
        path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs
    )


def test_the_api_lists_only_meetings_of_the_callers_agency_with_the_agenda_in_order(app):
    w = world()
    other = meeting(("HARROW",), chair_agency="HARROW")
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    hot = factories.provider(name="Hot House")
    factories.item(
        officer,
        Marking.AMBER,
        hot,
        likelihood=5,
        impact=4,
        observed_on=clock.today() - timedelta(days=3),
    )
    member = factories.user(Role.MEMBER, factories.agency("CQC"))
    viewer = factories.user(Role.VIEWER, factories.agency("CQC"))
    db.session.commit()

    listed = _api(app, member, "GET", "/api/v1/meetings").get_json()["items"]
    assert [m["id"] for m in listed] == [w.meeting.id]
    assert _api(app, viewer, "GET", "/api/v1/meetings").get_json()["items"] == []
    assert _api(app, member, "GET", f"/api/v1/meetings/{other.id}").status_code == 404

    detail = _api(app, member, "GET", f"/api/v1/meetings/{w.meeting.id}").get_json()
    # The chair's additions first, then by risk (docs/meetings.md, "the focused agenda").
    assert detail["agenda"] == [
        {"provider_id": w.provider.id, "reason": "Added by the chair: Partners asked"},
        {"provider_id": hot.id, "reason": "Current risk 20 (extreme) from 1 item"},
    ]
    assert detail["also_qualified"] == [] and detail["noting"] == []
    assert detail["packs"] == [] and detail["status"] == "planned"
    assert detail["agencies"] == ["CQC", "MERTON", "MPS"]


def test_chairs_create_meetings_by_api_and_bad_input_is_422_with_nothing_saved(app):
    chair = factories.user(Role.CHAIR, factories.agency("MERTON"))
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    factories.agency("CQC")
    db.session.commit()
    body = {"held_on": "2026-12-17", "title": "December meeting", "agencies": ["CQC"]}

    assert _api(app, member, "POST", "/api/v1/meetings", json=body).status_code == 403
    created = _api(app, chair, "POST", "/api/v1/meetings", json=body)
    assert created.status_code == 201
    answer = created.get_json()
    assert answer["held_on"] == "2026-12-17" and answer["title"] == "December meeting"
    assert answer["agencies"] == ["CQC", "MERTON"] and answer["status"] == "planned"

    bad = _api(
        app,
        chair,
        "POST",
        "/api/v1/meetings",
        json={"held_on": "2026-02-30", "title": "", "agencies": ["NOPE"], "colour": "red"},
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"held_on", "title", "agencies", "colour"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 1
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {"/meetings", "/meetings/{id}", "/meetings/{id}/packs"} <= set(document["paths"])
    assert "/meetings/{id}/packs/{version}.pdf" in document["paths"]


def test_a_chair_creates_a_meeting_on_the_page_and_mistakes_are_explained(app, client):
    chair = factories.user(Role.CHAIR, factories.agency("MERTON"))
    factories.agency("CQC")
    db.session.commit()
    sign_in(client, chair)
    token = csrf(client)
    form = client.get("/meetings/new").get_data(as_text=True)
    assert "Agencies invited" in form

    refused = client.post(
        "/meetings/new",
        data={"csrf_token": token, "day": "30", "month": "2", "year": "2027", "title": ""},
    )
    words = refused.get_data(as_text=True)
    assert "Date of the meeting must be a real date" in words
    assert "Enter a title for the meeting" in words
    assert "Choose at least one agency to invite" in words
    assert 'value="30"' in words  # nothing typed is lost

    done = client.post(
        "/meetings/new",
        data={
            "csrf_token": token,
            "day": "17",
            "month": "12",
            "year": "2027",
            "title": "December meeting",
            "location": "Microsoft Teams",
            "agencies": ["CQC"],
        },
    )
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "December meeting" in page and "Microsoft Teams" in page


def test_the_chair_adds_a_provider_with_what_the_add_page_form_sends(app, client):
    w = world()
    rosemary = factories.provider(name="Rosemary Court Nursing Home")
    db.session.commit()
    sign_in(client, w.meeting.chair)
    page = client.get(f"/meetings/{w.meeting.id}/agenda/add?provider_id={rosemary.id}")
    form = page.get_data(as_text=True).split('<form method="post"')[-1].split("</form>")[0]
    sent = MultiDict(re.findall(r'<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"', form))
    assert sent.getlist("provider_id") == [str(rosemary.id)]  # once, and not empty
    sent["reason"] = "Families raised visiting restrictions"
    added = client.post(f"/meetings/{w.meeting.id}/agenda/add", data=sent)
    assert added.status_code == 302
    row = db.session.get(MeetingProvider, (w.meeting.id, rosemary.id))
    assert row is not None and row.reason == "Families raised visiting restrictions"


def test_the_chair_removes_a_provider_only_with_a_reason_and_can_put_it_back(app, client):
    w = world()
    sign_in(client, w.meeting.chair)
    token = csrf(client)
    path = f"/meetings/{w.meeting.id}/agenda/{w.provider.id}"
    refused = client.post(f"{path}/remove", data={"csrf_token": token, "reason": "  "})
    assert "Enter the reason" in refused.get_data(as_text=True)
    client.post(f"{path}/remove", data={"csrf_token": token, "reason": "Covered at the forum"})
    page = client.get(f"/meetings/{w.meeting.id}").get_data(as_text=True)
    assert "Taken off the agenda by the chair" in page and "Covered at the forum" in page
    client.post(f"{path}/restore", data={"csrf_token": token})
    row = db.session.get(MeetingProvider, (w.meeting.id, w.provider.id))
    assert row is not None and row.removed_reason is None

    found = client.get(f"/meetings/{w.meeting.id}/agenda/add?q=cedar").get_data(as_text=True)
    assert "Cedar Lodge Care Home" in found
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.commit()
    sign_in(client, member)
    assert (
        client.post(f"{path}/remove", data={"csrf_token": csrf(client), "reason": "x"}).status_code
        == 403
    )
    assert (
        "Remove"
        not in client.get(f"/meetings/{w.meeting.id}").get_data(as_text=True).split("Agenda")[-1]
    )


CHAIR_POSTS = [
    ("agenda/{provider}/remove", {"reason": "Covered elsewhere"}),
    ("agenda/{provider}/restore", {}),
    ("agenda/{provider}/move", {"direction": "down"}),
    ("agenda/add", {"provider_id": "{provider}", "reason": "Asked by CQC"}),
    ("attendees", {"name": "Claire Donovan", "agency": "{agency}"}),
    ("providers/{provider}/discussion", {"notes": "Noted", "decision": ""}),
    ("actions/new", {"description": "Visit", "owner": "{agency}"}),
    ("minutes/approve", {}),
]


def test_only_chairs_of_an_invited_agency_change_a_meeting(app, client):
    w = world()
    agency = factories.agency("MERTON")
    people = {
        "member of an invited agency": (factories.user(Role.MEMBER, agency), 403),
        "viewer": (factories.user(Role.VIEWER, agency), 403),
        "administrator": (factories.user(Role.ADMIN, agency), 403),
        "chair of another agency": (factories.user(Role.CHAIR, factories.agency("HARROW")), 404),
    }
    db.session.commit()
    for who, (user, status) in people.items():
        sign_in(client, user)
        token = csrf(client)
        for path, fields in CHAIR_POSTS:
            url = f"/meetings/{w.meeting.id}/" + path.format(provider=w.provider.id)
            data = {
                k: v.format(provider=w.provider.id, agency=agency.id) for k, v in fields.items()
            }
            response = client.post(url, data=data | {"csrf_token": token})
            assert response.status_code == status, (who, path)
    db.session.refresh(w.meeting)
    assert w.meeting.status.value == "planned" and w.meeting.attendees == []

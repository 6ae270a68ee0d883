"""Refused access is audited: one `access-refused` event per refusal, within a per-client limit."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import refusals
from portal.extensions import db
from portal.models import AuditEvent, Marking, Role
from tests import factories
from tests.conftest import api_token_for
from tests.meetings.helpers import forget_user, meeting


def refusals_written(action: str = "access-refused") -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.query(AuditEvent).filter_by(action=action).order_by(AuditEvent.id).all()


def only_refusal() -> AuditEvent:
    events = refusals_written()
    assert len(events) == 1, [(e.data, e.user_id) for e in events]
    return events[0]


def test_an_anonymous_page_is_refused_and_audited_without_its_query_string(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get("/search?q=secret+words")
    assert response.status_code == 302
    event = only_refusal()
    assert event.user_id is None
    assert event.data == {"route": "/search", "method": "GET", "status": 401}
    assert "secret" not in repr(event.data) and "secret" not in (event.object_id or "")


def test_an_anonymous_api_call_is_refused_and_audited(app: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/search?q=secret+words")
    assert response.status_code == 401
    event = only_refusal()
    assert event.user_id is None
    assert event.data == {"route": "/api/v1/search", "method": "GET", "status": 401}


def test_a_member_on_a_chairs_page_is_refused_and_audited(app, client, login_as) -> None:
    member = login_as(Role.MEMBER)
    assert client.get("/meetings/new").status_code == 403
    event = only_refusal()
    assert event.user_id == member.id
    assert event.data == {"route": "/meetings/new", "method": "GET", "status": 403}


def test_a_viewer_on_a_members_page_is_refused_and_audited(app, client, login_as) -> None:
    viewer = login_as(Role.VIEWER)
    assert client.get("/intelligence/new").status_code == 403
    event = only_refusal()
    assert (event.user_id, event.data["status"]) == (viewer.id, 403)


def test_an_uninvited_member_opening_a_meeting_is_refused_and_audited(
    app, client, login_as
) -> None:
    closed = meeting(("MPS",), chair_agency="MPS")
    db.session.commit()
    member = login_as(Role.MEMBER)
    assert client.get(f"/meetings/{closed.id}?tab=secret").status_code == 404
    event = only_refusal()
    assert event.user_id == member.id
    assert (event.object_type, event.object_id) == ("meeting", str(closed.id))
    assert event.data == {"route": "/meetings/<int:meeting_id>", "method": "GET", "status": 404}


def test_a_red_item_is_refused_to_another_member_on_the_page_and_the_api(app, client) -> None:
    author = factories.user(Role.MEMBER, factories.agency("MPS"))
    red = factories.item(author, Marking.RED)
    reader = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.commit()
    token = api_token_for(reader)
    response = client.get(
        f"/api/v1/intelligence/{red.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
    event = only_refusal()
    assert event.user_id == reader.id
    assert (event.object_type, event.object_id) == ("item", str(red.id))
    assert event.data["status"] == 404 and "<int:item_id>" in event.data["route"]


def test_an_unknown_path_is_no_refusal(app: Flask, client: FlaskClient, login_as) -> None:
    login_as(Role.MEMBER)
    assert client.get("/no/such/page?q=secret").status_code == 404
    assert client.get("/api/v1/no-such-thing").status_code == 404
    assert refusals_written() == []


def test_an_answered_page_writes_no_refusal(app: Flask, client: FlaskClient, login_as) -> None:
    login_as(Role.MEMBER)
    assert client.get("/meetings").status_code == 200
    assert refusals_written() == []


def test_a_client_writes_at_most_the_limit_a_minute_then_one_marker(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["PORTAL"]["refused_access_audit_per_minute"] = 3
    monkeypatch.setattr(refusals, "current_minute", lambda: 1)
    for _ in range(8):
        assert client.get("/api/v1/providers").status_code == 401
        forget_user()
    assert len(refusals_written()) == 3
    assert [e.data for e in refusals_written("access-refused-limited")] == [{"limit": 3}]
    monkeypatch.setattr(refusals, "current_minute", lambda: 2)
    assert client.get("/api/v1/providers").status_code == 401
    assert len(refusals_written()) == 4


def test_the_counter_admits_the_limit_then_marks_once_then_drops() -> None:
    counter = refusals.RefusalCounter(2)
    admitted = [counter.admit("a", 7) for _ in range(4)]
    assert admitted == [
        refusals.Admission.RECORD,
        refusals.Admission.RECORD,
        refusals.Admission.MARK,
        refusals.Admission.DROP,
    ]
    assert counter.admit("b", 7) is refusals.Admission.RECORD
    assert counter.admit("a", 8) is refusals.Admission.RECORD


def test_the_refusal_is_committed_at_once(app, client, login_as) -> None:
    member = login_as(Role.MEMBER)
    assert client.get("/meetings/new").status_code == 403
    db.session.rollback()  # what the request left uncommitted goes; the refusal stays
    assert [e.user_id for e in refusals_written()] == [member.id]

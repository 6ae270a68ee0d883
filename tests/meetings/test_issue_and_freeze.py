"""Issuing freezes a pack: its stored PDF never changes, re-issuing makes the next version
and says what changed, every version stays downloadable, and all of it is audited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, ItemStatus, Marking, MeetingStatus, Role
from tests import factories
from tests.conftest import api_token_for
from tests.meetings.helpers import csrf, forget_user, pdf_text, sign_in, world


def test_changing_withdrawing_and_re_marking_items_after_issuing_never_changes_the_issued_pack(
    app, client
):
    w = world()
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    recent = clock.today() - timedelta(days=2)
    kept = factories.item(officer, Marking.GREEN, w.provider, title="Rota gaps", observed_on=recent)
    gone = factories.item(
        officer, Marking.AMBER, w.provider, title="Falls at night", observed_on=recent
    )
    hidden = factories.item(
        officer, Marking.CLEAR, w.provider, title="Menu complaints", observed_on=recent
    )
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token_for(w.meeting.chair)}"}

    first = client.post(f"/api/v1/meetings/{w.meeting.id}/packs", headers=headers).get_json()
    before = client.get(first["pdf_url"], headers=headers)
    assert before.mimetype == "application/pdf"
    assert hashlib.sha256(before.data).hexdigest() == first["sha256"]
    assert "Falls at night" in pdf_text(before.data)
    html_before = w.meeting.packs[0].html

    kept.title = "Rota gaps (changed)"
    gone.status = ItemStatus.WITHDRAWN
    hidden.marking = Marking.RED
    newer = factories.provider(name="Birch House")
    factories.item(officer, Marking.GREEN, w.provider, title="New concern", observed_on=recent)
    db.session.commit()

    after = client.get(first["pdf_url"], headers=headers)
    assert after.data == before.data
    db.session.refresh(w.meeting)
    assert w.meeting.packs[0].html == html_before

    sign_in(client, w.meeting.chair)
    client.post(
        f"/meetings/{w.meeting.id}/agenda/add",
        data={"csrf_token": csrf(client), "provider_id": newer.id, "reason": "Asked by CQC"},
    )
    client.delete_cookie("session")
    second = client.post(f"/api/v1/meetings/{w.meeting.id}/packs", headers=headers).get_json()
    assert second["version"] == 2 and second["sha256"] != first["sha256"]
    text = pdf_text(client.get(second["pdf_url"], headers=headers).data)
    assert "Changes since version 1" in text and "Providers added: Birch House" in text
    assert "Falls at night" not in text and "Menu complaints" not in text
    assert "Rota gaps (changed)" in text and "New concern" in text
    assert client.get(first["pdf_url"], headers=headers).data == before.data

    detail = client.get(f"/api/v1/meetings/{w.meeting.id}", headers=headers).get_json()
    assert [p["version"] for p in detail["packs"]] == [1, 2]
    assert detail["status"] == MeetingStatus.PACK_ISSUED.value
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("pack-built") == 2 and actions.count("pack-downloaded") == 4


def test_members_of_invited_agencies_download_packs_and_nobody_else_can(app, client, login_as):
    w = world()
    headers = {"Authorization": f"Bearer {api_token_for(w.meeting.chair)}"}
    issued = client.post(f"/api/v1/meetings/{w.meeting.id}/packs", headers=headers).get_json()
    expected = {
        (Role.MEMBER, "CQC"): 200,
        (Role.CHAIR, "MPS"): 200,
        (Role.MEMBER, "HARROW"): 404,
        (Role.CHAIR, "HARROW"): 404,
        (Role.VIEWER, "CQC"): 404,
        (Role.ADMIN, "MERTON"): 404,
    }
    for (role, code), status in expected.items():
        user = factories.user(role, factories.agency(code))
        token = api_token_for(user)
        forget_user()
        api = app.test_client().get(issued["pdf_url"], headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == status, ("api", role, code)
        sign_in(client, user)
        page = client.get(f"/meetings/{w.meeting.id}/packs/1.pdf")
        assert page.status_code == (status if role in (Role.MEMBER, Role.CHAIR) else 403), (
            role,
            code,
        )
        if status == 200:
            assert page.data == api.data
            assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_a_member_cannot_issue_a_pack_and_a_chair_of_an_agency_not_invited_gets_not_found(
    app, client
):
    w = world()
    member = factories.user(Role.MEMBER, factories.agency("MERTON"))
    outsider = factories.user(Role.CHAIR, factories.agency("HARROW"))
    db.session.commit()
    for user, status in ((member, 403), (outsider, 404)):
        sign_in(client, user)
        response = client.post(f"/meetings/{w.meeting.id}/packs", data={"csrf_token": csrf(client)})
        assert response.status_code == status
    assert w.meeting.packs == []

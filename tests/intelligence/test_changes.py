"""Editing and withdrawing: nothing is lost, and a new marking applies at once everywhere."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa

from portal import clock
from portal.extensions import db
from portal.models import (
    AuditEvent,
    IntelligenceItem,
    IntelligenceRevision,
    ItemStatus,
    Marking,
    Role,
)
from portal.risk import current_risks
from tests import factories
from tests.conftest import csrf_token_from
from tests.intelligence.helpers import PDF_BYTES, attach, form_fields, sign_in_as


def edit(client, item, files=(), **overrides):
    page = client.get(f"/intelligence/{item.id}/edit")
    assert page.status_code == 200
    data = form_fields(item.provider_id, **overrides) | {"csrf_token": csrf_token_from(page.text)}
    if files:
        data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(
        f"/intelligence/{item.id}/edit", data=data, content_type="multipart/form-data"
    )


def withdraw(client, item, reason):
    page = client.get(f"/intelligence/{item.id}/withdraw")
    return client.post(
        f"/intelligence/{item.id}/withdraw",
        data={"csrf_token": csrf_token_from(page.text), "reason": reason},
    )


def revisions(item) -> list[IntelligenceRevision]:
    return list(
        db.session.scalars(
            sa.select(IntelligenceRevision)
            .where(IntelligenceRevision.item_id == item.id)
            .order_by(IntelligenceRevision.number)
        )
    )


def test_the_edit_form_is_filled_in_with_the_item_as_it_stands(client, login_as):
    author = login_as(Role.MEMBER)
    item = factories.item(author, Marking.AMBER, title="Rota gaps", likelihood=2, impact=5)
    db.session.commit()
    html = client.get(f"/intelligence/{item.id}/edit").text
    assert 'value="Rota gaps"' in html
    assert 'name="likelihood" type="radio" value="2" checked' in html
    assert 'value="AMBER" checked' in html
    assert 'value="2026"' in html  # the year observed
    assert "Reason for the change" in html


def test_an_edit_adds_a_revision_and_the_earlier_one_stays_readable(client, login_as):
    author = login_as(Role.MEMBER)
    item = factories.item(author, Marking.AMBER, title="First version")
    db.session.commit()
    response = edit(client, item, title="Second version", reason="Corrected the title")
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(IntelligenceItem, item.id)
    assert item.title == "Second version" and item.revision_count == 2
    first, second = revisions(item)
    assert first.content["title"] == "First version"
    assert (second.number, second.reason, second.content) == (
        2,
        "Corrected the title",
        item.snapshot(),
    )
    old = client.get(f"/intelligence/{item.id}/revisions/1")
    assert "First version" in old.text and "revision 1 of 2" in old.text
    assert "Corrected the title" in client.get(f"/intelligence/{item.id}").text
    (event,) = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "intelligence-edited")
    )
    assert event.data["revision"] == 2


def test_saving_without_changes_adds_no_revision(client, login_as):
    author = login_as(Role.MEMBER)
    provider = factories.provider()
    db.session.commit()
    item = factories.item(
        author,
        Marking.AMBER,
        provider=provider,
        title="Night staffing below safe levels",
        body="Two carers on nights for 30 residents.\n\nThe manager was told.",
        observed_on=date(2026, 10, 5),
        likelihood=4,
        impact=3,
        themes=["safeguarding", "staffing"],
        intelligence_assessment="B",
    )
    db.session.commit()
    response = edit(client, item)
    assert "You did not change anything" in client.get(response.headers["Location"]).text
    assert len(revisions(item)) == 1


def test_files_can_be_added_when_editing(client, login_as):
    author = login_as(Role.MEMBER)
    item = factories.item(author, Marking.AMBER)
    db.session.commit()
    edit(client, item, files=[("later.pdf", PDF_BYTES)])
    db.session.expire_all()
    assert [a.filename for a in db.session.get(IntelligenceItem, item.id).attachments] == [
        "later.pdf"
    ]


def test_only_the_author_or_a_chair_may_edit_or_withdraw(client, login_as):
    member = login_as(Role.MEMBER)
    officer = factories.user(Role.MEMBER, factories.agency("MPS"))
    item = factories.item(officer, Marking.GREEN)
    red = factories.item(officer, Marking.RED)
    db.session.commit()
    assert client.get(f"/intelligence/{item.id}/edit").status_code == 403
    assert client.get(f"/intelligence/{item.id}/withdraw").status_code == 403
    # An item the user may not read is not there at all.
    assert client.get(f"/intelligence/{red.id}/edit").status_code == 404
    chair = factories.user(Role.CHAIR, member.agency)
    db.session.commit()
    sign_in_as(client, chair)
    assert client.get(f"/intelligence/{item.id}/edit").status_code == 200
    assert client.get(f"/intelligence/{red.id}/edit").status_code == 404


def test_withdrawing_needs_a_reason_and_keeps_the_item_labelled(client, login_as):
    author = login_as(Role.MEMBER)
    item = factories.item(author, Marking.GREEN, observed_on=clock.today(), likelihood=5, impact=5)
    db.session.commit()
    assert current_risks(author, [item.provider_id], clock.today(), 3)[item.provider_id].score == 25
    refused = withdraw(client, item, "  ")
    assert "Enter why you are withdrawing it" in refused.text
    assert withdraw(client, item, "Logged against the wrong provider").status_code == 302
    db.session.expire_all()
    item = db.session.get(IntelligenceItem, item.id)
    assert item.status is ItemStatus.WITHDRAWN and item.withdrawn_by_id == author.id
    assert item.withdrawn_reason == "Logged against the wrong provider"
    assert revisions(item)[-1].content["status"] == "withdrawn"
    page = client.get(f"/intelligence/{item.id}").text
    assert "Withdrawn" in page and "Logged against the wrong provider" in page
    assert "Withdrawn" in client.get("/intelligence").text
    assert current_risks(author, [item.provider_id], clock.today(), 3) == {}
    # It can no longer be changed, and it is still there.
    assert client.get(f"/intelligence/{item.id}/edit").status_code == 302
    assert client.get(f"/intelligence/{item.id}/revisions/1").status_code == 200


def test_a_new_marking_takes_effect_on_the_very_next_request(client, login_as):
    """A reader loses the page, the revisions, the file and the list entry at once."""
    reader = login_as(Role.MEMBER, "CQC")
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    item = factories.item(author, Marking.GREEN, title="Soon to be restricted")
    attachment = attach(item, author, "notes.pdf", PDF_BYTES)
    db.session.commit()
    urls = [
        f"/intelligence/{item.id}",
        f"/intelligence/{item.id}/revisions/1",
        f"/intelligence/{item.id}/attachments/{attachment.id}",
        f"/api/v1/intelligence/{item.id}",
    ]
    assert [client.get(u).status_code for u in urls[:3]] == [200, 200, 200]
    assert "Soon to be restricted" in client.get("/intelligence").text

    sign_in_as(client, author)
    edit(client, item, marking="AMBER+STRICT", title="Soon to be restricted")
    sign_in_as(client, reader)

    assert [client.get(u).status_code for u in urls[:3]] == [404, 404, 404]
    assert "Soon to be restricted" not in client.get("/intelligence").text
    assert "Soon to be restricted" not in client.get("/").text
    from tests.conftest import api_token_for

    client.delete_cookie("session")
    token = api_token_for(reader)
    response = client.get(urls[3], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404

"""Reading an item, its revisions and attachments: only for those the marking allows."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, HandlingCode, Marking, Role
from tests import factories
from tests.intelligence.helpers import PDF_BYTES, attach, sign_in_as


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def police_item(marking: Marking = Marking.AMBER, **fields):
    officer = factories.user(Role.MEMBER, factories.agency("MPS"), name="PC Dana Reid")
    item = factories.item(officer, marking, **fields)
    db.session.commit()
    return officer, item


def test_the_item_page_shows_marking_audience_grading_risk_and_author(client, login_as):
    reader = login_as(Role.MEMBER)
    _, item = police_item(
        Marking.AMBER_STRICT,
        likelihood=5,
        impact=4,
        handling_code=HandlingCode.CONDITIONS,
        handling_conditions="Not to be shared with the provider",
    )
    # A chair of another agency may read AMBER+STRICT; this member of MERTON may not.
    assert client.get(f"/intelligence/{item.id}").status_code == 404
    chair = factories.user(Role.CHAIR, reader.agency)
    db.session.commit()
    sign_in_as(client, chair)
    html = client.get(f"/intelligence/{item.id}").text
    assert "TLP:AMBER+STRICT" in html
    assert "Everyone in Mps agency, and meeting chairs." in html
    assert 'portal-risk--extreme">20<' in html and "Extreme" in html
    assert "1 – Reliable" in html and "A – Known to be true without reservation" in html
    assert "C – Lawful sharing permitted subject to conditions" in html
    assert "Not to be shared with the provider" in html
    assert "PC Dana Reid" in html and "(MPS)" in html
    assert "Staffing" in html
    assert f"/intelligence/{item.id}/revisions/1" in html


def test_a_red_item_is_a_404_to_everyone_but_its_author_and_recipients(client, login_as):
    chair = login_as(Role.CHAIR)
    _, item = police_item(Marking.RED)
    for url in (f"/intelligence/{item.id}", f"/intelligence/{item.id}/revisions/1"):
        assert client.get(url).status_code == 404  # never 403: existence is not confirmed
    assert client.get("/intelligence/999999").status_code == 404
    item.recipients = []
    from portal.models import ItemRecipient

    item.recipients.append(ItemRecipient(user_id=chair.id))
    db.session.commit()
    html = client.get(f"/intelligence/{item.id}").text
    assert "Only the author and the people named as recipients." in html
    assert chair.name in html


def test_each_read_is_recorded_in_the_audit_trail(client, login_as):
    reader = login_as(Role.MEMBER)
    _, item = police_item(Marking.GREEN)
    client.get(f"/intelligence/{item.id}")
    client.get(f"/intelligence/{item.id}/revisions/1")
    db.session.expire_all()
    reads = events("intelligence-read")
    assert [(e.user_id, e.object_id, e.data["revision"]) for e in reads] == [
        (reader.id, str(item.id), 1),
        (reader.id, str(item.id), 1),
    ]


def test_an_attachment_downloads_with_safe_headers_and_is_audited(client, login_as):
    reader = login_as(Role.VIEWER)
    officer, item = police_item(Marking.GREEN)
    attachment = attach(item, officer, "Visit notes – 5 Oct.pdf", PDF_BYTES)
    response = client.get(f"/intelligence/{item.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Visit%20notes%20%E2%80%93%205%20Oct.pdf" in disposition
    db.session.expire_all()
    (event,) = events("attachment-downloaded")
    assert event.user_id == reader.id and event.data["item_id"] == item.id


def test_attachments_are_404_to_those_who_may_not_read_the_item(client, login_as):
    login_as(Role.MEMBER)
    officer, red = police_item(Marking.RED)
    _, green = police_item(Marking.GREEN)
    secret = attach(red, officer, "secret.pdf", PDF_BYTES)
    assert client.get(f"/intelligence/{red.id}/attachments/{secret.id}").status_code == 404
    # Nor can it be fetched through an item the reader may read.
    assert client.get(f"/intelligence/{green.id}/attachments/{secret.id}").status_code == 404
    assert events("attachment-downloaded") == []


def test_a_viewer_reads_amber_only_from_their_own_agency(client, login_as):
    login_as(Role.VIEWER, "MERTON")
    _, police = police_item(Marking.AMBER)
    colleague = factories.user(Role.MEMBER, factories.agency("MERTON"))
    own = factories.item(colleague, Marking.AMBER)
    db.session.commit()
    assert client.get(f"/intelligence/{police.id}").status_code == 404
    assert client.get(f"/intelligence/{own.id}").status_code == 200

"""The embargo notice e-mailed to the boroughs' contacts recorded on it, when placed and lifted."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from portal.extensions import db
from portal.mail.outbox import deliver_due
from portal.models import Embargo, MailKind, OutboxMessage, Role, utcnow
from tests import factories
from tests.concerns.helpers import date_fields, post_form, text_of
from tests.conftest import SUITE_DAY
from tests.mail.conftest import Inbox

TODAY = SUITE_DAY
CONTACTS = "placements@sutton.example\n  Commissioning@Kingston.example , placements@sutton.example"


def _place(client: FlaskClient, provider_id: int, contacts: str) -> object:
    data = date_fields("starts_on", TODAY) | date_fields("ends_on", None)
    data |= {"reason": "Unsafe night staffing", "notice_contacts": contacts}
    return post_form(client, f"/providers/{provider_id}/embargoes/new", data)


def _pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_placing_and_lifting_e_mail_the_notice_to_each_contact_and_the_page_shows_it(
    app: Flask, client: FlaskClient, login_as, smtp_server: Inbox
) -> None:
    login_as(Role.CHAIR)
    provider = factories.provider(name="Rowan Lodge")
    db.session.commit()
    assert _place(client, provider.id, CONTACTS).status_code == 302
    embargo = db.session.scalars(sa.select(Embargo)).one()
    assert embargo.notice_contacts == [
        "placements@sutton.example",
        "Commissioning@kingston.example",
    ]
    page = text_of(client.get(f"/embargoes/{embargo.id}").get_data(as_text=True))
    assert (
        "placements@sutton.example Embargo on new placements: Rowan Lodge Waiting to be sent"
        in page
    )
    deliver_due(utcnow() + timedelta(seconds=1))
    assert smtp_server.addresses() == set(embargo.notice_contacts)
    message = smtp_server.to("placements@sutton.example")[0]
    assert message["Subject"] == "Embargo on new placements: Rowan Lodge"
    [notice] = list(message.iter_attachments())
    assert notice.get_filename() == f"embargo-notice-rowan-lodge-{TODAY.isoformat()}.pdf"
    assert "Rowan Lodge" in _pdf_text(notice.get_content())
    page = text_of(client.get(f"/embargoes/{embargo.id}").get_data(as_text=True))
    assert "Waiting to be sent" not in page

    lifted = date_fields("lifted_on", TODAY) | {"reason": "Visits were positive"}
    assert post_form(client, f"/embargoes/{embargo.id}/lift", lifted).status_code == 302
    deliver_due(utcnow() + timedelta(seconds=1))
    [_, lifting] = smtp_server.to("placements@sutton.example")
    assert lifting["Subject"] == "Embargo lifted: Rowan Lodge"
    [notice] = list(lifting.iter_attachments())
    assert notice.get_filename().startswith("embargo-lifted-rowan-lodge-")
    sent = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == MailKind.EMBARGO_NOTICE)
    ).all()
    assert len(sent) == 4 and all(m.sent_at is not None for m in sent)


def test_an_embargo_without_contacts_e_mails_nothing_and_says_so(
    app: Flask, client: FlaskClient, login_as
) -> None:
    login_as(Role.CHAIR)
    provider = factories.provider()
    db.session.commit()
    assert _place(client, provider.id, "").status_code == 302
    embargo = db.session.scalars(sa.select(Embargo)).one()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    page = text_of(client.get(f"/embargoes/{embargo.id}").get_data(as_text=True))
    assert "No notice has been e-mailed" in page


def test_a_contact_that_is_no_address_is_refused_and_nothing_is_placed(
    app: Flask, client: FlaskClient, login_as
) -> None:
    login_as(Role.CHAIR)
    provider = factories.provider()
    db.session.commit()
    for hostile in ("not an address", "<script>@x", "x" * 300 + "@b.example"):
        response = _place(client, provider.id, f"ok@sutton.example\n{hostile}")
        assert response.status_code == 200, hostile  # the form again, with the message
        assert "Enter each contact as an e-mail address" in response.get_data(as_text=True)
        assert "<script>@x" not in response.get_data(as_text=True)
    many = "\n".join(f"p{n}@sutton.example" for n in range(51))
    assert "at most 50 contacts" in _place(client, provider.id, many).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Embargo)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0

"""Builders for the meeting tests: a meeting with invited agencies and a provider on its agenda."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from types import SimpleNamespace

from flask import g
from flask.testing import FlaskClient
from pypdf import PdfReader

from portal.extensions import db
from portal.models import (
    Action,
    Blob,
    Meeting,
    MeetingPack,
    MeetingProvider,
    MeetingStatus,
    Provider,
    Role,
    User,
)
from tests import factories
from tests.conftest import SUITE_DAY, csrf_token_from

#: Today, for the tests: the planned meeting is a few days ahead.
HELD_ON = SUITE_DAY + timedelta(days=10)


def meeting(
    codes: tuple[str, ...] = ("MERTON", "CQC", "MPS"),
    held_on: date = HELD_ON,
    chair_agency: str = "MERTON",
) -> Meeting:
    """A planned meeting chaired by a chair of chair_agency, those agencies invited."""
    chair = factories.user(Role.CHAIR, factories.agency(chair_agency))
    made = Meeting(
        held_on=held_on,
        title=f"Joint Intelligence Group – {held_on:%B %Y}",
        location="Merton Civic Centre",
        chair=chair,
        status=MeetingStatus.PLANNED,
        agencies=[factories.agency(c) for c in codes],
    )
    db.session.add(made)
    db.session.flush()
    return made


def add_to_agenda(meeting: Meeting, provider_id: int, reason: str = "Partners asked") -> None:
    """The chair adds a provider by hand."""
    db.session.add(
        MeetingProvider(
            meeting_id=meeting.id,
            provider_id=provider_id,
            added=True,
            reason=reason,
            added_by_id=meeting.chair_id,
        )
    )
    db.session.flush()


def world() -> SimpleNamespace:
    """A planned meeting (MERTON, CQC, MPS invited) with Cedar Lodge added to its agenda."""
    planned = meeting()
    cedar = factories.provider(name="Cedar Lodge Care Home")
    add_to_agenda(planned, cedar.id)
    db.session.commit()
    return SimpleNamespace(meeting=planned, provider=cedar)


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def meeting_world(provider: Provider) -> tuple[Meeting, Action, Meeting]:
    """For the access table: a meeting (MERTON and MPS invited) with the provider on its
    agenda, an issued version 1 (stored bytes, not laid out: fast), an action owned by
    MERTON; and a second meeting whose minutes are approved."""
    planned = meeting(("MERTON", "MPS"))
    add_to_agenda(planned, provider.id)
    content = b"%PDF-1.7 issued pack"
    sha = hashlib.sha256(content).hexdigest()
    db.session.add(Blob(sha256=sha, size=len(content), content=content))
    db.session.add(
        MeetingPack(
            meeting_id=planned.id,
            version=1,
            issued_by_id=planned.chair_id,
            pdf_sha256=sha,
            html="<p>Issued pack</p>",
            agenda=[{"provider_id": provider.id, "name": provider.name, "reason": "Added"}],
            item_ids=[],
        )
    )
    action = Action(
        meeting_id=planned.id,
        provider_id=provider.id,
        description="Visit at night",
        owner_agency_id=factories.agency("MERTON").id,
        created_by_id=planned.chair_id,
    )
    db.session.add(action)
    approved = meeting(("MERTON", "MPS"), held_on=HELD_ON - timedelta(days=60))
    approved.status = MeetingStatus.MINUTES_APPROVED
    approved.minutes_approved_at = approved.created_at
    approved.minutes_sha256 = sha
    db.session.flush()
    return planned, action, approved


def forget_user() -> None:
    """Tests share one app context, so forget the user the last request loaded."""
    g.pop("_login_user", None)


def sign_in(client: FlaskClient, user: User) -> None:
    """Sign the user in on the client (a session, as the web pages use)."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    forget_user()


def csrf(client: FlaskClient) -> str:
    """A CSRF token for the signed-in client (every page's sign-out form carries one)."""
    return csrf_token_from(client.get("/").get_data(as_text=True))

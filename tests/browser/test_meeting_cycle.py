"""A meeting's whole cycle as the chair clicks through it (issue 29): the proposals in two
lists, a provider moved between them, the pack issued from its confirmation page, the PDF read
(no false state, agencies by name), and the minutes approved only from the meeting's day."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal import clock
from portal.extensions import db
from portal.models import Provider, User, utcnow
from tests import factories
from tests.browser.people import Browsing, Person
from tests.browser.site import Scene, Site
from tests.browser.test_journeys import MEETING_DAY, create_meeting
from tests.meetings.helpers import pdf_text

NewContext = Callable[..., Browsing]
BANNER = ".govuk-notification-banner"
#: The scene's provider with the highest risk (an extreme item): for discussion by the rules.
LIFTED = "Hollybrook House"
AGENCY_NAMES = (
    "London Borough of Merton",
    "Metropolitan Police Service",
    "Care Quality Commission",
)
#: Agency codes that are never words of their own (CQC is: "CQC ratings", "CQC 1-123").
AGENCY_CODES = re.compile(r"\b(MERTON|MPS)\b")


@pytest.fixture(scope="module", autouse=True)
def lifted_embargo(site: Site) -> Iterator[None]:
    """Hollybrook House had an embargo on placements, lifted three weeks ago: nothing the
    chair reads may call it in force."""
    today = clock.today()
    with site.app.app_context():
        chair = db.session.scalars(
            sa.select(User).where(User.email == site.scene.chair.email)
        ).one()
        provider = db.session.scalars(sa.select(Provider).where(Provider.name == LIFTED)).one()
        embargo = factories.embargo(provider, chair, starts_on=today - timedelta(days=90))
        embargo.lifted_on = today - timedelta(days=21)
        embargo.lifted_at = utcnow()
        embargo.lifted_by_id = chair.id
        embargo.lift_reason = "Night staffing restored and checked by the council"
        db.session.commit()
        db.session.remove()
    yield


def _list(chair: Person, name: str) -> str:
    """The caption's words of the table listing this provider ("for discussion", "for noting")."""
    table = chair.main.get_by_role("table").filter(
        has=chair.page.get_by_role("rowheader", name=name, exact=True)
    )
    return table.locator("caption").inner_text()


def test_a_chair_runs_a_meeting_from_proposals_to_approved_minutes(
    new_context: NewContext, site: Site, scene: Scene, javascript: bool
) -> None:
    title = f"{'Cycle' if javascript else 'Cycle without scripts'} – {MEETING_DAY:%B %Y}"
    chair = Person(new_context(javascript), site, scene.chair)
    chair.sign_in()
    create_meeting(chair, title)
    meeting_id = int(re.findall(r"/meetings/(\d+)", chair.page.url)[0])

    # The proposals: Hollybrook House for discussion by its risk, never by its lifted embargo;
    # Rosemary Court (moderate, with a new GREEN item) for noting.
    assert "for discussion" in _list(chair, LIFTED)
    row = chair.main.get_by_role("row").filter(
        has=chair.page.get_by_role("rowheader", name=LIFTED, exact=True)
    )
    expect(row).to_contain_text("Current risk")
    expect(row).not_to_contain_text("Embargo")
    assert "for noting" in _list(chair, scene.rosemary.name)

    # Rosemary Court to the discussion list with one click, and back to noting by ticking it.
    # Named "Move to discussion : ...": Chromium puts a space before a visually hidden span.
    with chair.page.expect_navigation():
        chair.main.get_by_role(
            "button", name=re.compile(r"^Move to discussion\W+" + re.escape(scene.rosemary.name))
        ).click()
    chair.arrived()
    assert "for discussion" in _list(chair, scene.rosemary.name)
    chair.field(f"Select {scene.rosemary.name}").check()
    chair.press("Move the selected to noting")
    expect(chair.main.locator(BANNER)).to_contain_text("1 provider moved to the noting list")
    assert "for noting" in _list(chair, scene.rosemary.name)

    # Issuing goes through a page that names the audience and what is left out.
    chair.follow("Issue the pack")
    chair.expect_heading("Issue version 1 of the pack")
    for name in AGENCY_NAMES:
        expect(chair.main).to_contain_text(name)
    expect(chair.main).to_contain_text("TLP:RED")
    chair.press("Issue version 1")
    expect(chair.main.locator(BANNER)).to_contain_text("Pack version 1 issued")

    pdf = chair.download(re.compile(r"^PDF\W+version 1$"))
    text = " ".join(pdf_text(pdf).split())
    assert LIFTED in text and scene.rosemary.name in text
    assert "in force since" not in text  # the lifted embargo is not called in force
    for name in AGENCY_NAMES:
        assert name in text, name
    codes = [text[max(0, m.start() - 40) : m.end() + 40] for m in AGENCY_CODES.finditer(text)]
    assert not codes, codes
    assert scene.red_title not in text

    # Before the meeting's day the minutes cannot be approved, by the link or the address.
    expect(chair.main).not_to_contain_text("Approve the minutes")
    expect(chair.main).to_contain_text("The minutes can be approved from")
    chair.visit(f"/meetings/{meeting_id}/minutes/approve")
    expect(chair.main).to_contain_text("and not before")
    expect(chair.main.get_by_role("button", name="Approve the minutes")).to_have_count(0)

    # On the day: the confirmation page says what becomes permanent, then the minutes are final.
    with clock.fixed_today(MEETING_DAY):
        chair.visit(f"/meetings/{meeting_id}")
        chair.follow("Approve the minutes")
        chair.expect_heading("Approve the minutes")
        expect(chair.main).to_contain_text("What becomes permanent")
        chair.press("Approve the minutes")
        expect(chair.main).to_contain_text("Approved by")
        chair.visit(f"/meetings/{meeting_id}")
        expect(chair.main).to_contain_text("Minutes approved")

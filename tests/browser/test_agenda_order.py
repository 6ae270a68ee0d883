"""The chair orders the discussion list in one go and takes several providers off with one
reason: with JavaScript by "Move up" and "Move down" (no page load per step, one save),
without it by typing the numbers."""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import MeetingProvider, Provider, User
from tests.browser.people import Browsing, Person
from tests.browser.site import Scene, Site
from tests.browser.test_journeys import MEETING_DAY, create_meeting

NewContext = Callable[..., Browsing]
BANNER = ".govuk-notification-banner"


def _add_every_provider(site: Site, meeting_id: int, scene: Scene) -> None:
    """The chair has added the scene's providers by hand (quicker than five trips to the page)."""
    with site.app.app_context():
        chair = db.session.scalars(sa.select(User).where(User.email == scene.chair.email)).one()
        for provider_id in db.session.scalars(sa.select(Provider.id)):
            db.session.merge(
                MeetingProvider(
                    meeting_id=meeting_id,
                    provider_id=provider_id,
                    added=True,
                    reason="Partners asked for an update",
                    added_by_id=chair.id,
                )
            )
        db.session.commit()
        db.session.remove()


def _order(chair: Person) -> list[str]:
    """The providers' names in the discussion table, top to bottom."""
    table = chair.main.get_by_role("table", name=re.compile("for discussion"))
    return [name.strip() for name in table.locator("tbody tr th").all_inner_texts()]


def test_the_chair_orders_the_discussion_list_and_saves_it_once(
    new_context: NewContext, site: Site, scene: Scene, javascript: bool
) -> None:
    title = f"{'Agenda order' if javascript else 'Agenda numbers'} – {MEETING_DAY:%B %Y}"
    chair = Person(new_context(javascript), site, scene.chair)
    chair.sign_in()
    create_meeting(chair, title)
    meeting_id = int(re.findall(r"/meetings/(\d+)", chair.page.url)[0])
    _add_every_provider(site, meeting_id, scene)
    chair.visit(f"/meetings/{meeting_id}")
    before = _order(chair)
    assert len(before) == 5
    wanted = [before[-1], *before[1:-1], before[0]]  # the last first, the first last

    if javascript:
        chair.page.evaluate("window.stayed = true")  # gone if a step loaded a page
        for _ in range(4):
            chair.main.get_by_role("button", name=f"Move up {before[-1]}", exact=True).click()
        for _ in range(3):
            chair.main.get_by_role("button", name=f"Move down {before[0]}", exact=True).click()
        assert chair.page.evaluate("window.stayed === true")
        assert _order(chair) == wanted
        for place, name in enumerate(wanted, start=1):
            expect(chair.field(f"Order of {name}")).to_have_value(str(place))
        expect(chair.main.get_by_role("status")).to_contain_text(f"{before[0]} moved to 5 of 5")
    else:
        chair.field(f"Order of {before[-1]}").fill("1")
        chair.field(f"Order of {before[0]}").fill("9")
    chair.press("Save the order")
    expect(chair.main.locator(BANNER)).to_contain_text("The order of the discussion list is saved")
    assert _order(chair) == wanted

    for name in wanted[:2]:
        chair.field(f"Select {name}").check()
    chair.press("Take the selected off the agenda")  # no reason yet: the page says so
    expect(chair.main.locator(".govuk-error-summary")).to_contain_text(
        "Enter the reason for taking them off the agenda"
    )
    expect(chair.field(f"Select {wanted[0]}")).to_be_checked()
    chair.field("Why are the selected providers coming off the agenda?").fill(
        "Discussed at the provider forum"
    )
    chair.press("Take the selected off the agenda")
    expect(chair.main.locator(BANNER)).to_contain_text("2 providers taken off the agenda")
    assert _order(chair) == wanted[2:]
    taken_off = chair.main.locator("#removed + ul")
    for name in wanted[:2]:
        expect(taken_off).to_contain_text(f"{name}: Discussed at the provider forum")

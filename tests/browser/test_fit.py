"""Every page fits the window, for each role, on a phone (375 px) and a desktop (1280 px).

Each person signs in and goes through every page their links reach (one of each kind),
as a new user would; Person.arrived checks that each fits both windows (the document no
wider than the window, wide tables and figures scrolling in their own labelled box) and
runs axe-core on it. The scene is given a meeting, a concern decided at it, an embargo, a
contract monitoring visit and care monitoring data, so their pages are reached too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page

from portal import clock
from portal.ecm.importer import import_ecm
from portal.ecm.mappings import mapping_named
from portal.extensions import db
from portal.models import (
    Marking,
    Meeting,
    MeetingProvider,
    MeetingStatus,
    Provider,
    ProviderRating,
    Rating,
    RatingDomain,
    Role,
    User,
)
from tests import factories
from tests.browser.people import PHONE, VIEWPORT, Browsing, Person, fit_problems, page_kind
from tests.browser.site import Scene, Site

NewContext = Callable[..., Browsing]
#: Links a person follows only to download a file, or that end the visit.
NOT_PAGES = re.compile(r"\.(pdf|csv)(\?|$)|/attachments/|/sign-in|/sign-out|/static/|/healthz")
#: Enough for every kind of page a role's links reach in this scene.
MOST_PAGES = 60
MEETING_TITLE = "Merton Joint Intelligence Group – fitting"
#: Where a role lands after signing in, when not on the dashboard.
LANDS_ON = {"admin": "Newest intelligence you can read"}
ECM_HEADER = "visit_id,cqc_location_id,planned_start,planned_minutes,actual_start,actual_end\n"

#: A page's width depends on the browser and the templates, not on the database: the walk
#: through every role's pages runs on the embedded database alone (each database's pages are
#: still measured by every other browser journey, which checks the fit on each page too).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _care_visits(cqc_location_id: str, today: date) -> io.StringIO:
    """A home-care visit log over the last five months, some visits missed."""
    rows = [ECM_HEADER]
    for months_ago in range(5):
        day = (today.replace(day=1) - timedelta(days=31 * months_ago)).replace(day=5)
        for n in range(20):
            actual = ",," if n < months_ago * 2 else f",{day}T08:05,{day}T08:35"
            rows.append(f"F{months_ago}-{n},{cqc_location_id},{day}T08:00,30{actual}\n")
    return io.StringIO("".join(rows))


@pytest.fixture(scope="module")
def more_records(site: Site, scene: Scene) -> None:
    """A meeting with Cedar Lodge on its agenda, a concern decided at it, an embargo, a
    contract monitoring visit and care monitoring data: the pages they have are reached."""
    with site.app.app_context():
        chair = db.session.scalar(sa.select(User).where(User.email == scene.chair.email))
        member = db.session.scalar(sa.select(User).where(User.email == scene.member.email))
        assert chair is not None and member is not None
        cedar = db.session.get(Provider, scene.cedar.id)
        assert cedar is not None and cedar.cqc_location_id
        today = clock.today()
        meeting = Meeting(
            held_on=today - timedelta(days=20),
            title=MEETING_TITLE,
            location="Merton Civic Centre",
            chair=chair,
            status=MeetingStatus.PLANNED,
            agencies=[factories.agency("MERTON"), factories.agency("MPS")],
        )
        db.session.add(meeting)
        db.session.flush()
        db.session.add(
            MeetingProvider(
                meeting_id=meeting.id,
                provider_id=cedar.id,
                added=True,
                reason="Night staffing",
                added_by_id=chair.id,
            )
        )
        concern = factories.concern(cedar, chair)
        concern.stages[0].meeting = meeting
        factories.embargo(cedar, chair, boroughs=("Merton", "Sutton"))
        factories.contract_visit(
            member,
            cedar,
            findings={"dignity": ("met", "Residents were addressed by name and asked first.")},
        )
        # The widest row the lists meet: a long agency name, AMBER+STRICT, an extreme score.
        nurse = factories.user(
            Role.MEMBER,
            factories.agency("NWLICB", name="NHS North West London Integrated Care Board"),
        )
        factories.item(
            nurse,
            marking=Marking.AMBER_STRICT,
            provider=factories.provider(
                name="Ferndale Manor Nursing & Residential Home",
                postcode="SW19 2HL",
                cqc_location_id="1-46494442570",
                local_authority="Wandsworth",
                ratings=[
                    ProviderRating(
                        domain=RatingDomain.OVERALL,
                        rating=Rating.REQUIRES_IMPROVEMENT,
                        published_on=today - timedelta(days=90),
                    )
                ],
            ),
            title="Whistleblowers describe unexplained bruising on the nursing unit",
            likelihood=5,
            impact=5,
            observed_on=today - timedelta(days=1),
        )
        import_ecm(
            _care_visits(cedar.cqc_location_id, today),
            "fitting.csv",
            mapping_named("portal"),
            member.agency,
            Marking.GREEN,
        )
        db.session.commit()
        db.session.remove()


def links_to_pages(page: Page, site: Site) -> list[str]:
    """The paths of the pages the header, navigation and main content link to."""
    hrefs: list[str] = page.eval_on_selector_all(
        "header a[href], nav a[href], main a[href]", "links => links.map(a => a.href)"
    )
    paths = []
    for href in hrefs:
        path = href.split("#", 1)[0]
        if path.startswith(site.url) and not NOT_PAGES.search(path):
            paths.append(path.removeprefix(site.url) or "/")
    return paths


def visit_every_page(person: Person, first: list[str]) -> list[str]:
    """From the first paths on, every page the person's links reach, one of each kind (each
    checked as it is reached); the kinds visited."""
    visited: list[str] = []
    queue = list(first)
    while queue and len(visited) < MOST_PAGES:
        path = queue.pop(0)
        kind = page_kind(person.site(path))
        if kind in visited:
            continue
        visited.append(kind)
        person.visit(path)
        queue += [p for p in links_to_pages(person.page, person.site) if p not in queue]
    return visited


@pytest.mark.parametrize("role", ["chair", "member", "police", "viewer", "admin"])
def test_every_page_a_role_reaches_fits_a_phone_and_a_desktop_window(
    new_context: NewContext, site: Site, scene: Scene, more_records: None, role: str
) -> None:
    person = Person(new_context(javascript=True), site, getattr(scene, role))
    person.sign_in(lands_on=LANDS_ON.get(role, "Dashboard"))
    first = ["/", f"/providers?q={scene.cedar.postcode}", f"/providers/{scene.cedar.id}"]
    visited = visit_every_page(person, first)
    assert "/providers/N" in visited and "/account" in visited
    if role in ("chair", "member", "police"):
        assert "/meetings/N" in visited and "/concerns/N" in visited
    if role == "admin":
        assert "/admin/audit" in visited and "/admin/users" in visited
    if role == "viewer":
        person.visit("/meetings/new")  # a page the viewer may not open: the 403 page fits too
        person.expect_heading("You do not have permission to see this page")


def test_the_check_names_what_sticks_out_of_a_phone_window(
    new_context: NewContext, site: Site, scene: Scene
) -> None:
    person = Person(new_context(javascript=True), site, scene.member)
    person.visit("/sign-in")
    person.page.locator("main").evaluate(
        "main => { const wide = document.createElement('div'); wide.id = 'too-wide';"
        " wide.style.width = '700px'; wide.textContent = 'x'; main.append(wide); }"
    )
    problems = fit_problems(person.page)
    assert len(problems) == 1 and problems[0].startswith("7"), problems
    assert "375 px window" in problems[0] and "div#too-wide" in problems[0]


#: What a table or figure in its box shows on a desktop: no column cut off at its edge.
_CLIPPED = """() => [...document.querySelectorAll("main .portal-table-scroll")]
    .filter(box => !box.closest("details:not([open])") && box.scrollWidth > box.clientWidth + 1)
    .map(box => box.getAttribute("aria-labelledby"))"""


def test_the_intelligence_and_provider_lists_show_every_column_on_a_desktop(
    new_context: NewContext, site: Site, scene: Scene, more_records: None
) -> None:
    """The risk tags ("15 · Extreme") and distances are not cut off at the box's edge."""
    person = Person(new_context(javascript=True), site, scene.chair)
    person.sign_in()
    for path in ("/", "/intelligence", f"/providers?q={scene.cedar.postcode}"):
        person.visit(path)
        assert person.page.evaluate(_CLIPPED) == [], path
    expect_text = person.main.get_by_role("table").first.inner_text().replace("\xa0", " ")
    assert "0.0 km" not in expect_text and "under 0.1 km" in expect_text


#: Each text of the care-monitoring chart: its size on screen and whether it is inside the
#: drawing (not cut at its edge).
_CHART_TEXT = """() => {
    const svg = document.querySelector("main svg.portal-chart__svg--unscaled");
    const box = svg.viewBox.baseVal;
    return [...svg.querySelectorAll("text")].map(text => {
        const b = text.getBBox();
        return {
            text: text.textContent,
            pixels: parseFloat(text.getAttribute("font-size")) * text.getScreenCTM().a,
            inside: b.x >= box.x && b.y >= box.y && b.x + b.width <= box.x + box.width
                && b.y + b.height <= box.y + box.height,
        };
    });
}"""


@pytest.mark.parametrize("window", [PHONE, VIEWPORT], ids=["375", "1280"])
def test_the_care_monitoring_chart_is_readable_and_uncut_on_a_phone_and_a_desktop(
    new_context: NewContext, site: Site, scene: Scene, more_records: None, window: Any
) -> None:
    person = Person(new_context(javascript=True), site, scene.member)
    person.sign_in()
    person.visit(f"/providers/{scene.cedar.id}")
    person.page.set_viewport_size(window)
    texts = person.page.evaluate(_CHART_TEXT)
    assert any("threshold" in t["text"] for t in texts)
    assert [t["text"] for t in texts if t["pixels"] < 12 - 0.01] == []
    assert [t["text"] for t in texts if not t["inside"]] == []


#: The marking and risk a person sees in the first row of the intelligence table: the right
#: edge of each that is displayed (none when neither is).
_FIRST_ROW_TAGS = """() => {
    const row = document.querySelector("main .portal-table-scroll tbody tr:has(.portal-tlp)");
    return [...row.querySelectorAll(".portal-tlp, .portal-risk")]
        .filter(tag => tag.getClientRects().length > 0)
        .map(tag => [tag.className.split(" ").pop(), tag.getBoundingClientRect().right]);
}"""


def test_on_a_phone_the_intelligence_lists_show_the_marking_and_risk_without_scrolling(
    new_context: NewContext, site: Site, scene: Scene, more_records: None
) -> None:
    person = Person(new_context(javascript=True), site, scene.chair)
    person.sign_in()
    for path in ("/intelligence", f"/providers/{scene.cedar.id}"):
        person.visit(path)
        person.page.set_viewport_size(PHONE)
        shown = person.page.evaluate(_FIRST_ROW_TAGS)
        assert len(shown) == 2, (path, shown)  # each once: no column of its own as well
        assert all(right <= PHONE["width"] for _, right in shown), (path, shown)


def test_the_contract_visit_form_is_short_with_each_principle_named_once(
    new_context: NewContext, site: Site, scene: Scene
) -> None:
    """It was over 10,000 px long, each principle named twice; now each is a details block."""
    person = Person(new_context(javascript=True), site, scene.member)
    person.sign_in()
    person.visit(f"/providers/{scene.cedar.id}/contract-visits/new")
    person.expect_heading("Record a contract monitoring visit")
    assert person.page.evaluate("document.documentElement.scrollHeight") < 4000
    dignity = person.main.locator("details#principle-dignity")
    dignity.locator("summary").click()
    person.choose("Finding (dignity)", "Not met")
    assert person.field("Evidence (dignity) (optional)").is_visible()

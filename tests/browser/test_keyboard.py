"""Keyboard alone: Tab reaches every control of a page's main content, in order, visibly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, StorageState, expect

from tests.browser.people import Browsing, Person, new_browser_context
from tests.browser.site import Scene, Site

NewContext = Callable[..., Browsing]

#: What a keyboard user must be able to reach in the main content.
CONTROLS = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    "[tabindex]:not([tabindex='-1'])"
)

#: Marks each visible control of <main> with its place in the DOM; answers one stop per
#: control, except one per radio group (Tab enters a group once; arrows move within it).
_MARK_CONTROLS = """(selector) => {
    const stops = [];
    const groups = new Set();
    const controls = [...document.querySelectorAll("main")].flatMap(
        main => [...main.querySelectorAll(selector)]);
    controls.forEach((element, index) => {
        element.dataset.keyboardOrder = index;
        const hidden = !element.checkVisibility({visibilityProperty: true})
            && !(element.type === "radio" || element.type === "checkbox");
        if (hidden || element.disabled || element.closest("[hidden], details:not([open]) > div")) {
            return;
        }
        if (element.type === "radio") {
            if (groups.has(element.name)) return;
            groups.add(element.name);
        }
        stops.push({order: index, what: describe(element), radioGroup: element.type === "radio" ? element.name : null});
    });
    return stops;
    function describe(element) {
        const label = element.labels && element.labels[0] ? element.labels[0].innerText
            : (element.getAttribute("aria-label") || element.innerText || element.name || "");
        return `${element.tagName.toLowerCase()}${element.type ? "[" + element.type + "]" : ""} "${label.trim().slice(0, 40)}"`;
    }
}"""

#: What shows focus: the element's outline, box shadow and colours, or for GOV.UK radios and
#: checkboxes (whose input is invisible) those of the label's drawn box.
_FOCUS_STYLE = """(element) => {
    if (!element || element === document.body) return null;
    const drawn = (element.type === "radio" || element.type === "checkbox") && element.labels[0]
        ? getComputedStyle(element.labels[0], "::before") : getComputedStyle(element);
    return {
        order: element.dataset.keyboardOrder === undefined ? null : Number(element.dataset.keyboardOrder),
        radioGroup: element.type === "radio" ? element.name : null,
        style: [drawn.outlineStyle, drawn.outlineWidth, drawn.outlineColor, drawn.boxShadow,
                drawn.backgroundColor, drawn.color, drawn.borderWidth].join(" | "),
    };
}"""


@dataclass(frozen=True)
class Stop:
    """Where Tab put the focus: the control's place in the DOM and how it looked."""

    order: int | None
    radio_group: str | None
    style: str


def _focused(person: Person) -> Stop | None:
    found: dict[str, Any] | None = person.page.evaluate_handle("document.activeElement").evaluate(
        _FOCUS_STYLE
    )
    if found is None:
        return None
    return Stop(found["order"], found["radioGroup"], found["style"])


def _unfocused_style(person: Person, order: int) -> str:
    element = person.page.locator(f"main [data-keyboard-order='{order}']")
    return str(element.evaluate(_FOCUS_STYLE)["style"])


def tab_through(person: Person) -> list[str]:
    """Tab from the top of the page to its end; the problems found, if any."""
    expected: list[dict[str, Any]] = person.page.evaluate(_MARK_CONTROLS, CONTROLS)
    assert expected, "the page has no controls in its main content"
    resting = {stop["order"]: _unfocused_style(person, stop["order"]) for stop in expected}
    by_order = {stop["order"]: stop for stop in expected}
    radio_stop = {stop["radioGroup"]: stop["order"] for stop in expected if stop["radioGroup"]}
    reached: list[int] = []
    problems: list[str] = []
    for _ in range(len(expected) + 30):  # the header's links and a few more
        person.page.keyboard.press("Tab")
        stop = _focused(person)
        if stop is None:
            if reached:
                break  # past the end of the page
            continue
        if stop.order is None:
            continue  # the header's links
        order = radio_stop.get(stop.radio_group, stop.order) if stop.radio_group else stop.order
        if order not in by_order:
            problems.append(f"Tab reached a control that looks hidden: #{stop.order}")
            continue
        what = by_order[order]["what"]
        if reached and order <= reached[-1]:
            problems.append(f"{what} is reached out of order, after #{reached[-1]}")
        if stop.style == resting[order]:
            problems.append(f"{what} shows no visible focus")
        reached.append(order)
    missed = [stop["what"] for stop in expected if stop["order"] not in reached]
    if missed:
        problems.append("Tab never reaches: " + "; ".join(missed))
    return problems


@pytest.fixture(scope="module")
def signed_in(browser: Browser, site: Site, scene: Scene) -> dict[bool, StorageState]:
    """The council member's cookies after signing in, with and without JavaScript (once)."""
    states: dict[bool, StorageState] = {}
    for javascript in (True, False):
        browsing = new_browser_context(browser, javascript=javascript)
        Person(browsing, site, scene.member).sign_in()
        states[javascript] = browsing.context.storage_state()
        browsing.context.close()
    return states


@pytest.fixture
def member(
    new_context: NewContext,
    site: Site,
    scene: Scene,
    javascript: bool,
    signed_in: dict[bool, StorageState],
) -> Person:
    """The council member, signed in (the journeys sign in each time; here it is not the point)."""
    browsing = new_context(javascript, storage_state=signed_in[javascript])
    return Person(browsing, site, scene.member)


def test_a_keyboard_user_reaches_every_control_of_the_sign_in_page_in_order(
    new_context: NewContext, site: Site, scene: Scene, javascript: bool
) -> None:
    person = Person(new_context(javascript), site, scene.member)
    person.visit("/sign-in")
    assert tab_through(person) == []


def test_a_keyboard_user_skips_the_header_straight_to_the_main_content(member: Person) -> None:
    member.visit("/search")
    member.page.keyboard.press("Tab")
    expect(member.page.locator(":focus")).to_have_text("Skip to main content")
    member.page.keyboard.press("Enter")
    member.page.keyboard.press("Tab")
    expect(member.page.locator(":focus")).to_have_accessible_name(
        "Search intelligence and providers"
    )


def test_a_keyboard_user_reaches_every_control_of_the_log_intelligence_form_in_order(
    member: Person, scene: Scene
) -> None:
    member.visit(f"/intelligence/new?provider_id={scene.cedar.id}")
    member.expect_heading("Log intelligence")
    assert tab_through(member) == []


def test_a_keyboard_user_reaches_every_control_of_the_search_page_in_order(
    member: Person,
) -> None:
    member.visit("/search?q=staffing")
    member.expect_heading("Search")
    assert tab_through(member) == []


def test_the_keyboard_check_notices_a_control_without_focus_or_out_of_order(
    new_context: NewContext, site: Site, scene: Scene
) -> None:
    person = Person(new_context(javascript=True), site, scene.member)
    person.visit("/sign-in")
    person.page.add_style_tag(
        content="#email:focus { outline: none !important; box-shadow: none !important; }"
    )
    person.main.get_by_role("button", name="Sign in").evaluate("b => b.tabIndex = 1")
    problems = tab_through(person)
    assert 'input[email] "Email address" shows no visible focus' in problems
    assert any(
        p.startswith('input[email] "Email address" is reached out of order') for p in problems
    )

"""Logging a TLP:RED item from the provider's page: the recipients are chosen by name and
agency, with the keyboard alone in the autocomplete (with JavaScript) or from the plain select
(without); the recipients and the handling conditions show only under the choice they belong
to when JavaScript runs, and always without it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import expect

from portal import clock
from tests.browser.people import Browsing, Person
from tests.browser.site import Scene, Site

NewContext = Callable[..., Browsing]


def _fill_in_what_happened(person: Person, title: str) -> None:
    observed = clock.today() - timedelta(days=1)
    person.field("Day").fill(str(observed.day))
    person.field("Month").fill(str(observed.month))
    person.field("Year").fill(str(observed.year))
    person.field("Title").fill(title)
    person.field("What you learnt").fill("A disclosure made to a support worker last night.")
    person.choose("Which key question is it about?", "Safe")
    person.choose("How likely is it to happen again?", "3 ")
    person.choose("How much harm could it cause?", "5 ")
    person.choose("Source evaluation", "2 ")
    person.choose("Intelligence assessment", "B ")


def _fits(person: Person, width: int) -> None:
    """At this window width the page is no wider than the window."""
    person.page.set_viewport_size({"width": width, "height": 900})
    assert person.page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_member_logs_a_red_item_for_a_person_chosen_by_name_and_agency(
    new_context: NewContext, site: Site, scene: Scene, javascript: bool
) -> None:
    title = f"Disclosure to a support worker ({'picker' if javascript else 'select'})"
    person = Person(new_context(javascript), site, scene.member)
    person.sign_in()
    person.visit(f"/providers/{scene.cedar.id}")
    with person.page.expect_navigation():
        person.main.get_by_role("button", name="Log intelligence about this provider").click()
    person.arrived()
    person.expect_heading("Log intelligence")
    expect(person.main).to_contain_text(f"About {scene.cedar.name}")
    _fill_in_what_happened(person, title)

    conditions = person.field("Handling conditions")
    if javascript:  # revealed only under the choice they belong to
        expect(conditions).to_be_hidden()
        expect(person.field("Recipients")).to_be_hidden()
    else:  # without JavaScript both are always there, under their choice
        expect(conditions).to_be_visible()
        expect(person.field("Recipients")).to_be_visible()
    person.choose("Handling code", "C ")
    expect(conditions).to_be_visible()
    conditions.fill("Not to be shared with the provider.")

    red = person.main.get_by_role("radio", name=re.compile("^TLP:RED"))
    red.focus()
    person.page.keyboard.press("Space")
    expect(red).to_be_checked()
    recipients = person.field("Recipients")
    expect(recipients).to_be_visible()
    for width in (375, 1280):
        _fits(person, width)

    chosen = f"{scene.police.name}, Metropolitan Police Service"
    if javascript:
        # The keyboard alone: Tab from the radio into the box, type, arrow down, Enter.
        person.page.keyboard.press("Tab")
        expect(recipients).to_be_focused()
        person.page.keyboard.type("metropolitan")
        listbox = person.main.get_by_role("listbox")
        expect(listbox.get_by_role("option")).to_have_count(1)
        person.page.keyboard.press("ArrowDown")
        expect(recipients).to_have_attribute("aria-expanded", "true")
        person.page.keyboard.press("Enter")  # chooses; does not send the form
        expect(person.main.get_by_role("list", name=re.compile("^Chosen"))).to_contain_text(chosen)
        expect(person.main.get_by_role("status").last).to_contain_text(f"{chosen}, added")
        expect(recipients).to_be_focused()
        expect(recipients).to_have_value("")
        person.page.keyboard.type("nobody at all")
        expect(listbox).to_contain_text("No one who can sign in matches")
        person.page.keyboard.press("Escape")
        expect(listbox).to_be_hidden()
    else:
        recipients.select_option(label=scene.police.name)

    person.press("Log intelligence")
    person.expect_heading(title)
    expect(person.main).to_contain_text(f"{scene.police.name} (MPS)")
    expect(person.main).to_contain_text("Not to be shared with the provider.")
    expect(person.main).to_contain_text("no further disclosure")


def test_taking_a_recipient_off_again_with_the_keyboard(
    new_context: NewContext, site: Site, scene: Scene
) -> None:
    person = Person(new_context(True), site, scene.member)
    person.sign_in()
    person.visit(f"/intelligence/new?provider_id={scene.cedar.id}")
    person.choose("Sharing marking", "TLP:RED")
    recipients = person.field("Recipients")
    recipients.focus()
    person.page.keyboard.type("claire")
    person.page.keyboard.press("ArrowDown")
    person.page.keyboard.press("Enter")
    chosen = person.main.get_by_role("list", name=re.compile("^Chosen"))
    expect(chosen).to_contain_text("Claire Donovan, Care Quality Commission")
    person.main.get_by_role("button", name="Remove Claire Donovan").focus()
    person.page.keyboard.press("Enter")
    expect(chosen.get_by_role("listitem")).to_have_count(0)
    expect(person.main).to_contain_text("No one chosen yet")
    expect(recipients).to_be_focused()
    # The form sends no one: the hidden select holds nobody.
    assert (
        person.page.evaluate(
            "document.querySelector('select[name=recipients]').selectedOptions.length"
        )
        == 0
    )

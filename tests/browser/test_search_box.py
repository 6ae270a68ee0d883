"""The search box as a police officer uses it: a postcode typed without its space, a provider's
name with other words; on a phone (375 px) and a desktop (1280 px) alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.people import Browsing, Person
from tests.browser.site import Scene, Site

NewContext = Callable[..., Browsing]


def search_for(person: Person, text: str) -> None:
    """Type the text into the search box and search."""
    person.field("Search intelligence and providers").fill(text)
    person.press("Search")


def page_width(person: Person) -> int:
    """How wide the page is drawn (wider than the window means it scrolls sideways)."""
    return int(person.page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.parametrize("width", [375, 1280])
def test_a_police_officer_finds_a_provider_by_its_postcode_or_name_and_its_readable_items(
    new_context: NewContext, site: Site, scene: Scene, javascript: bool, width: int
) -> None:
    person = Person(new_context(javascript), site, scene.police)
    person.page.set_viewport_size({"width": width, "height": 900})
    person.visit("/search")
    person.sign_in(lands_on="Search")

    search_for(person, scene.rosemary.postcode.lower().replace(" ", ""))
    places = person.main.locator("#places")
    expect(places).to_contain_text(f"Providers in and near {scene.rosemary.postcode}")
    first = places.locator("tbody tr").first
    expect(first).to_contain_text(scene.rosemary.name)
    expect(first).to_contain_text("km")
    results = person.main.locator(".portal-search-results")
    expect(results).to_contain_text(scene.green_title)
    expect(person.main).not_to_contain_text(scene.red_title)
    assert page_width(person) <= width

    search_for(person, "visiting rosemary court")
    expect(places).to_contain_text("Providers named like “rosemary court”")
    expect(places.locator("tbody tr")).to_have_count(1)
    expect(results.locator("li")).to_have_count(1)
    expect(results).to_contain_text(scene.green_title)
    assert page_width(person) <= width

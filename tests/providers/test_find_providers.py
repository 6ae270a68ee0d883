"""find_providers: the picker's one entry point, by CQC ID, postcode or name."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.providers.names import name_key
from portal.providers.search import find_providers, match_providers
from tests import factories


def make(name: str, **fields):
    """A provider whose name_key is made the way the importer makes it."""
    return factories.provider(name=name, name_key=name_key(name), **fields)


@pytest.fixture
def register(app):
    providers = {
        "george": make(
            "St. George's Care Home",
            cqc_location_id="1-111111111",
            cqc_provider_id="1-900000001",
            postcode="SW19 2HL",
            postcode_district="SW19",
            latitude=51.4183,
            longitude=-0.1970,
        ),
        "george_lodge": make(
            "St George’s Lodge",
            cqc_location_id="1-222222222",
            cqc_provider_id="1-900000001",
            postcode="SW19 8AA",
            postcode_district="SW19",
        ),
        "anne": make(
            "St Anne's Nursing Home",
            cqc_location_id="1-333333333",
            postcode="SW20 0AB",
            postcode_district="SW20",
            latitude=51.4100,
            longitude=-0.2270,
        ),
        "oak": make("Oak Lodge", cqc_location_id="1-444444444", postcode="CR4 1AA"),
        "gregory": make("St Gregory's House", cqc_location_id="1-555555555", postcode="SW19 1AA"),
    }
    db.session.commit()
    return providers


def names(providers) -> list[str]:
    return [p.name for p in providers]


@pytest.mark.parametrize(
    "typed",
    ["St Georges", "st gorges", "ST. GEORGE'S", "st george’s care home", "st georges care hme"],
)
def test_a_name_typed_any_way_or_with_one_wrong_letter_finds_st_georges(register, typed):
    assert "St. George's Care Home" in names(find_providers(typed))


@pytest.mark.parametrize("typed", ["st georges care home", "St Georges Care Hme", "st georgs care"])
def test_the_closest_name_comes_first(register, typed):
    assert names(find_providers(typed)) == ["St. George's Care Home"]


def test_an_exact_word_beats_a_typo(register):
    assert names(find_providers("St Georges Lodge"))[0] == "St George’s Lodge"
    assert names(find_providers("st gregorys")) == ["St Gregory's House"]


def test_a_word_no_provider_has_finds_nothing(register):
    assert find_providers("Zebra Crossing Manor") == []


def test_a_cqc_location_id_finds_that_location(register):
    assert names(find_providers(" 1-333333333 ")) == ["St Anne's Nursing Home"]


def test_a_cqc_provider_id_finds_all_its_locations(register):
    assert sorted(names(find_providers("1-900000001"))) == [
        "St George’s Lodge",
        "St. George's Care Home",
    ]


def test_a_full_postcode_puts_the_provider_there_first_then_its_neighbours(register):
    found = names(find_providers("sw192hl"))
    assert found[0] == "St. George's Care Home"
    assert set(found) == {"St. George's Care Home", "St George’s Lodge", "St Gregory's House"}


def test_a_district_search_is_sorted_by_distance_with_distances(register):
    matches = match_providers("SW19")
    george = register["george"]
    assert george.id in matches.ids
    assert matches.distances[george.id].text.startswith("about ")


def test_an_area_search_finds_every_district_in_it(register):
    assert set(names(find_providers("sw"))) >= {"St. George's Care Home", "St Anne's Nursing Home"}


def test_an_invalid_postcode_gets_a_message_not_just_an_empty_list(register):
    matches = match_providers("SW19 2CI")
    assert matches.ids == []
    assert "not a valid UK postcode" in matches.message


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "   ",
        None,
        42,
        "\x00",
        "%",
        "_",
        "'",
        "1-",
        "a" * 5000,
        "SW19\x00 2HL",
        "🙂",
        "DROP TABLE",
    ],
)
def test_any_input_at_all_answers_without_an_error(register, junk):
    assert isinstance(find_providers(junk), list)


def test_the_limit_is_kept(register):
    assert len(find_providers("st", limit=2)) <= 2

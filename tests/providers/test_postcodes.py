"""What a user notices when searching providers by postcode, area, district or sector."""

import csv
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.postcodes import (
    DATA_DIR,
    LEVELS,
    InvalidPostcode,
    Postcode,
    area_centroid,
    centroid,
    district_centroid,
    district_exists,
    district_place,
    haversine_km,
    is_valid_postcode,
    matches,
    normalise_postcode,
    parse_postcode,
    postcode_sort_key,
    sql_prefix,
)

# The format rules written out independently of the module, so the generated postcodes test
# the module's regular expressions rather than repeat them.
FIRST_LETTERS = "ABCDEFGHIJKLMNOPRSTUWYZ"  # never Q, V, X
SECOND_LETTERS = "ABCDEFGHKLMNOPQRSTUVWXY"  # never I, J, Z
A9A_THIRD_LETTERS = "ABCDEFGHJKPSTUW"
AA9A_FOURTH_LETTERS = "ABEHMNPRVWXY"
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # never C, I, K, M, O, V
DIGITS = "0123456789"
WHITESPACE = [" ", "  ", "\t", "\xa0", " \xa0 "]

# No example database: the suite should leave nothing behind in the working tree.
FAST = settings(max_examples=150, deadline=None, database=None)


def letter(alphabet):
    return st.sampled_from(alphabet)


def joined(*parts):
    return st.tuples(*parts).map("".join)


outward_codes = st.one_of(
    joined(letter(FIRST_LETTERS), letter(DIGITS)),  # A9
    joined(letter(FIRST_LETTERS), letter(DIGITS), letter(DIGITS)),  # A99
    joined(letter(FIRST_LETTERS), letter(SECOND_LETTERS), letter(DIGITS)),  # AA9
    joined(letter(FIRST_LETTERS), letter(SECOND_LETTERS), letter(DIGITS), letter(DIGITS)),
    joined(letter(FIRST_LETTERS), letter(DIGITS), letter(A9A_THIRD_LETTERS)),  # A9A
    joined(
        letter(FIRST_LETTERS), letter(SECOND_LETTERS), letter(DIGITS), letter(AA9A_FOURTH_LETTERS)
    ),  # AA9A
).filter(lambda outward: not outward.startswith("BF"))  # BFPO is out of scope
inward_codes = joined(letter(DIGITS), letter(INWARD_LETTERS), letter(INWARD_LETTERS))
units = st.tuples(outward_codes, inward_codes).map(" ".join)


@st.composite
def retyped(draw, unit):
    """The same unit as a user might type it: any case, whitespace anywhere or nowhere."""
    # One seeded Random rather than a draw per character keeps each example cheap.
    rnd = draw(st.randoms(use_true_random=False))
    typed = []
    for char in unit.replace(" ", ""):
        typed.append(rnd.choice(["", "", "", *WHITESPACE]))
        typed.append(rnd.choice([char.lower(), char.upper()]))
    typed.append(rnd.choice(["", *WHITESPACE]))
    return "".join(typed)


@st.composite
def units_as_typed(draw):
    unit = draw(units)
    return unit, draw(retyped(unit))


# --- reading what was typed ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "area", "district"),
    [
        ("M1 1AE", "M", "M1"),  # A9
        ("B33 8TH", "B", "B33"),  # A99
        ("CR2 6XH", "CR", "CR2"),  # AA9
        ("DN55 1PT", "DN", "DN55"),  # AA99
        ("W1A 0AX", "W", "W1A"),  # A9A
        ("EC1A 1BB", "EC", "EC1A"),  # AA9A
    ],
)
def test_every_shape_of_uk_postcode_is_read_as_a_full_postcode(typed, area, district):
    postcode = parse_postcode(typed)
    assert postcode == Postcode(
        area=area, district=district, sector=typed[:-2], unit=typed, level="unit"
    )
    assert str(postcode) == typed


def test_a_postcode_typed_in_lower_case_without_a_space_is_read_as_the_full_postcode():
    assert str(parse_postcode("sw192hl")) == "SW19 2HL"
    assert parse_postcode("sw192hl").level == "unit"


@pytest.mark.parametrize(
    "typed",
    [" SW19  2HL ", "SW19\t2HL", "SW19\xa02HL", "s w 1 9 2 h l", "SW192 HL", "\nsw19 2hl\n"],
)
def test_stray_spaces_tabs_and_non_breaking_spaces_do_not_change_the_postcode(typed):
    assert parse_postcode(typed) == parse_postcode("SW19 2HL")


@pytest.mark.parametrize("typed", ["SW", "sw", " Sw ", "E", "e"])
def test_letters_alone_search_a_whole_postcode_area(typed):
    postcode = parse_postcode(typed)
    assert postcode.level == "area"
    assert str(postcode) == typed.strip().upper()
    assert postcode.district is postcode.sector is postcode.unit is None


@pytest.mark.parametrize("typed", ["SW19", "sw19", "  SW19  ", "SW1A", "e1w"])
def test_the_first_part_of_a_postcode_searches_its_district(typed):
    postcode = parse_postcode(typed)
    assert postcode.level == "district"
    assert str(postcode) == typed.strip().upper()
    assert postcode.sector is postcode.unit is None


@pytest.mark.parametrize(
    ("typed", "sector"),
    [
        ("SW19 2", "SW19 2"),
        ("sw19  2", "SW19 2"),
        ("SW192", "SW19 2"),
        ("sw19\t2", "SW19 2"),
        ("SW1A1", "SW1A 1"),
        ("E1 2", "E1 2"),
    ],
)
def test_the_first_part_and_one_digit_search_a_postcode_sector(typed, sector):
    postcode = parse_postcode(typed)
    assert postcode.level == "sector"
    assert str(postcode) == sector
    assert postcode.unit is None


def test_a_space_decides_between_a_district_and_a_sector_that_are_spelt_alike():
    assert str(parse_postcode("E1 2")) == "E1 2"
    assert parse_postcode("E1 2").level == "sector"
    assert str(parse_postcode("E12")) == "E12"
    assert parse_postcode("E12").level == "district"


def test_without_a_space_a_real_district_wins_over_a_sector_reading():
    assert parse_postcode("N12").level == "district"  # N12 exists; N1 2 would also be valid
    assert parse_postcode("SW192").level == "sector"  # SW192 cannot be a district
    # AA12 is well formed but no such district exists, so the sector AA1 2 is meant.
    assert str(parse_postcode("AA12")) == "AA1 2"


def test_the_girobank_postcode_is_accepted_as_its_own_area_and_district():
    postcode = parse_postcode("gir0aa")
    assert postcode == Postcode(
        area="GIR", district="GIR", sector="GIR 0", unit="GIR 0AA", level="unit"
    )
    assert parse_postcode("GIR").level == "district"
    assert centroid(postcode) is None  # non-geographic
    assert not is_valid_postcode("GIR 1AA")


# --- rejecting what is not a postcode ---------------------------------------------------------


def test_an_empty_search_asks_for_a_postcode():
    for typed in ["", "   ", "\t\xa0", None]:
        with pytest.raises(InvalidPostcode, match="Enter a postcode"):
            parse_postcode(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "HELLO",
        "SW19 2HLL",  # inward code too long
        "Q1 1AA",  # Q never starts a postcode
        "V1 1AA",
        "X1 1AA",
        "AI1 1AA",  # I, J, Z never second
        "AJ1 1AA",
        "AZ1 1AA",
        "W1L 1AA",  # L not allowed third in A9A
        "EC1C 1BB",  # C not allowed fourth in AA9A
        "SW99X 1",
        "SW1 1A",
        "1AA",
        "SW19 22",
        "OK",  # two letters but not a postcode area
        "ß1 1AA",  # upper-cases to SS1 1AA, but is not what anyone types for a postcode
    ],
)
def test_text_that_is_not_a_postcode_is_refused_with_a_message_showing_what_was_typed(typed):
    with pytest.raises(InvalidPostcode) as caught:
        parse_postcode(typed)
    message = str(caught.value)
    assert f"“{typed}” is not a valid UK postcode, postcode district or area." in message
    assert "SW19 2HL" in message and "SW19." in message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("letter_", list("CIKMOV"))
def test_the_last_part_of_a_postcode_never_contains_easily_misread_letters(letter_):
    for inward in (f"2{letter_}L", f"2H{letter_}"):
        with pytest.raises(InvalidPostcode):
            parse_postcode(f"SW19 {inward}")


def test_a_very_long_input_is_cut_short_in_the_message():
    with pytest.raises(InvalidPostcode) as caught:
        parse_postcode("x" * 500)
    assert len(str(caught.value)) < 200
    assert "…" in str(caught.value)


@pytest.mark.parametrize("typed", ["BFPO 123", "bfpo123", "BF1 3AD", "BF1"])
def test_forces_addresses_are_refused_with_a_message_saying_they_are_not_covered(typed):
    with pytest.raises(InvalidPostcode, match=r"British Forces \(BFPO\)"):
        parse_postcode(typed)


def test_validity_and_storage_form_agree_with_parsing():
    assert is_valid_postcode("sw19") and not is_valid_postcode("sw19", full=True)
    assert is_valid_postcode("sw192hl", full=True)
    assert not is_valid_postcode("HELLO")
    assert normalise_postcode(" sw19\xa02hl ") == "SW19 2HL"
    assert normalise_postcode("SW19") is None
    assert normalise_postcode("HELLO") is None
    assert normalise_postcode(None) is None


# --- locating -------------------------------------------------------------------------------


def test_districts_and_areas_are_placed_at_their_centroids():
    assert district_centroid("SW19") == pytest.approx((51.4223, -0.20525))
    assert district_centroid("ha1") == pytest.approx((51.5813, -0.33618))
    assert area_centroid("HA") == pytest.approx((51.5853, -0.33612))
    assert centroid(parse_postcode("HA")) == area_centroid("HA")
    assert district_place("SW19") == "Merton"


def test_a_full_postcode_or_sector_is_placed_at_its_districts_centroid():
    assert centroid(parse_postcode("SW19 2HL")) == district_centroid("SW19")
    assert centroid(parse_postcode("SW19 2")) == district_centroid("SW19")


def test_non_geographic_and_unknown_districts_have_no_centroid():
    assert district_exists("W1E") and district_centroid("W1E") is None
    assert district_exists("BN91") and centroid(parse_postcode("BN91 1AA")) is None
    assert not district_exists("AA1") and district_centroid("AA1") is None
    assert area_centroid("ZZ") is None
    assert district_place("GIR") is None


def test_island_areas_without_an_area_row_are_still_searchable_and_placed():
    assert parse_postcode("JE").level == "area"
    lat, lon = centroid(parse_postcode("JE"))
    assert 49.1 < lat < 49.3 and -2.3 < lon < -2.0


def test_london_to_manchester_is_about_262_km():
    assert haversine_km(51.5074, -0.1278, 53.4808, -2.2426) == pytest.approx(262, abs=2)
    assert haversine_km(51.5, -0.1, 51.5, -0.1) == 0


# --- ordering and matching -------------------------------------------------------------------


def test_postcodes_sort_in_natural_order_with_unreadable_ones_last():
    typed = ["SW19 2HL", None, "SW2 1AA", "sw1a 1aa", "HELLO", "SW19", "SW", "SW1 1AA", "SW19 1"]
    assert sorted(typed, key=postcode_sort_key) == [
        "SW",
        "SW1 1AA",
        "sw1a 1aa",
        "SW2 1AA",
        "SW19",
        "SW19 1",
        "SW19 2HL",
        "HELLO",
        None,
    ]


def test_an_area_does_not_take_in_areas_that_start_with_the_same_letter():
    assert matches(parse_postcode("SW"), "SW1A 1AA")
    assert not matches(parse_postcode("E"), "EC1A 1BB")
    assert matches(parse_postcode("E"), "E1W 1AA")


def test_a_district_does_not_take_in_longer_districts_that_start_the_same():
    assert not matches(parse_postcode("SW1"), "SW19 2HL")
    assert not matches(parse_postcode("SW1"), "SW1A 1AA")
    assert matches(parse_postcode("SW19"), "sw192hl")


def test_sectors_and_units_match_only_themselves():
    assert matches(parse_postcode("SW19 2"), "SW19 2HL")
    assert not matches(parse_postcode("SW19 2"), "SW19 1AA")
    assert matches(parse_postcode("sw19 2hl"), " SW19  2HL ")
    assert not matches(parse_postcode("SW19 2HL"), "SW19 2HJ")


def test_providers_with_missing_or_bad_postcodes_never_match():
    query = parse_postcode("SW")
    for provider_postcode in [None, "", "HELLO", "SW19", "SW19 2HLL"]:
        assert not matches(query, provider_postcode)


def test_sql_patterns_select_exactly_the_stored_postcodes_inside_the_query():
    assert sql_prefix(parse_postcode("sw192hl")) == ("SW19 2HL",)
    assert sql_prefix(parse_postcode("SW19 2")) == ("SW19 2%",)
    assert sql_prefix(parse_postcode("SW19")) == ("SW19 %",)
    assert sql_prefix(parse_postcode("SW")) == ("SW%",)
    assert sql_prefix(parse_postcode("E")) == tuple(f"E{d}%" for d in DIGITS)


# --- properties ---------------------------------------------------------------------------------

_db = sqlite3.connect(":memory:")


def like_any(value, patterns):
    return any(_db.execute("SELECT ? LIKE ?", (value, p)).fetchone()[0] for p in patterns)


@FAST
@given(units_as_typed())
def test_a_full_postcode_reads_the_same_however_it_is_typed(case):
    unit, typed = case
    postcode = parse_postcode(typed)
    assert postcode.level == "unit"
    assert str(postcode) == unit
    assert parse_postcode(str(postcode)) == postcode
    assert normalise_postcode(typed) == unit


@FAST
@given(units, st.sampled_from(["district", "sector"]), st.sampled_from(WHITESPACE), st.booleans())
def test_a_district_or_sector_reads_the_same_in_any_case_and_amount_of_space(
    unit, level, space, lower
):
    query = parse_postcode(str(parse_postcode(unit).at(level)))
    typed = space + str(query).replace(" ", space) + space
    assert parse_postcode(typed.lower() if lower else typed) == query
    assert parse_postcode(str(query)) == query


def test_every_current_district_in_the_data_reads_back_as_itself():
    with (DATA_DIR / "postcode-districts.csv").open(encoding="utf-8") as handle:
        districts = [row["district"] for row in csv.DictReader(handle)]
    readable = [d for d in districts if is_valid_postcode(d)]
    assert len(readable) > 3000
    for district in readable:
        assert str(parse_postcode(district)) == district
        assert parse_postcode(district).level == "district"


# Any code point at all (lone surrogates included, as a broken form post could send), mixed
# with the characters postcodes are made of. Built from integers because st.text() first makes
# Hypothesis build a Unicode table, which costs seconds on a fresh checkout.
any_character = st.one_of(
    st.integers(min_value=0, max_value=0x10FFFF).map(chr),
    st.sampled_from("ABCEGIRSWFPOabgirsw0129 \t\n\xa0\u2003ßﬁı"),
)
any_text = st.lists(any_character, max_size=16).map("".join)


@FAST
@given(any_text)
def test_any_text_either_reads_as_a_postcode_or_is_refused_cleanly(typed):
    try:
        postcode = parse_postcode(typed)
    except InvalidPostcode as refused:
        assert str(refused)
    else:
        assert postcode.level in LEVELS
        assert parse_postcode(str(postcode)) == postcode


@FAST
@given(units_as_typed(), st.sampled_from(LEVELS))
def test_a_provider_always_matches_a_search_built_from_its_own_postcode(case, level):
    unit, typed = case
    assert matches(parse_postcode(unit).at(level), typed)


@FAST
@given(units, units, st.sampled_from(LEVELS), st.booleans())
def test_sql_patterns_agree_with_matches(stored, other, level, own):
    query = parse_postcode(stored if own else other).at(level)
    assert like_any(stored, sql_prefix(query)) == matches(query, stored)


def _unit_by_whole_reading(text):
    try:
        return parse_postcode(text).unit
    except InvalidPostcode:
        return None


postcode_like = st.text(alphabet="ABFGIRSWbfgirsw0123456789 \xa0ẞß", max_size=10)


@FAST
@given(
    st.one_of(
        units_as_typed().map(lambda case: case[1]),
        postcode_like,
        st.text(max_size=12),
        st.sampled_from(["GIR 0AA", "gir0aa", "BF1 2AB", "BFPO 123", "SW19 2HL", "ẞ1 2AB"]),
    )
)
def test_normalising_a_postcode_agrees_with_the_whole_reading(text):
    """normalise_postcode's one-match reading of a unit (the import's) never differs from
    parse_postcode's: the same stored form for a unit, None for everything else."""
    assert normalise_postcode(text) == _unit_by_whole_reading(text)

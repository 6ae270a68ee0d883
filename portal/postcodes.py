"""UK postcodes: read what a user types, locate it, and match providers' postcodes against it.

A search can name a postcode at four levels, from the coarsest:

    area      SW          the letters before the first digit
    district  SW19        the outward code (the part before the space)
    sector    SW19 2      the outward code and the first digit of the inward code
    unit      SW19 2HL    a full postcode

Formats follow Royal Mail's rules for the outward code (A9, A99, AA9, AA99, A9A, AA9A, with
the letter restrictions at each position) and the inward code (9AA, never C, I, K, M, O or V).

Special cases, decided here once so every caller agrees:

* ``GIR 0AA`` (the old Girobank postcode) is accepted as a full postcode. It has no area in
  the usual sense, so ``GIR`` is both its area and its district; ``GIR 0`` is its sector and
  only ``GIR 0AA`` is a valid unit. It is non-geographic, so it has no centroid.
* BFPO addresses (``BFPO 123`` and the ``BF`` postcode area) are out of scope and rejected
  with a message saying so.
* Non-geographic districts (``W1E``, ``BN91``, ...) are valid; their centroid is ``None``.
* A few terminated districts in the data (``W1M``, ``W1N``, ``NPT``, ...) break today's
  format rules; they can be looked up by name but are not accepted as typed queries.

Centroids come from ``portal/data/`` (see the README there for source and licence). They are
centroids of districts, so any distance built on them is approximate.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

__all__ = [
    "LEVELS",
    "InvalidPostcode",
    "Level",
    "Postcode",
    "area_centroid",
    "centroid",
    "district_centroid",
    "district_exists",
    "district_place",
    "haversine_km",
    "is_valid_postcode",
    "matches",
    "normalise_postcode",
    "parse_postcode",
    "postcode_sort_key",
    "sql_prefix",
]

Level = Literal["area", "district", "sector", "unit"]
LEVELS: tuple[Level, ...] = ("area", "district", "sector", "unit")

DATA_DIR = Path(__file__).resolve().parent / "data"

# Position rules: Q, V, X never start a postcode; I, J, Z are never second; the trailing
# letter of A9A and AA9A districts comes from short fixed lists. Explicit [0-9] rather than
# \d so that non-ASCII digits are never accepted.
_FIRST = "A-PR-UWYZ"
_SECOND = "A-HK-Y"
_OUTWARD_RE = re.compile(
    rf"[{_FIRST}](?:[0-9][0-9]?|[{_SECOND}][0-9][0-9]?|[0-9][ABCDEFGHJKPSTUW]"
    rf"|[{_SECOND}][0-9][ABEHMNPRVWXY])"
)
_AREA_RE = re.compile(rf"[{_FIRST}][{_SECOND}]?")
# The inward letters exclude C, I, K, M, O and V because they are easily misread.
_INWARD_RE = re.compile("[0-9][ABD-HJLNP-UW-Z]{2}")
# A whole unit postcode with its spaces taken out: the common case, read in one match.
_UNIT_RE = re.compile(f"({_OUTWARD_RE.pattern})({_INWARD_RE.pattern})")
_DISTRICT_PARTS_RE = re.compile("([A-Z]+)([0-9]*)([A-Z]?)")
_LEADING_LETTERS_RE = re.compile("[A-Z]*")


def _leading_letters(text: str) -> str:
    """The capital letters a text starts with (perhaps none)."""
    match = _LEADING_LETTERS_RE.match(text)
    return match.group() if match else ""


def _district_parts(district: str) -> tuple[str, str, str]:
    """A district's letters, number and suffix letter: SW19 -> (SW, 19, ""); W1A -> (W, 1, A)."""
    match = _DISTRICT_PARTS_RE.fullmatch(district)
    if match is None:
        raise ValueError(f"{district!r} is not a postcode district")
    letters, number, suffix = match.groups()
    return letters, number, suffix


_GIROBANK = "GIR"
_SHOWN_MAX = 20

_EXAMPLES = "Try a full postcode like SW19 2HL, or its first part like SW19."
_EMPTY_MESSAGE = "Enter a postcode, like SW19 2HL, or its first part, like SW19."
_INVALID_MESSAGE = "“{shown}” is not a valid UK postcode, postcode district or area. " + _EXAMPLES
_BFPO_MESSAGE = (
    "“{shown}” is a British Forces (BFPO) address, which this search does not cover. " + _EXAMPLES
)


class InvalidPostcode(ValueError):
    """Raised when text cannot be read as a UK postcode, sector, district or area."""

    def __init__(self, message: str, text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.text = text


@dataclass(frozen=True)
class Postcode:
    """A postcode query at one level; the fields finer than ``level`` are None."""

    area: str
    district: str | None
    sector: str | None
    unit: str | None
    level: Level

    def __str__(self) -> str:
        """Return the normalised form at this postcode's own level."""
        return getattr(self, self.level)

    def at(self, level: Level) -> Postcode:
        """Return this postcode cut down to a coarser (or the same) level."""
        if LEVELS.index(level) > LEVELS.index(self.level):
            raise ValueError(f"cannot refine a {self.level} query to {level} level")
        keep = LEVELS.index(level)
        return Postcode(
            area=self.area,
            district=self.district if keep >= 1 else None,
            sector=self.sector if keep >= 2 else None,
            unit=self.unit if keep >= 3 else None,
            level=level,
        )


# --- parsing -------------------------------------------------------------------------------


def _area_of(outward: str) -> str:
    # GIR has no digit to stop at, and is its own area by the decision documented above.
    return _district_parts(outward)[0] if outward != _GIROBANK else outward


def _is_outward(text: str) -> bool:
    return text == _GIROBANK or _OUTWARD_RE.fullmatch(text) is not None


def _is_sector_digit(outward: str, digit: str) -> bool:
    if outward == _GIROBANK:
        return digit == "0"
    return len(digit) == 1 and digit in "0123456789"


def _is_unit(outward: str, inward: str) -> bool:
    if outward == _GIROBANK:
        return inward == "0AA"
    return _OUTWARD_RE.fullmatch(outward) is not None and _INWARD_RE.fullmatch(inward) is not None


def _build(outward: str, digit: str | None = None, letters: str | None = None) -> Postcode:
    sector = f"{outward} {digit}" if digit is not None else None
    unit = f"{sector}{letters}" if sector is not None and letters is not None else None
    level: Level = "unit" if unit else "sector" if sector else "district"
    return Postcode(area=_area_of(outward), district=outward, sector=sector, unit=unit, level=level)


def _shown(text: str) -> str:
    # Echo the user's own text back, tidied and cut short so a pasted paragraph cannot
    # swamp the page.
    shown = " ".join(text.split())
    return shown if len(shown) <= _SHOWN_MAX else shown[: _SHOWN_MAX - 1] + "…"


def _invalid(text: str) -> InvalidPostcode:
    return InvalidPostcode(_INVALID_MESSAGE.format(shown=_shown(text)), text)


def parse_postcode(text: str | None) -> Postcode:
    """Read a postcode, sector, district or area typed any way; raise InvalidPostcode if none.

    Case and whitespace are free: ``sw192hl``, `` SW19  2HL ``, tabs and non-breaking spaces
    all read as ``SW19 2HL``. The reading is chosen in this order:

    1. Unit: with all whitespace removed, a valid outward code followed by a valid inward
       code (the inward code is always the last three characters, so where any space falls
       does not matter).
    2. Sector, when the text has exactly one space-separated break: a valid outward code,
       whitespace, one digit (``E1 2``). Here the space decides.
    3. Area: one or two letters naming a known postcode area (``SW``, ``e``). Unknown letter
       pairs are rejected rather than read as an area nobody can find.
    4. Otherwise, with whitespace removed, the text may read as a district (a valid outward
       code, ``E12``) or a sector (a valid outward code plus one digit, ``E1`` + ``2``), or
       both. When both are valid the district wins if it exists in the districts table,
       else the sector does: ``E12`` is district E12, ``SW192`` is sector SW19 2 (SW192 is
       no district), and ``AA12`` (well formed, but no such district) is sector AA1 2.
       A space in an impossible place (``E 12``) falls back to this reading.
    """
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise _invalid(str(text))
    tokens = text.split()
    compact = "".join(tokens)
    if not compact:
        raise InvalidPostcode(_EMPTY_MESSAGE, text)
    # Checked before upper-casing: "ß".upper() is "SS" and "ﬁ".upper() is "FI", which would
    # let non-postcode text turn into a valid postcode.
    if not compact.isascii():
        raise _invalid(text)
    compact = compact.upper()
    tokens = [token.upper() for token in tokens]

    if compact.startswith("BFPO") or _leading_letters(compact) == "BF":
        raise InvalidPostcode(_BFPO_MESSAGE.format(shown=_shown(text)), text)

    outward, inward = compact[:-3], compact[-3:]
    if len(compact) >= 5 and _is_unit(outward, inward):
        return _build(outward, inward[0], inward[1:])

    if len(tokens) == 2 and _is_outward(tokens[0]) and _is_sector_digit(*tokens):
        return _build(tokens[0], tokens[1])

    if _AREA_RE.fullmatch(compact):
        if compact in _areas():
            return Postcode(area=compact, district=None, sector=None, unit=None, level="area")
        raise _invalid(text)

    return _district_or_sector(compact, text)


def _district_or_sector(compact: str, text: str) -> Postcode:
    """Step 4 of parse_postcode: the district, or the sector, that the spaceless text reads as.

    When it reads as both, the district wins if it exists (``E12``), else the sector does
    (``SW192`` is sector SW19 2).
    """
    district_ok = _is_outward(compact)
    sector_ok = (
        len(compact) >= 3
        and _is_outward(compact[:-1])
        and _is_sector_digit(compact[:-1], compact[-1])
    )
    if district_ok and (not sector_ok or district_exists(compact)):
        return _build(compact)
    if sector_ok:
        return _build(compact[:-1], compact[-1])
    raise _invalid(text)


def is_valid_postcode(text: str | None, *, full: bool = False) -> bool:
    """Say whether ``parse_postcode`` accepts the text; with ``full=True``, only a full postcode."""
    try:
        postcode = parse_postcode(text)
    except InvalidPostcode:
        return False
    return postcode.level == "unit" or not full


def normalise_postcode(text: str | None) -> str | None:
    """Return a full postcode in stored form (``SW19 2HL``), or None if it is not one.

    A well-formed unit postcode is read by one match (an import reads one per row); anything
    else, the BF area and the Girobank's included, takes parse_postcode's whole reading.
    """
    if isinstance(text, str):
        compact = "".join(text.split())
        # isascii first, as parse_postcode does: "ß".upper() is "SS".
        match = _UNIT_RE.fullmatch(compact.upper()) if compact.isascii() else None
        if match and not match[1].startswith("BF"):
            return f"{match[1]} {match[2]}"
    try:
        postcode = parse_postcode(text)
    except InvalidPostcode:
        return None
    return postcode.unit


# --- reference data ------------------------------------------------------------------------


@dataclass(frozen=True)
class _District:
    centroid: tuple[float, float] | None
    place: str | None


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _lat_lon(row: dict[str, str]) -> tuple[float, float] | None:
    # Non-geographic districts have blank coordinates; they have no place on the map.
    if not row["latitude"] or not row["longitude"]:
        return None
    return float(row["latitude"]), float(row["longitude"])


@cache
def _districts() -> dict[str, _District]:
    return {
        row["district"]: _District(centroid=_lat_lon(row), place=row["place"].strip() or None)
        for row in _read_csv("postcode-districts.csv")
    }


@cache
def _areas() -> dict[str, tuple[float, float] | None]:
    areas = {row["area"]: _lat_lon(row) for row in _read_csv("postcode-areas.csv")}
    # Guernsey, Jersey and the Isle of Man have districts but no row in the areas file; the
    # plain mean of their district centroids is close enough for islands this small.
    by_area: dict[str, list[tuple[float, float]]] = {}
    for name, district in _districts().items():
        area = _district_parts(name)[0]
        if area not in areas and _AREA_RE.fullmatch(area):
            points = by_area.setdefault(area, [])
            if district.centroid is not None:
                points.append(district.centroid)
    for area, points in by_area.items():
        areas[area] = (
            (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
            if points
            else None
        )
    return areas


def _key(code: str | None) -> str:
    return "".join(code.split()).upper() if isinstance(code, str) else ""


def district_exists(district: str) -> bool:
    """Say whether the district (outward code, any case) is in the districts table."""
    return _key(district) in _districts()


def district_centroid(district: str) -> tuple[float, float] | None:
    """Return the district's (latitude, longitude), or None if unknown or non-geographic."""
    entry = _districts().get(_key(district))
    return entry.centroid if entry else None


def district_place(district: str) -> str | None:
    """Return the council area or town the district mostly lies in, or None if unknown."""
    entry = _districts().get(_key(district))
    return entry.place if entry else None


def area_centroid(area: str) -> tuple[float, float] | None:
    """Return the postcode area's (latitude, longitude), or None if unknown."""
    return _areas().get(_key(area))


def centroid(postcode: Postcode) -> tuple[float, float] | None:
    """Return an approximate (latitude, longitude): the district's, or the area's for areas."""
    # Only district centroids are held, so a unit or sector is placed at its district's.
    if postcode.level == "area" or postcode.district is None:
        return area_centroid(postcode.area)
    return district_centroid(postcode.district)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in kilometres between two WGS84 points."""
    earth_radius_km = 6371.0088  # IUGG mean radius
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    # min() guards asin against rounding just above 1 for antipodal points.
    return 2 * earth_radius_km * math.asin(min(1.0, math.sqrt(a)))


# --- ordering and matching -----------------------------------------------------------------


def postcode_sort_key(postcode_text: str | None) -> tuple:
    """Return a key ordering postcodes naturally (SW2 before SW19), invalid ones last."""
    try:
        postcode = parse_postcode(postcode_text)
    except InvalidPostcode:
        # The leading 1 puts unreadable text after every readable postcode, in a stable order of
        # its own; a missing postcode (2) goes after even that.
        if isinstance(postcode_text, str):
            return (1, postcode_text.strip().upper())
        return (2, "")
    letters, number, suffix = _district_parts(postcode.district or postcode.area)
    # -1 puts the coarser query (SW, SW19) just before everything inside it.
    return (
        0,
        letters,
        int(number) if number else -1,
        suffix,
        int(postcode.sector[-1]) if postcode.sector else -1,
        postcode.unit[-2:] if postcode.unit else "",
    )


def matches(query: Postcode, provider_postcode: str | None) -> bool:
    """Say whether a provider's full postcode lies within the query's area/district/sector/unit."""
    try:
        provider = parse_postcode(provider_postcode)
    except InvalidPostcode:
        return False
    # A provider needs a full postcode to be placed; a partial one never matches.
    if provider.level != "unit":
        return False
    return provider.at(query.level) == query


def sql_prefix(query: Postcode) -> tuple[str, ...]:
    """Return SQL LIKE patterns, to be ORed, selecting stored postcodes within the query.

    Stored postcodes must be in ``normalise_postcode`` form (``SW19 2HL``). The patterns are
    exact for such values, so no post-filter is needed (``matches`` gives the same answer):

    * unit ``SW19 2HL`` -> ``("SW19 2HL",)``
    * sector ``SW19 2`` -> ``("SW19 2%",)``
    * district ``SW19`` -> ``("SW19 %",)``: the space stops ``SW1`` matching ``SW19 ...``
    * two-letter area ``SW`` -> ``("SW%",)``: areas have at most two letters, so a digit
      always follows
    * one-letter area ``E`` -> ``("E0%", ..., "E9%")``: ``E%`` alone would also match
      ``EC1A 1BB``, so one pattern per digit

    Example: ``or_(*(Provider.postcode.like(p) for p in sql_prefix(query)))``.
    Postcodes hold no ``%`` or ``_``, so no escaping is needed.
    """
    if query.level == "unit" and query.unit:
        return (query.unit,)
    if query.level == "sector" and query.sector:
        return (f"{query.sector}%",)
    if query.level == "district":
        return (f"{query.district} %",)
    if len(query.area) >= 2:
        return (f"{query.area}%",)
    return tuple(f"{query.area}{digit}%" for digit in "0123456789")

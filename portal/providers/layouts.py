"""CQC's published location files: recognise each layout by its header row, read its rows.

Three layouts (``/work/shared/cqc-columns.md`` in the design notes):

* ``directory``: the "care directory with filters" (HSCA Active Locations), one row per
  location, with the overall rating;
* ``weekly``: the weekly "care directory" CSV, four preamble lines, then one row per
  location, service types separated by ``|``, no ratings;
* ``ratings``: the "latest ratings" file, long format, one row per location and domain.

Headers are matched exactly (surrounding spaces aside), in any order; other columns are
ignored. A row that cannot be read raises ``RowError`` with the reason the report shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from operator import itemgetter
from typing import Any

from portal.config import labels
from portal.models import Provider, Rating, RatingDomain
from portal.postcodes import normalise_postcode
from portal.providers.names import cqc_id, name_key

Row = Mapping[str, str]


class RowError(ValueError):
    """A row the importer skips, with the reason shown in the report."""


@dataclass
class LocationRecord:
    """What one row says about one location, ready to apply to a Provider."""

    location_id: str
    # Provider attribute -> value, only for the columns the file has.
    fields: dict[str, Any] = field(default_factory=dict)
    # Layout 3 only names a location to create it; it never overwrites an existing one's.
    fields_on_create_only: bool = False
    # Taxonomy codes the row marks, and the codes the file speaks for (None: no service types).
    service_types: set[str] | None = None
    managed_service_types: frozenset[str] = frozenset()
    ratings: dict[RatingDomain, tuple[Rating, date | None]] = field(default_factory=dict)


#: A row's cells as the csv module reads them, as many as the header row has at least.
Cells = list[str]
#: Each column's position in the header row.
Headers = Mapping[str, int]
#: Reads a row's cells into a record (RowError when it cannot).
RowReader = Callable[[Cells], LocationRecord]


@dataclass(frozen=True)
class Layout:
    """A CQC file layout: the headers that identify it, and its reader for a file's header
    row (the columns' positions), which reads that file's rows."""

    code: str
    title: str
    required: frozenset[str]
    reader: Callable[[Headers], RowReader]


# --- values ----------------------------------------------------------------------------------

_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9:.]+Z?)?")
_SHOWN = 40
# Values CQC writes where there is no rating: the same as a blank cell.
_NOT_RATED = {"", "not rated", "insufficient evidence to rate", "no published rating"}
_RATINGS = {rating.value.lower(): rating for rating in Rating}
_DOMAINS = {
    "overall": RatingDomain.OVERALL,
    "safe": RatingDomain.SAFE,
    "effective": RatingDomain.EFFECTIVE,
    "caring": RatingDomain.CARING,
    "responsive": RatingDomain.RESPONSIVE,
    "well-led": RatingDomain.WELL_LED,
    "well led": RatingDomain.WELL_LED,
}
# The weekly directory names service types its own way; taxonomy labels are accepted too.
_SERVICE_ALIASES = {
    "nursing homes": "care-home-nursing",
    "residential homes": "care-home",
    "homecare agencies": "domiciliary",
    "supported living": "supported-living",
    "extra care housing": "extra-care",
}
SERVICE_TYPE_PREFIX = "Service type - "
# What a yes/no cell says for yes.
_YES = frozenset({"Y", "YES", "TRUE", "1"})


def shown(value: str) -> str:
    """A cell's value as quoted in a reason, cut short."""
    value = " ".join(value.split())
    return f"“{value if len(value) <= _SHOWN else value[: _SHOWN - 1] + '…'}”"


def parse_date(value: str, column: str) -> date | None:
    """Read dd/mm/yyyy or ISO (yyyy-mm-dd, a time allowed after it); blank is None."""
    text = value.strip()
    if not text:
        return None
    try:
        if match := _DMY.fullmatch(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _ISO.fullmatch(text):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise RowError(f"bad date {shown(text)} in {column}")


def parse_rating(value: str, column: str) -> Rating | None:
    """Read a CQC rating; blank and "Not rated" are None."""
    text = " ".join(value.split()).lower()
    if text in _NOT_RATED:
        return None
    if text not in _RATINGS:
        raise RowError(f"bad rating value {shown(value)} in {column}")
    return _RATINGS[text]


def parse_location_id(value: str, column: str) -> str:
    """Read a CQC location ID; missing or malformed is a RowError."""
    if not value.strip():
        raise RowError(f"missing {column}")
    identifier = cqc_id(value)
    if identifier is None:
        raise RowError(f"malformed {column} {shown(value)}")
    return identifier


def parse_provider_id(value: str, column: str) -> str | None:
    """Read a CQC provider ID; blank is None, malformed is a RowError."""
    if not value.strip():
        return None
    identifier = cqc_id(value)
    if identifier is None:
        raise RowError(f"malformed {column} {shown(value)}")
    return identifier


def parse_coordinate(value: str, column: str, limit: float) -> float | None:
    """Read a latitude or longitude in decimal degrees; blank is None."""
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise RowError(f"bad number {shown(text)} in {column}") from None
    if not -limit <= number <= limit:
        raise RowError(f"{column} {shown(text)} is out of range")
    return number


def parse_count(value: str, column: str) -> int | None:
    """Read a whole number such as a count of beds; blank is None."""
    text = value.strip().replace(",", "")
    if not text:
        return None
    if not text.isdigit() or not text.isascii() or int(text) > 100_000:
        raise RowError(f"bad number {shown(value)} in {column}")
    return int(text)


def yes(value: str) -> bool:
    """Whether a Y/N cell says yes."""
    return value.strip().upper() in _YES


def text(value: str) -> str | None:
    """A trimmed text cell, None when blank."""
    cleaned = " ".join(value.split())
    return cleaned or None


@cache
def _service_codes() -> dict[str, str]:
    codes = {label.lower(): code for code, label in labels("service_types").items()}
    return codes | _SERVICE_ALIASES


def service_type_code(cqc_name: str) -> str | None:
    """The taxonomy code for a CQC service type name, or None for one the portal does not track."""
    return _service_codes().get(" ".join(cqc_name.split()).lower())


@cache
def _column_lengths() -> tuple[tuple[str, int], ...]:
    """The register's text columns with a length limit: (attribute, limit)."""
    lengths: list[tuple[str, int]] = []
    for column in Provider.__table__.columns:
        length = getattr(column.type, "length", None)
        if isinstance(length, int):
            lengths.append((column.name, length))
    return tuple(lengths)


def check_lengths(fields: dict[str, Any]) -> None:
    """Refuse a row whose text would not fit its column, rather than fail the whole batch."""
    for name, limit in _column_lengths():
        value = fields.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise RowError(f"{name.replace('_', ' ')} is too long ({len(value)} characters)")


def name_fields(name: str | None, column: str) -> dict[str, str]:
    """The name and its search key; a missing name is a RowError."""
    if not name:
        raise RowError(f"missing {column}")
    return {"name": name, "name_key": name_key(name)}


def postcode_fields(value: str) -> dict[str, str | None]:
    """The postcode in stored form and its district; None for both when it is not valid."""
    postcode = normalise_postcode(value)
    return {"postcode": postcode, "postcode_district": postcode.split()[0] if postcode else None}


def put(
    fields: dict[str, Any],
    row: Row,
    column: str,
    attribute: str,
    read: Callable[[str], Any] = text,
) -> None:
    """Set fields[attribute] from the column when the file has it."""
    if column in row:
        fields[attribute] = read(row[column])


# --- layout 1: care directory with filters ------------------------------------------------------


_DIRECTORY_TEXT = (
    ("Provider Name", "provider_name"),
    ("Location Region", "region"),
    ("Location Local Authority", "local_authority"),
    ("Registered manager", "registered_manager"),
    ("Location Telephone Number", "phone"),
    ("Location Web Address", "website"),
)
_DIRECTORY_FLAGS = (("Care home?", "care_home"), ("Dormant (Y/N)", "dormant"))
_DIRECTORY_ADDRESS = (
    "Location Street Address",
    "Location Address Line 2",
    "Location City",
    "Location County",
)
_OVERALL_RATING = "Location Latest Overall Rating"


def directory_reader(headers: Headers) -> RowReader:
    """The reader for a care directory with filters (one location a row, overall rating).

    Which of the optional columns the file has is settled here, once for the file, so reading
    a row (the import's work, 50,000 times for the whole country) only reads cells.
    """
    at = headers.get
    location, name, provider = headers["Location ID"], headers["Location Name"], at("Provider ID")
    texts = [
        (headers[column], attribute) for column, attribute in _DIRECTORY_TEXT if column in headers
    ]
    flags = [
        (headers[column], attribute) for column, attribute in _DIRECTORY_FLAGS if column in headers
    ]
    address = [headers[column] for column in _DIRECTORY_ADDRESS if column in headers]
    beds, postcode = at("Care homes beds"), at("Location Postal Code")
    latitude, longitude = at("Location Latitude"), at("Location Longitude")
    rating, published = at(_OVERALL_RATING), at("Publication Date")
    service_types = [
        (headers[column], code)
        for column, code in _service_type_columns(frozenset(headers)).items()
    ]
    managed = frozenset(code for _, code in service_types)

    def read(row: Cells) -> LocationRecord:
        record = LocationRecord(location_id=parse_location_id(row[location], "Location ID"))
        fields = record.fields
        fields.update(name_fields(text(row[name]), "Location Name"))
        if provider is not None:
            fields["cqc_provider_id"] = parse_provider_id(row[provider], "Provider ID")
        for index, attribute in texts:
            fields[attribute] = text(row[index])
        for index, attribute in flags:
            fields[attribute] = row[index].strip().upper() in _YES
        if beds is not None:
            fields["beds"] = parse_count(row[beds], "Care homes beds")
        if address:
            fields["address"] = ", ".join(part for index in address if (part := text(row[index])))
        if postcode is not None:
            fields.update(postcode_fields(row[postcode]))
        if latitude is not None:
            fields["latitude"] = parse_coordinate(row[latitude], "Location Latitude", 90)
        if longitude is not None:
            fields["longitude"] = parse_coordinate(row[longitude], "Location Longitude", 180)
        if rating is not None:
            overall = parse_rating(row[rating], _OVERALL_RATING)
            on = parse_date(row[published] if published is not None else "", "Publication Date")
            if overall is not None:
                record.ratings[RatingDomain.OVERALL] = (overall, on)
        if service_types:
            record.managed_service_types = managed
            record.service_types = {
                code for i, code in service_types if row[i].strip().upper() in _YES
            }
        check_lengths(fields)
        return record

    return read


@cache
def _service_type_columns(headers: frozenset[str]) -> dict[str, str]:
    """The file's "Service type - ..." columns the taxonomy knows, with their codes."""
    return {
        header: code
        for header in headers
        if header.startswith(SERVICE_TYPE_PREFIX)
        and (code := service_type_code(header[len(SERVICE_TYPE_PREFIX) :]))
    }


def by_name(read_row: Callable[[Row], LocationRecord]) -> Callable[[Headers], RowReader]:
    """A layout's reader from a function of the row's cells by column name."""

    def reader(headers: Headers) -> RowReader:
        names = list(headers)
        pick = itemgetter(*headers.values())

        def read(row: Cells) -> LocationRecord:
            return read_row(dict(zip(names, pick(row), strict=True)))

        return read

    return reader


# --- layout 2: weekly care directory ------------------------------------------------------------

WEEKLY_LOCATION = "CQC Location (for office use only"
WEEKLY_PROVIDER = "CQC Provider ID (for office use only"


def read_weekly_row(row: Row) -> LocationRecord:
    """Read a row of the weekly care directory (no ratings; service types split by |)."""
    record = LocationRecord(location_id=parse_location_id(row[WEEKLY_LOCATION], "Location ID"))
    fields = record.fields
    fields.update(name_fields(text(row["Name"]), "Name"))
    if WEEKLY_PROVIDER in row:
        fields["cqc_provider_id"] = parse_provider_id(row[WEEKLY_PROVIDER], "Provider ID")
    put(fields, row, "Provider name", "provider_name")
    put(fields, row, "Local Authority", "local_authority")
    put(fields, row, "Region", "region")
    put(fields, row, "Phone number", "phone")
    put(fields, row, "Service's website (if available)", "website")
    if "Address" in row:
        fields["address"] = text(row["Address"]) or ""
    fields.update(postcode_fields(row["Postcode"]))
    if "Service types" in row:
        names = (part for part in row["Service types"].split("|") if part.strip())
        record.service_types = {code for name in names if (code := service_type_code(name))}
        record.managed_service_types = frozenset(_service_codes().values())
    check_lengths(fields)
    return record


# --- layout 3: latest ratings, one row per location and domain -----------------------------------


def read_ratings_row(row: Row) -> LocationRecord:
    """Read a row of the latest ratings file: one location's rating for one domain."""
    record = LocationRecord(
        location_id=parse_location_id(row["Location ID"], "Location ID"),
        fields_on_create_only=True,
    )
    domain_text = " ".join(row["Domain"].split()).lower()
    domain = _DOMAINS.get(domain_text)
    if domain is None:
        raise RowError(f"unknown Domain {shown(row['Domain'])}")
    rating = parse_rating(row["Latest Rating"], "Latest Rating")
    published = parse_date(row.get("Publication Date", ""), "Publication Date")
    if rating is not None:
        record.ratings[domain] = (rating, published)
    fields = record.fields
    # Only needed to add a location the register does not have yet (the importer checks).
    if name := text(row.get("Location Name", "")):
        fields.update(name_fields(name, "Location Name"))
    if "Provider ID" in row:
        fields["cqc_provider_id"] = parse_provider_id(row["Provider ID"], "Provider ID")
    put(fields, row, "Provider Name", "provider_name")
    put(fields, row, "Location Local Authority", "local_authority")
    if "Location Post Code" in row:
        fields.update(postcode_fields(row["Location Post Code"]))
    check_lengths(fields)
    return record


# Checked in this order: the ratings file also has "Location ID" and "Location Name".
LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "ratings",
        "CQC latest ratings",
        frozenset({"Location ID", "Domain", "Latest Rating"}),
        by_name(read_ratings_row),
    ),
    Layout(
        "directory",
        "CQC care directory with filters",
        frozenset({"Location ID", "Location Name"}),
        directory_reader,
    ),
    Layout(
        "weekly",
        "CQC care directory (weekly)",
        frozenset({"Name", "Postcode", WEEKLY_LOCATION}),
        by_name(read_weekly_row),
    ),
)


def recognise(cells: list[str]) -> Layout | None:
    """The layout whose header row this is, or None."""
    headers = {cell.strip() for cell in cells}
    for layout in LAYOUTS:
        if layout.required <= headers:
            return layout
    return None

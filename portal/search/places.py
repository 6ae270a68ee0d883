"""The providers a search points to (a postcode, a name, a CQC ID), as the search shows them.

The reading itself is the provider register's (``portal.providers.search.read_query``), so the
Providers page, the search page and the API agree on what a postcode or a name finds. Each
provider comes with its current risk and the number of items about it, both counted from the
items this reader may read (the policy's own condition).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.concerns.embargoes import embargoed_among
from portal.extensions import db
from portal.models import IntelligenceItem, ItemStatus
from portal.policy import Reader, readable_items_clause
from portal.providers.search import Distance, QueryReading, load_providers, read_query
from portal.risk import ProviderRisk, current_risks, window_months

#: The most providers a search lists (the Providers page lists them all, a page at a time).
MAX_PROVIDERS = 25


@dataclass(frozen=True)
class ProviderSummary:
    """One provider as the search lists it."""

    id: int
    name: str
    postcode: str | None
    distance: Distance | None
    risk: ProviderRisk | None
    items: int

    @property
    def distance_km(self) -> float | None:
        """The distance in km to one decimal, in a postcode search; else None."""
        return round(self.distance.km, 1) if self.distance else None


@dataclass(frozen=True)
class PlaceResults:
    """What the query's place, name or ID found: the providers, best or nearest first."""

    kind: str  # "postcode", "name" or "id"
    found: str
    providers: list[ProviderSummary]
    total: int
    # The providers whose intelligence the search shows, and the words that narrow it.
    scope: tuple[int, ...]
    words: str
    # For a full postcode: the intelligence shown is about the providers at it.
    at_unit: bool = False
    # The providers listed with an embargo on new placements in force today.
    embargoed: frozenset[int] = frozenset()


def readable_item_counts(user: Reader, provider_ids: list[int]) -> dict[int, int]:
    """Per provider, how many open items about it this user may read (one query)."""
    if not provider_ids:
        return {}
    item = IntelligenceItem
    rows = db.session.execute(
        sa.select(item.provider_id, sa.func.count(item.id))
        .where(
            item.provider_id.in_(provider_ids),
            item.status == ItemStatus.OPEN,
            readable_items_clause(user),
        )
        .group_by(item.provider_id)
    )
    return {int(pid): int(n) for pid, n in rows}


def find_places(user: Reader, text: str, today: date) -> PlaceResults | None:
    """The providers the text's postcode, name or CQC ID points to, for this reader; or None."""
    reading = read_query(text)
    if reading is None:
        return None
    return _summarised(user, reading, today)


def _summarised(user: Reader, reading: QueryReading, today: date) -> PlaceResults:
    matches = reading.matches
    shown = load_providers(matches.ids[:MAX_PROVIDERS])
    ids = [p.id for p in shown]
    risks = current_risks(user, ids, today, window_months())
    counts = readable_item_counts(user, ids)
    providers = [
        ProviderSummary(
            id=p.id,
            name=p.name,
            postcode=p.postcode,
            distance=matches.distances.get(p.id) if matches.kind == "postcode" else None,
            risk=risks.get(p.id),
            items=counts.get(p.id, 0),
        )
        for p in shown
    ]
    return PlaceResults(
        kind=matches.kind,
        found=reading.found,
        providers=providers,
        total=len(matches.ids),
        scope=tuple(reading.scope),
        words=reading.words,
        at_unit=matches.postcode is not None
        and matches.postcode.level == "unit"
        and len(reading.scope) < len(matches.ids),
        embargoed=embargoed_among(ids, today),
    )

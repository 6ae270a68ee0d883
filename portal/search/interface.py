"""What every search engine takes and gives: the request, the hits and the interface.

The engines (whoosh_engine, postgres_engine) and the code that chooses one
(engine) all import these from here, so none of them imports another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from flask import current_app

from portal.policy import Reader
from portal.search.query import ParsedQuery

#: Facets, in the order the page shows them.
FACETS = ("agency", "key_question", "theme", "marking", "month")
#: Counting stops past this many matches (`search_count_cap` in the configuration), as
#: Elasticsearch's `track_total_hits` does: the page then says "more than 10,000 results".
DEFAULT_COUNT_CAP = 10_000


@dataclass(frozen=True)
class SearchFilters:
    """Filters from the page or the API; empty means no filter."""

    agency: str | None = None
    key_question: str | None = None
    theme: str | None = None
    marking: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: Only the intelligence about these providers (the providers a postcode, name or CQC ID
    #: in the query points to); None means every provider's.
    provider_ids: tuple[int, ...] | None = None

    @property
    def any(self) -> bool:
        """Whether any filter is set (providers have none of these fields)."""
        return any(
            v is not None
            for v in (
                self.agency,
                self.key_question,
                self.theme,
                self.marking,
                self.date_from,
                self.date_to,
                self.provider_ids,
            )
        )


@dataclass(frozen=True)
class SearchRequest:
    """One search as an engine sees it."""

    parsed: ParsedQuery
    filters: SearchFilters
    principals: frozenset[str]
    page: int = 1
    per_page: int = 20
    #: Newest observed first (then the highest id), not best first.
    newest_first: bool = False


@dataclass(frozen=True)
class EngineHit:
    """A ranked hit: what it is and its id; the caller re-reads it through the policy."""

    type: str  # "intelligence" or "provider"
    id: int
    score: float


@dataclass
class EngineResult:
    """A page of hits, the total and the facet counts, all for readable records only.

    The total is exact unless `total_capped`: then counting stopped at the cap and there
    are more than `total` results. Facet counts are exact unless `facets_capped`: then
    they were counted over the matches up to the cap and each is a lower bound.
    """

    hits: list[EngineHit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    total_capped: bool = False
    facets_capped: bool = False


def count_cap() -> int:
    """The configured cap on counting (at least 1)."""
    configured = current_app.config["PORTAL"].get("search_count_cap") or DEFAULT_COUNT_CAP
    return max(1, int(configured))


def candidate_limit(request: SearchRequest) -> int:
    """How many matches an engine looks at: one more than the cap (or than the requested
    page reaches), so that reaching the limit shows there are more."""
    return max(count_cap(), request.page * request.per_page) + 1


def capped_total(found: int, limit: int) -> tuple[int, bool]:
    """The total to show for `found` matches seen with this limit, and whether it is capped."""
    return (limit - 1, True) if found >= limit else (found, False)


class SearchEngine(Protocol):
    """The interface both engines implement."""

    name: str

    def search(self, user: Reader, request: SearchRequest) -> EngineResult:
        """Ranked, permission-filtered hits with total and facets."""

    def snippets(
        self, request: SearchRequest, texts: dict[tuple[str, int], str]
    ) -> dict[tuple[str, int], str]:
        """Marked snippets (MARK_START/MARK_END around matches) for the hits' texts."""

    def catch_up(self) -> int:
        """Bring the index up to date with the database; how many changes were applied."""

    def reindex(self) -> int:
        """Rebuild the index from the database; how many documents it holds."""

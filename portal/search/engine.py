"""What every search engine takes and gives, and the choice of engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from flask import Flask, current_app

from portal.search.query import ParsedQuery

#: Facets, in the order the page shows them.
FACETS = ("agency", "key_question", "theme", "marking", "month")


@dataclass(frozen=True)
class SearchFilters:
    """Filters from the page or the API; empty means no filter."""

    agency: str | None = None
    key_question: str | None = None
    theme: str | None = None
    marking: str | None = None
    date_from: date | None = None
    date_to: date | None = None

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


@dataclass(frozen=True)
class EngineHit:
    """A ranked hit: what it is and its id; the caller re-reads it through the policy."""

    type: str  # "intelligence" or "provider"
    id: int
    score: float


@dataclass
class EngineResult:
    """A page of hits, the exact total and the facet counts, all for readable records only."""

    hits: list[EngineHit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


class SearchEngine(Protocol):
    """The interface both engines implement."""

    name: str

    def search(self, user: Any, request: SearchRequest) -> EngineResult:
        """Ranked, permission-filtered hits with total and facets."""

    def snippets(
        self, request: SearchRequest, texts: dict[tuple[str, int], str]
    ) -> dict[tuple[str, int], str]:
        """Marked snippets (MARK_START/MARK_END around matches) for the hits' texts."""

    def catch_up(self) -> int:
        """Bring the index up to date with the database; how many changes were applied."""

    def reindex(self) -> int:
        """Rebuild the index from the database; how many documents it holds."""


def engine_name(app: Flask) -> str:
    """The configured engine, or the one the database implies."""
    configured = (app.config["PORTAL"].get("search_engine") or "").strip().lower()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if configured:
        if configured not in ("whoosh", "postgres"):
            from portal.config import ConfigurationError

            raise ConfigurationError(
                f"PORTAL_SEARCH_ENGINE must be whoosh or postgres, not {configured!r}"
            )
        if configured == "postgres" and not uri.startswith("postgresql"):
            from portal.config import ConfigurationError

            raise ConfigurationError(
                "PORTAL_SEARCH_ENGINE=postgres needs a PostgreSQL database (PORTAL_DATABASE_URL)"
            )
        return configured
    return "postgres" if uri.startswith("postgresql") else "whoosh"


def get_engine(app: Flask | None = None) -> SearchEngine:
    """The app's search engine (one per app and process)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    engine = app.extensions.get("portal_search")
    if engine is None:
        name = engine_name(app)
        if name == "postgres":
            from portal.search.postgres_engine import PostgresEngine

            engine = PostgresEngine()
        else:
            from portal.search.whoosh_engine import WhooshEngine

            engine = WhooshEngine(app.instance_path)
        app.extensions["portal_search"] = engine
    return engine

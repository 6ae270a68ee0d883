"""Searching: parse once, let the engine rank and filter, re-read every hit through the policy."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup

from portal import audit, clock
from portal.concerns.embargoes import embargoed_among
from portal.config import labels
from portal.extensions import db
from portal.models import Agency, IntelligenceItem, KeyQuestion, Marking, Provider
from portal.paging import page_count
from portal.policy import Reader, can_read_item, readable_items_clause, user_principals
from portal.search.engine import get_engine
from portal.search.interface import SearchFilters, SearchRequest
from portal.search.places import PlaceResults, find_places
from portal.search.query import (
    EXACT_FIELDS,
    WORD,
    And,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phrase,
    Prefix,
    Term,
    parse_query,
    query_problem,
)
from portal.search.text import is_stop_word, plain_snippet, render_snippet
from portal.unit_of_work import ValidationFailed

log = logging.getLogger(__name__)
MAX_PAGE = 500


@dataclass(frozen=True)
class SearchHit:
    """One result as shown: what it is, its title and an escaped, highlighted snippet."""

    type: str
    id: int
    title: str
    snippet: Markup
    score: float
    record: Any


@dataclass
class SearchResults:
    """A page of results with everything the page and the API show."""

    text: str
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    message: str | None = None
    engine: str = ""
    # The providers among the hits with an embargo on new placements in force today.
    embargoed: frozenset[int] = frozenset()
    # The providers a postcode, name or CQC ID in the query points to; the hits are then the
    # intelligence about them, newest first.
    places: PlaceResults | None = None
    # Counting stopped at the cap: there are more than `total` results (and the facet
    # counts are lower bounds when `facets_capped`).
    total_capped: bool = False
    facets_capped: bool = False

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return page_count(self.total, self.per_page)


class FilterError(ValidationFailed):
    """A filter value that cannot be used; `errors` maps each field to its message."""


def _parse_date(raw: str, name: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = (
            f"Enter the {'start' if name == 'from' else 'end'} date as YYYY-MM-DD, like 2026-03-27"
        )
        return None


def read_filters(args: Mapping[str, str]) -> SearchFilters:
    """Filters from request arguments; FilterError names each bad one."""
    errors: dict[str, str] = {}
    get = lambda name: (args.get(name) or "").strip() or None  # noqa: E731
    agency = get("agency")
    if agency and not db.session.scalar(
        sa.select(Agency.id).where(sa.func.lower(Agency.code) == agency.lower())
    ):
        errors["agency"] = f"There is no agency with code {agency}"
    key_question = get("key_question")
    if key_question and key_question not in {k.value for k in KeyQuestion}:
        errors["key_question"] = (
            "Key question must be safe, effective, caring, responsive or well-led"
        )
    theme = get("theme")
    if theme and theme not in labels("themes"):
        errors["theme"] = f"There is no theme {theme}"
    marking = get("marking")
    if marking:
        marking = marking.upper().removeprefix("TLP:")
        if marking not in {m.value for m in Marking}:
            errors["marking"] = "Marking must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED"
    raw_from, raw_to = get("from"), get("to")
    date_from = _parse_date(raw_from, "from", errors) if raw_from else None
    date_to = _parse_date(raw_to, "to", errors) if raw_to else None
    if date_from and date_to and date_from > date_to:
        errors["to"] = "The end date must be the same as or after the start date"
    if errors:
        raise FilterError(errors)
    return SearchFilters(
        agency=agency.lower() if agency else None,
        key_question=key_question,
        theme=theme,
        marking=marking,
        date_from=date_from,
        date_to=date_to,
    )


def _without_stop_words(node: Node | None) -> Node | None:
    """The tree without words both engines ignore (so the engines agree on them)."""
    if node is None:
        return None
    if isinstance(node, Term):
        return None if node.field is None and is_stop_word(node.text) else node
    if isinstance(node, Not):
        part = _without_stop_words(node.part)
        return Not(part) if part is not None else None
    if isinstance(node, And | Or):
        parts = tuple(p for p in (_without_stop_words(x) for x in node.parts) if p is not None)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else type(node)(parts)
    return node


def _code_key(text: str) -> str:
    """A code, label or name reduced to its words: "Infection control" -> infection-control."""
    return "-".join(w.lower() for w in WORD.findall(text.replace("_", " ")))


def _known_codes() -> dict[str, dict[str, str]]:
    """Per exact field, each theme's or agency's code, label and name -> its code."""
    themes: dict[str, str] = {}
    for code, label in labels("themes").items():
        themes[_code_key(label)] = code
        themes[_code_key(code)] = code
    agencies: dict[str, str] = {}
    for code, name in db.session.execute(sa.select(Agency.code, Agency.name)).all():
        agencies[_code_key(name)] = code.lower()
        agencies[_code_key(code)] = code.lower()
    return {"theme": themes, "agency": agencies}


def _with_codes(node: Node | None, known: dict[str, dict[str, str]]) -> Node | None:
    """The tree with each theme: or agency: value read as its code (by code, label or name)."""
    if node is None or isinstance(node, Prefix):
        return node
    if isinstance(node, Not):
        return Not(_with_codes(node.part, known) or node.part)
    if isinstance(node, And | Or):
        return type(node)(tuple(_with_codes(p, known) or p for p in node.parts))
    if node.field not in EXACT_FIELDS:
        return node
    written = " ".join(node.words) if isinstance(node, Phrase) else node.text
    code = known[node.field].get(_code_key(written), _code_key(written) or written)
    return Term(code, node.field)


def _has_exact_field(node: Node | None) -> bool:
    if node is None:
        return False
    if isinstance(node, Not):
        return _has_exact_field(node.part)
    if isinstance(node, And | Or):
        return any(_has_exact_field(p) for p in node.parts)
    return node.field in EXACT_FIELDS and not isinstance(node, Prefix)


def prepare(text: str) -> ParsedQuery:
    """Parse the text, read codes, drop stop words, with a message when nothing is left."""
    parsed = parse_query(text)
    if _has_exact_field(parsed.tree):
        parsed = replace(parsed, tree=_with_codes(parsed.tree, _known_codes()))
    pruned = _without_stop_words(parsed.tree)
    if parsed.tree is not None and pruned is None:
        return ParsedQuery(
            None,
            message="Your search only has very common words, which are not searched. Add more words.",
            fallback=parsed.fallback,
            match_nothing=True,
        )
    return replace(parsed, tree=pruned)


def run_search(
    user: Reader, text: str, filters: SearchFilters, page: int = 1, per_page: int = 20
) -> SearchResults:
    """Search as this user: only what the policy lets them read, in results, totals and facets."""
    page = min(max(1, page), MAX_PAGE)
    check_query(text)
    places = find_places(user, text, clock.today())
    if places is None:
        parsed = prepare(text)
    else:
        # The words beside the place or name narrow its providers' intelligence.
        filters = replace(filters, provider_ids=places.scope)
        parsed = prepare(places.words)
        if parsed.match_nothing and not parsed.fallback:
            parsed = ParsedQuery(None)
    engine = get_engine()
    if parsed.match_nothing:
        results = SearchResults(
            text, [], 0, page, per_page, message=parsed.message, engine=engine.name, places=places
        )
        _audit(text, filters, results.total)
        return results
    request = SearchRequest(
        parsed, filters, user_principals(user), page, per_page, newest_first=places is not None
    )
    found = engine.search(user, request)
    # Audit the search; the request commits it once the page or answer is made.
    _audit(text, filters, found.total)
    hits = _reread(user, found.hits)
    snippets = engine.snippets(request, {(h.type, h.id): _text_of(h.record) for h in hits})
    shown = [
        replace(
            h,
            snippet=render_snippet(snippets[(h.type, h.id)])
            if (h.type, h.id) in snippets
            else Markup.escape(plain_snippet(_text_of(h.record))),
        )
        for h in hits
    ]
    results = SearchResults(
        text=text,
        hits=shown,
        total=found.total,
        page=page,
        per_page=per_page,
        facets=_labelled(found.facets),
        message=parsed.message,
        engine=engine.name,
        embargoed=embargoed_among([h.id for h in hits if h.type == "provider"], clock.today()),
        places=places,
        total_capped=found.total_capped,
        facets_capped=found.facets_capped,
    )
    return results


def check_query(text: str) -> None:
    """Refuse a query too long to search (FilterError naming q)."""
    problem = query_problem(text)
    if problem:
        raise FilterError({"q": problem})


def _reread(user: Reader, engine_hits: list[Any]) -> list[SearchHit]:
    """The hits' records through the policy, in rank order; anything unreadable is dropped."""
    item_ids = [h.id for h in engine_hits if h.type == "intelligence"]
    provider_ids = [h.id for h in engine_hits if h.type == "provider"]
    items = (
        {
            i.id: i
            for i in db.session.scalars(
                sa.select(IntelligenceItem).where(
                    IntelligenceItem.id.in_(item_ids), readable_items_clause(user)
                )
            )
        }
        if item_ids
        else {}
    )
    providers = (
        {
            p.id: p
            for p in db.session.scalars(sa.select(Provider).where(Provider.id.in_(provider_ids)))
        }
        if provider_ids
        else {}
    )
    hits: list[SearchHit] = []
    for hit in engine_hits:
        record: IntelligenceItem | Provider | None
        if hit.type == "intelligence":
            item = items.get(hit.id)
            record = item if item is not None and can_read_item(user, item) else None
            title = item.title if record is not None and item is not None else ""
        else:
            record = providers.get(hit.id)
            title = record.name if record is not None else ""
        if record is None:
            log.warning("search engine returned %s %s the policy refuses", hit.type, hit.id)
            continue
        hits.append(SearchHit(hit.type, hit.id, title, Markup(""), hit.score, record))
    return hits


def _text_of(record: Any) -> str:
    if isinstance(record, IntelligenceItem):
        return record.body
    return ", ".join(filter(None, [record.address, record.postcode, record.local_authority]))


def _labelled(facets: dict[str, dict[str, int]]) -> dict[str, list[tuple[str, str, int]]]:
    """Facet counts as (value, label, count), most first (months newest first)."""
    agency_names: dict[str, str] = {}
    for code, name in db.session.execute(sa.select(sa.func.lower(Agency.code), Agency.name)):
        agency_names[code] = name
    theme_labels = labels("themes")
    out: dict[str, list[tuple[str, str, int]]] = {}
    for name, counts in facets.items():
        rows = []
        for value, count in counts.items():
            if name == "agency":
                label = agency_names.get(value, value.upper())
            elif name == "key_question":
                label = KeyQuestion(value).label
            elif name == "theme":
                label = theme_labels.get(value, value)
            elif name == "marking":
                label = f"TLP:{value}"
            else:
                label = date.fromisoformat(value + "-01").strftime("%B %Y")
            rows.append((value, label, count))
        if name == "month":
            rows.sort(key=lambda r: r[0], reverse=True)
        else:
            rows.sort(key=lambda r: (-r[2], r[1]))
        out[name] = rows
    return out


def _audit(text: str, filters: SearchFilters, total: int) -> None:
    used = {k: str(v) for k, v in vars(filters).items() if v is not None and k != "provider_ids"}
    audit.record("search", query=text[:500], filters=used, total=total)

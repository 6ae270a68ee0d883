"""Evaluating a query tree on a Whoosh index: exact matches, BM25F scores, in one pass.

Whoosh's own searcher scores every match through a chain of matcher objects, a
Python call or two per posting per field. Here each term's postings are read a
block at a time (document numbers and weights only: the text fields keep no
positions) and scored with the same BM25F formula, keeping only documents the
reader may see. That gives the exact set of readable matches (for the total and
the facets) and their scores (for the top N) in one go.

A phrase of two words is one term of a ``*_pairs`` field, which indexes each
pair of neighbouring stems (with the number of stop words between them, as
PostgreSQL counts them): exact, because both sides go through the same
analyzer. A longer phrase needs every one of its pairs, and the documents that
have them all are checked against their text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from portal.search.interface import SearchRequest
from portal.search.query import And, Node, Not, Or, Phrase, Prefix
from portal.search.text import analysed_pairs, analysed_words

#: BM25F's free parameters, as Whoosh's default weighting.
B = 0.75
K1 = 1.2
PAIR_SEPARATOR = " "
TEXT_FIELDS = ("title", "body")
#: The field of neighbouring-stem pairs for each text field.
PAIR_FIELDS = {"title": "title_pairs", "body": "body_pairs", "provider": "provider_pairs"}
#: ID and keyword fields the language can name (matched exactly, unscored).
EXACT_FIELDS = ("theme", "agency")


# --- The plan: the tree with its words analysed, ready for any index -----------------


@dataclass(frozen=True)
class Leaf:
    """One thing to look up: a stem, a prefix, a stem pair or an exact value."""

    kind: str  # "term", "prefix", "exact", "exact_prefix"
    fields: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class LongPhrase:
    """Three or more words in a row: every pair, then the text itself."""

    pairs: tuple[Leaf, ...]
    fields: tuple[str, ...]
    pair_texts: tuple[str, ...]


@dataclass(frozen=True)
class Combine:
    """AND or OR of parts."""

    op: str  # "and" or "or"
    parts: tuple[Plan, ...]


@dataclass(frozen=True)
class Negate:
    """Everything readable except the part."""

    part: Plan


Plan = Leaf | LongPhrase | Combine | Negate


def _fields_for(field: str | None) -> tuple[str, ...]:
    if field is None:
        return TEXT_FIELDS
    return {"provider": ("provider",), "title": ("title",)}.get(field, ())


def compile_tree(node: Node | None) -> Plan | None:
    """The query tree as a plan; None when nothing in it can match."""
    if node is None:
        return None
    return _compile(node)


def _compile(node: Node) -> Plan | None:
    if isinstance(node, And | Or):
        parts = tuple(p for p in (_compile(x) for x in node.parts) if p is not None)
        if not parts:
            return None
        op = "and" if isinstance(node, And) else "or"
        return parts[0] if len(parts) == 1 and op == "or" else Combine(op, parts)
    if isinstance(node, Not):
        part = _compile(node.part)
        return Negate(part) if part is not None else None
    if node.field in EXACT_FIELDS:
        value = node.text if not isinstance(node, Phrase) else "-".join(node.words)
        kind = "exact_prefix" if isinstance(node, Prefix) else "exact"
        return Leaf(kind, (node.field,), value.lower())
    fields = _fields_for(node.field)
    if not fields:
        return None
    if isinstance(node, Prefix):
        return Leaf("prefix", fields, node.text.lower())
    if isinstance(node, Phrase):
        text = " ".join(node.words)
        stems = analysed_words(text)
        if not stems:
            return None
        if len(stems) == 1:
            return Leaf("term", fields, stems[0])
        pair_fields = tuple(PAIR_FIELDS[f] for f in fields)
        pairs = tuple(Leaf("term", pair_fields, pair) for pair in analysed_pairs(text))
        if len(pairs) == 1:
            return pairs[0]
        return LongPhrase(pairs, fields, tuple(leaf.text for leaf in pairs))
    stems = analysed_words(node.text)
    if not stems:
        return None
    leaves = tuple(Leaf("term", fields, stem) for stem in stems)
    return leaves[0] if len(leaves) == 1 else Combine("and", leaves)


# --- Reading the index -------------------------------------------------------------------


class SegmentData:
    """What never changes in one segment: its documents' field lengths, facet values and
    readers (deletions aside, which the caller takes off)."""

    def __init__(self, reader: Any, facet_fields: Sequence[str]) -> None:
        self.lengths: dict[str, list[int]] = {}
        self.facets: dict[str, list[Any]] = {}
        self._readable: dict[frozenset[str], frozenset[int]] = {}
        size = reader.doc_count_all()
        for name in facet_fields:
            column: list[Any] = [None] * size
            if name in reader.indexed_field_names():
                for term in reader.field_terms(name):
                    value = term if isinstance(term, str) else term.decode()
                    for docnum in _unfiltered(reader.postings(name, value)).all_ids():
                        if name == "theme":
                            column[docnum] = (*(column[docnum] or ()), value)
                        else:
                            column[docnum] = value
            self.facets[name] = column

    def readable(self, reader: Any, principals: frozenset[str]) -> frozenset[int]:
        """The segment's document numbers (deleted ones included) any principal may read."""
        cached = self._readable.get(principals)
        if cached is None:
            found: set[int] = set()
            for principal in principals:
                if ("readers", principal) in reader:
                    for ids, _ in _blocks(reader.postings("readers", principal)):
                        found.update(ids)
            if len(self._readable) > 256:
                self._readable.clear()
            cached = self._readable[principals] = frozenset(found)
        return cached

    def field_lengths(self, reader: Any, field: str) -> list[int]:
        """Each document's length in this field, as the index records it."""
        cached = self.lengths.get(field)
        if cached is None:
            perdoc = getattr(reader, "_perdoc", None)
            if perdoc is not None and hasattr(perdoc, "_cached_reader"):
                cached = column_lengths(perdoc, field)
            if cached is None:
                cached = [
                    reader.doc_field_length(d, field, 0) for d in range(reader.doc_count_all())
                ]
            self.lengths[field] = cached
        return cached


def column_lengths(perdoc: Any, field: str) -> list[int] | None:
    """Each document's length in `field`, read at once from a segment's per-document
    reader's length column; None where the segment has none."""
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    return None if column is None else [byte_to_length(b) if b else 0 for b in column]


def _unfiltered(matcher: Any) -> Any:
    """The postings without Whoosh's deleted-documents wrapper (the allowed set excludes
    deleted documents already)."""
    while isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    return matcher


def _blocks(matcher: Any) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """A term's postings as (document numbers, weights), a block at a time."""
    matcher = _unfiltered(matcher)
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            yield matcher._ids, matcher._weights
            matcher._next_block()
        return
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    yield ids, weights


class Evaluator:
    """Evaluates plans on one searcher for one set of readable documents."""

    def __init__(
        self,
        searcher: Searcher,
        segments: list[tuple[Any, SegmentData, int]],
        allowed: set[int],
        verify: Callable[[set[int], LongPhrase], set[int]],
    ) -> None:
        self.searcher = searcher
        self.segments = segments
        self.allowed = allowed
        self.verify = verify

    def run(self, plan: Plan) -> dict[int, float]:
        """Readable matching documents and their scores."""
        if isinstance(plan, Leaf):
            return self._leaf(plan)
        if isinstance(plan, LongPhrase):
            found = self.run(Combine("and", plan.pairs))
            kept = self.verify(set(found), plan) if found else set()
            return {d: s for d, s in found.items() if d in kept}
        if isinstance(plan, Negate):
            excluded = self.run(plan.part)
            return {d: 0.0 for d in self.allowed if d not in excluded}
        if plan.op == "or":
            merged: dict[int, float] = {}
            for part in plan.parts:
                for d, s in self.run(part).items():
                    merged[d] = merged.get(d, 0.0) + s
            return merged
        positive = [p for p in plan.parts if not isinstance(p, Negate)]
        negative = [p.part for p in plan.parts if isinstance(p, Negate)]
        if positive:
            results = sorted((self.run(p) for p in positive), key=len)
            merged = dict(results[0])
            for other in results[1:]:
                merged = {d: s + other[d] for d, s in merged.items() if d in other}
        else:
            merged = dict.fromkeys(self.allowed, 0.0)
        for part in negative:
            if not merged:
                break
            excluded = self.run(part)
            merged = {d: s for d, s in merged.items() if d not in excluded}
        return merged

    def _terms(self, leaf: Leaf, field: str) -> list[str]:
        if leaf.kind in ("prefix", "exact_prefix"):
            reader = self.searcher.reader()
            if field not in reader.indexed_field_names():
                return []
            return [
                t.decode() if isinstance(t, bytes) else t
                for t in reader.expand_prefix(field, leaf.text)
            ]
        return [leaf.text]

    def _leaf(self, leaf: Leaf) -> dict[int, float]:
        allowed = self.allowed
        scores: dict[int, float] = {}
        exact = leaf.kind in ("exact", "exact_prefix")
        for field in leaf.fields:
            for text in self._terms(leaf, field):
                if exact:
                    for reader, _, offset in self.segments:
                        if (field, text) not in reader:
                            continue
                        for ids, _ in _blocks(reader.postings(field, text)):
                            for d in ids:
                                if d + offset in allowed:
                                    scores[d + offset] = 0.0
                    continue
                self._score_term(field, text, scores)
        return scores

    def _score_term(self, field: str, text: str, scores: dict[int, float]) -> None:
        """Adds the BM25F score of one term in one field to every readable document with it."""
        searcher = self.searcher
        allowed = self.allowed
        idf = searcher.idf(field, text)
        avgfl = searcher.avg_field_length(field) or 1.0
        k1_plus_1 = K1 + 1
        constant = K1 * (1 - B)
        per_length = K1 * B / avgfl
        get = scores.get
        for reader, segment, offset in self.segments:
            if (field, text) not in reader:
                continue
            lengths = segment.field_lengths(reader, field)
            for ids, weights in _blocks(reader.postings(field, text)):
                for d, w in zip(ids, weights, strict=True):
                    doc = d + offset
                    if doc in allowed:
                        score = idf * (w * k1_plus_1) / (w + constant + per_length * lengths[d])
                        scores[doc] = get(doc, 0.0) + score


def contains_run(text: str, pairs: tuple[str, ...]) -> bool:
    """Whether the text's word pairs hold these pairs one after another (the phrase)."""
    found = analysed_pairs(text)
    n = len(pairs)
    first = pairs[0]
    return any(
        found[i] == first and tuple(found[i : i + n]) == pairs for i in range(len(found) - n + 1)
    )


# --- Filters ----------------------------------------------------------------------------


def filter_queries(request: SearchRequest) -> list[wq.Query]:
    """The page's filters as Whoosh queries."""
    f = request.filters
    parts: list[wq.Query] = []
    if f.any or request.parsed.tree is None:
        parts.append(wq.Term("kind", "intelligence"))
    for name, value in (
        ("agency", f.agency.lower() if f.agency else None),
        ("key_question", f.key_question),
        ("theme", f.theme),
        ("marking", f.marking),
    ):
        if value:
            parts.append(wq.Term(name, value))
    if f.date_from or f.date_to:
        to_int = lambda d: d.year * 10000 + d.month * 100 + d.day  # noqa: E731
        parts.append(
            wq.NumericRange(
                "observed",
                to_int(f.date_from) if f.date_from else None,
                to_int(f.date_to) if f.date_to else None,
            )
        )
    return parts

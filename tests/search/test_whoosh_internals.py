"""A fence round what portal/search/whoosh_eval.py reads of Whoosh's private internals.

The fast evaluation reads a segment's field lengths from its column (``_perdoc``,
``_cached_reader``, ``_lenfield``) and a term's postings a block at a time from the
leaf matcher (``W3LeafMatcher._read_ids``, ``_read_weights``, ``_next_block``, ``_ids``,
``_weights``), under the deleted-documents wrapper (``FilterMatcher.child``). None of it is
Whoosh's public API, which is why pyproject.toml pins the version. If a Whoosh release moves
any of it, these tests fail and say what moved; each checks the private path against
Whoosh's own public answer on a small index of several segments (one with a deletion, one
with postings of several blocks). The database is not involved.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import whoosh
from whoosh import index
from whoosh import query as wq

WHOOSH = f"Whoosh {whoosh.versionstring()}"
WHY = (
    "portal/search/whoosh_eval.py relies on it; adapt whoosh_eval to this release (or keep "
    "the version pinned in pyproject.toml)"
)
#: A term in more documents than one postings block holds (Whoosh 2.7 writes 128 a block).
MANY = 300


def _documents() -> Iterator[dict[str, Any]]:
    from portal.search.whoosh_engine import with_pairs

    for n in range(MANY):
        staff = " ".join(["staff"] * (1 + n % 3))
        body = f"Note {n}: {staff} at night, the garden and {'lounge ' * (n % 5)}kitchen."
        if n % 50 == 0:  # terms past ASCII, in the order of their UTF-8 bytes
            body += " Café zürich Ωmega ǅemal 𝔘nicode ﬁre naïve naive"
        yield with_pairs(
            {
                "doc_id": f"item:{n}",
                "kind": "item",
                "title": "Staff rota" if n % 7 == 0 else f"Visit {n}",
                "body": body,
                "theme": "staffing" if n % 2 else "staffing medication",
                "agency": "MERTON",
            }
        )


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An index of three segments: many documents; a few more; one with a deletion."""
    from portal.search.whoosh_index import schema, with_pairs

    folder: Path = tmp_path_factory.mktemp("whoosh-internals")
    built = index.create_in(str(folder), schema())
    writer = built.writer()
    for document in _documents():
        writer.add_document(**document)
    writer.commit(merge=False)
    writer = built.writer()
    for n in range(MANY, MANY + 5):
        writer.add_document(
            **with_pairs({"doc_id": f"item:{n}", "kind": "item", "title": "Staff", "body": "x"})
        )
    writer.commit(merge=False)
    writer = built.writer()
    writer.delete_by_term("doc_id", "item:3")
    writer.commit(merge=False)
    return built


@pytest.fixture
def searcher(ix: Any) -> Iterator[Any]:
    with ix.searcher() as opened:
        assert len(list(opened.reader().leaf_readers())) >= 2, "the index should have segments"
        yield opened


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("whoosh.codec.whoosh3", "LENGTHS_COLUMN"),
        ("whoosh.codec.whoosh3", "W3LeafMatcher"),
        ("whoosh.codec.whoosh3", "_lenfield"),
        ("whoosh.matching.wrappers", "FilterMatcher"),
        ("whoosh.util.numeric", "byte_to_length"),
        ("whoosh.codec.whoosh3", "W3Codec"),
        ("whoosh.codec.whoosh3", "W3PostingsWriter"),
        ("whoosh.writing", "SegmentWriter"),
    ],
)
def test_whoosh_still_has_every_name_whoosh_eval_imports(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name), f"{WHOOSH} has no {module}.{name}: {WHY}"


def test_a_segment_keeps_its_field_lengths_in_the_column_whoosh_eval_reads(searcher: Any) -> None:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    from portal.search.whoosh_eval import SegmentData

    compared = 0
    for reader, _offset in searcher.reader().leaf_readers():
        perdoc = getattr(reader, "_perdoc", None)
        assert hasattr(perdoc, "_cached_reader"), (
            f"{WHOOSH}: a segment reader has no _perdoc._cached_reader (field lengths): {WHY}"
        )
        for field in ("title", "body", "body_pairs"):
            public = [reader.doc_field_length(d, field, 0) for d in range(reader.doc_count_all())]
            if any(public):
                # (A segment where no document has the field keeps no column for it.)
                column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                assert column is not None, f"{WHOOSH}: no lengths column for {field!r}: {WHY}"
                compared += 1
            read = SegmentData(reader, []).field_lengths(reader, field)
            assert read == public, (
                f"{WHOOSH}: the lengths column of {field!r}, read as whoosh_eval reads it, "
                f"differs from reader.doc_field_length: {WHY}"
            )
    assert compared >= 4, "the test index should have lengths to compare"


def _public_postings(matcher: Any) -> tuple[list[int], list[float]]:
    """A term's postings through Whoosh's public matcher API (deleted documents left out)."""
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def test_a_terms_postings_are_read_a_block_at_a_time_as_whoosh_reads_them(searcher: Any) -> None:
    from whoosh.codec.whoosh3 import W3LeafMatcher

    from portal.search.whoosh_eval import _blocks, _unfiltered

    first = next(reader for reader, offset in searcher.reader().leaf_readers() if offset == 0)
    for field, text in (("body", "staff"), ("title", "staff"), ("body_pairs", "staff staff")):
        leaf = _unfiltered(first.postings(field, text))
        assert isinstance(leaf, W3LeafMatcher), (
            f"{WHOOSH}: reader.postings() is {type(leaf).__name__}, not W3LeafMatcher: {WHY}"
        )
        for method in ("is_active", "_read_ids", "_read_weights", "_next_block"):
            assert callable(getattr(leaf, method, None)), (
                f"{WHOOSH}: W3LeafMatcher has no {method}(): {WHY}"
            )
        leaf._read_ids()
        leaf._read_weights()
        for attribute in ("_ids", "_weights"):
            assert len(getattr(leaf, attribute, ())) > 0, (
                f"{WHOOSH}: W3LeafMatcher._read_ids/_read_weights no longer fill {attribute}: {WHY}"
            )
        blocks = list(_blocks(first.postings(field, text)))
        if field == "body":
            assert len(blocks) > 1, "the test term should span several postings blocks"
        ids = [d for block_ids, _ in blocks for d in block_ids]
        weights = [w for _, block_weights in blocks for w in block_weights]
        public_ids, public_weights = _public_postings(first.postings(field, text))
        kept = [(d, w) for d, w in zip(ids, weights, strict=True) if not first.is_deleted(d)]
        assert kept == list(zip(public_ids, public_weights, strict=True)), (
            f"{WHOOSH}: postings read a block at a time (_ids, _weights) differ from the "
            f"matcher's id() and weight() for {field}:{text}: {WHY}"
        )


def test_deleted_documents_wrap_the_postings_in_a_filter_matcher_with_a_child(
    searcher: Any,
) -> None:
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching.wrappers import FilterMatcher

    from portal.search.whoosh_eval import _unfiltered

    first = next(reader for reader, offset in searcher.reader().leaf_readers() if offset == 0)
    assert first.has_deletions(), "the test index should have a deletion in its first segment"
    wrapped = first.postings("body", "staff")
    assert isinstance(wrapped, FilterMatcher), (
        f"{WHOOSH}: postings with deletions are {type(wrapped).__name__}, not FilterMatcher: {WHY}"
    )
    assert isinstance(getattr(wrapped, "child", None), W3LeafMatcher), (
        f"{WHOOSH}: FilterMatcher.child is not the leaf matcher: {WHY}"
    )
    assert isinstance(_unfiltered(wrapped), W3LeafMatcher)


def _evaluator(searcher: Any) -> Any:
    from portal.search.whoosh_eval import Evaluator, SegmentData

    segments = [
        (reader, SegmentData(reader, ["theme"]), offset)
        for reader, offset in searcher.reader().leaf_readers()
    ]
    readable = set(searcher.docs_for_query(wq.Every()))
    return Evaluator(searcher, segments, readable, lambda candidates, _phrase: candidates)


def _whooshs_own(searcher: Any, query: wq.Query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


@pytest.mark.parametrize(
    ("fields", "text"),
    [(("title", "body"), "staff"), (("body",), "kitchen"), (("body_pairs",), "staff staff")],
)
def test_the_fast_evaluation_scores_every_match_as_whooshs_own_searcher(
    searcher: Any, fields: tuple[str, ...], text: str
) -> None:
    from portal.search.whoosh_eval import Leaf

    ours = _evaluator(searcher).run(Leaf("term", fields, text))
    theirs = _whooshs_own(searcher, wq.Or([wq.Term(field, text) for field in fields]))
    assert theirs, "the test term should match"
    assert ours.keys() == theirs.keys(), (
        f"{WHOOSH}: the fast evaluation finds other documents than Whoosh's searcher "
        f"for {text!r}: {WHY}"
    )
    for docnum, score in theirs.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-6), (
            f"{WHOOSH}: the fast evaluation's BM25F score differs from Whoosh's own for "
            f"document {docnum} ({ours[docnum]} against {score}): {WHY}"
        )


def test_an_exact_value_finds_what_whooshs_searcher_finds(searcher: Any) -> None:
    from portal.search.whoosh_eval import Leaf

    ours = _evaluator(searcher).run(Leaf("exact", ("theme",), "medication"))
    theirs = set(searcher.docs_for_query(wq.Term("theme", "medication")))
    assert theirs and set(ours) == theirs, f"{WHOOSH}: exact postings differ: {WHY}"


def test_the_bulk_writer_writes_what_whooshs_own_writer_writes(tmp_path: Path) -> None:
    """portal/search/whoosh_build.py's BulkSegmentWriter replaces SegmentWriter's
    add_document and flush (``_flush_segment``, ``fieldwriter._codec``, ``_tindex``,
    ``_fieldid``, ``per_document_reader``) and writes inline postings itself (Whoosh 2.7
    calls a ``set_inline`` that does not exist)."""
    from whoosh.codec.whoosh3 import W3TermInfo

    from portal.search.whoosh_build import BulkSegmentWriter
    from portal.search.whoosh_index import schema

    def built(folder: Path, bulk: bool) -> Any:
        folder.mkdir()
        made = index.create_in(str(folder), schema())
        writer = BulkSegmentWriter(made) if bulk else made.writer()
        for document in _documents():
            writer.add_document(**document)
        writer.commit(merge=False)
        return made

    theirs = built(tmp_path / "whoosh", bulk=False).searcher()
    ours = built(tmp_path / "bulk", bulk=True).searcher()
    assert not hasattr(W3TermInfo, "set_inline"), (
        f"{WHOOSH} now has W3TermInfo.set_inline: its own inlining may work; "
        "_write_inline in whoosh_build.py may no longer be needed"
    )
    for field in ("title", "body", "body_pairs", "theme", "agency", "doc_id"):
        assert list(ours.reader().all_terms()) == list(theirs.reader().all_terms())
        assert ours.avg_field_length(field) == theirs.avg_field_length(field), field
    for field, text in [
        ("body", "staff"),
        ("body", "kitchen"),
        ("body_pairs", "staff staff"),
        ("title", "rota"),
        ("title", "299"),  # found once: kept inline by the bulk writer
        ("doc_id", "item:7"),
        ("theme", "medication"),
    ]:
        query = wq.Term(field, text)
        expected = [(h.docnum, h.score) for h in theirs.search(query, limit=None)]
        found = [(h.docnum, h.score) for h in ours.search(query, limit=None)]
        assert expected and found == expected, (
            f"{WHOOSH}: the bulk writer's index answers {field}:{text} differently: {WHY}"
        )
        assert ours.doc_frequency(field, text) == theirs.doc_frequency(field, text)
    assert ours.stored_fields(5) == theirs.stored_fields(5)
    # Every term's statistics and postings, inline or in blocks, as Whoosh's writer keeps them.
    mine, whooshs = ours.reader(), theirs.reader()
    for field, text in whooshs.all_terms():
        a, b = mine.term_info(field, text), whooshs.term_info(field, text)
        stats = ("weight", "doc_frequency", "min_length", "max_length", "max_weight", "min_id")
        assert [getattr(a, n)() for n in stats] == [getattr(b, n)() for n in stats], (field, text)
        postings = [list(r.postings(field, text).items_as("weight")) for r in (mine, whooshs)]
        assert postings[0] == postings[1], (field, text)
        if whooshs.schema[field].format.__class__.__name__ == "Frequency":
            counts = [list(r.postings(field, text).items_as("frequency")) for r in (mine, whooshs)]
            assert counts[0] == counts[1], (field, text)

"""A full build of the Whoosh index (`portal search reindex`, or an index of an older layout).

Whoosh's own writer spends most of a build in Python per word: each text run through a chain
of analyzer generators, every posting pickled to a sorted run on disk and merged back through
a heap, then written to its block one call at a time. This build writes the same segment
files (Whoosh's own codec reads them) another way:

- each text is analysed once, for its words and its word pairs together, with the same
  tokens, stop words and Porter stems as `text.analyzer()` and `text.pair_analyzer()` (a
  property-based test holds the two to the same answers);
- a segment's postings wait in memory grouped by term, and go to their blocks a block at a
  time; a term found in fewer than INLINE_BELOW documents is kept in its term entry;
- the documents are cut into parts of SEGMENT_DOCUMENTS, and when there are several parts
  each is written by a process of its own (as many as there are cores, `search_build_processes`),
  reading its documents from the database itself. The segments are joined in one commit and
  never merged: a merge would cost as much again.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import time
from array import array
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from whoosh import index
from whoosh.codec.whoosh3 import (
    W3Codec,
    W3PostingsWriter,
    W3TermInfo,
)
from whoosh.lang.porter import stem
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from portal.extensions import db
from portal.models import IntelligenceItem, ItemStatus, Provider, SearchChange
from portal.search import documents
from portal.search.changes import ITEM, PROVIDER
from portal.search.text import stop_words
from portal.search.whoosh_eval import PAIR_FIELDS, column_lengths
from portal.search.whoosh_index import INDEX_VERSION, META_ID, schema, with_pairs

#: How many change ids below the newest a fresh build records as gaps (open transactions).
BUILD_GAP_WINDOW = 1000
#: Documents per segment of a full build: its postings are held in memory until written.
SEGMENT_DOCUMENTS = 25_000
#: A full build keeps the postings of a term found in fewer documents than this in the
#: term's entry, not in a block of their own (most pair terms are found once).
INLINE_BELOW = 4
#: Whoosh's RegexTokenizer's default pattern (asterisks included), without its group.
_TOKEN = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*", re.UNICODE)
_PAIRS = frozenset(PAIR_FIELDS.values())
#: A word's count in a document as Whoosh's Frequency format keeps it.
_packed_count = cache(pack_uint)
_TEXT_FIELDS = frozenset(PAIR_FIELDS) | _PAIRS
#: A term entry's statistics, as Whoosh's term info packs them.
_TERM_INFO = W3TermInfo._struct


class Analysis:
    """A text's stems and stem pairs in one pass, as `analysed_words` and `analysed_pairs`
    give them: Whoosh's tokens, lower-cased, PostgreSQL's stop words left out (each one
    still counted as a place between the words of a pair), Porter stems."""

    def __init__(self) -> None:
        self._stops = stop_words()
        self._stems: dict[str, str] = {}

    def terms(self, text: str) -> tuple[list[str], list[str]]:
        """The words and the pairs of `text`, in order."""
        stems, stops = self._stems, self._stops
        words: list[str] = []
        pairs: list[str] = []
        previous = None
        gap = 1
        for token in _TOKEN.findall(text):
            token = token.lower()
            if token in stops:
                gap += 1
                continue
            word = stems.get(token)
            if word is None:
                word = stems[token] = stem(token)
            words.append(word)
            if previous is not None:
                pairs.append(f"{previous} {word}" if gap == 1 else f"{previous} {gap} {word}")
            previous = word
            gap = 1
        return words, pairs


class _BlockPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer, taking a block's postings at once (`add_block`)."""

    _ids: Any

    def add_block(self, ids: Any, weights: Any, values: list[bytes], lengths: list[int]) -> None:
        """Up to a block's worth of postings at once, as `add_posting` would add them one by
        one (the block before is written first)."""
        if len(self._ids):
            self._write_block()
        self._ids = ids
        self._weights = weights
        self._values = [value for value in values if value]
        self._maxweight = max(0, max(weights))
        present = [length for length in lengths if length]
        self._minlength = min(present) if present else None
        self._maxlength = max(present, default=0)


class _BlockCodec(W3Codec):
    """Whoosh's codec, its postings writer taking a block at a time."""

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> W3PostingsWriter:
        return _BlockPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


Postings = tuple["array[int] | list[int]", "array[float] | list[float]", list[bytes]]


class BulkSegmentWriter(SegmentWriter):
    """A writer for a full build: the same segment files as Whoosh's own writer, written
    without its analyzer chains and its external sort (see the module's notes). The
    postings wait in memory grouped by term, so a segment holds at most SEGMENT_DOCUMENTS
    documents."""

    def __init__(self, ix: index.Index, **options: Any) -> None:
        # Each of a segment's files on its own, not in one compound file: a reader opens a
        # compound file's parts by copying each into memory, and a national index's term
        # tables (rare terms' postings inline) took 1.3 s to copy at every commit's search.
        super().__init__(ix, compound=False, **options)
        #: Per text field, per word: its documents and its count in each, interleaved.
        self.counted: dict[str, dict[str, array[int]]] = {}
        #: Per other field, per term: documents, weights and values.
        self.terms: dict[str, dict[bytes, Postings]] = {}
        self.analysis = Analysis()
        self.fieldwriter._codec = _BlockCodec()

    def _post(self, field: str, term: bytes, docnum: int, weight: float, value: bytes) -> None:
        terms = self.terms.get(field)
        if terms is None:
            terms = self.terms[field] = {}
        postings = terms.get(term)
        if postings is None:
            postings = terms[term] = (array("I"), array("f"), [])
        postings[0].append(docnum)
        postings[1].append(weight)
        postings[2].append(value)

    def _post_counted(self, field: str, words: list[str], docnum: int) -> int:
        """A text field's postings from its analysed words; its length (words counted)."""
        counted = self.counted.get(field)
        if counted is None:
            counted = self.counted[field] = {}
        get = counted.get
        for word, count in Counter(words).items():
            postings = get(word)
            if postings is None:
                counted[word] = array("I", (docnum, count))
            else:
                postings.append(docnum)
                postings.append(count)
        return len(words)

    def _field_postings(self, field: str) -> Iterator[tuple[bytes, Postings]]:
        """A field's terms in order, each with its documents, weights and values as Whoosh's
        formats make them (plain lists for a rare term, whose postings go inline)."""
        if field in self.terms:
            terms = self.terms[field]
            yield from ((term, terms[term]) for term in sorted(terms))
            return
        counted = self.counted[field]
        boost = self.schema[field].format.field_boost
        # In code point order, which is the order of their UTF-8 bytes.
        for word in sorted(counted):
            interleaved = counted[word]
            counts = interleaved[1::2]
            weights = [count * boost for count in counts]
            values = [_packed_count(count) for count in counts]
            if len(counts) < INLINE_BELOW:
                yield word.encode("utf-8"), (interleaved[0::2].tolist(), weights, values)
            else:
                yield word.encode("utf-8"), (interleaved[0::2], array("f", weights), values)

    def add_document(self, **fields: Any) -> None:
        """One document, as SegmentWriter.add_document adds it, its texts analysed once."""
        self._check_state()
        perdoc = self.perdocwriter
        docnum = self.docnum
        analysed: dict[str, tuple[list[str], list[str]]] = {}
        perdoc.start_doc(docnum)
        for name in sorted(fields):
            value = fields[name]
            if value is None:
                continue
            field = self.schema[name]
            length = 0
            if name in _TEXT_FIELDS:
                terms = analysed.get(value)  # a text and its pair field share one analysis
                if terms is None:
                    terms = analysed[value] = self.analysis.terms(value)
                length = self._post_counted(name, terms[1] if name in _PAIRS else terms[0], docnum)
            elif field.indexed:
                for term, count, weight, posting in field.index(value):
                    length += count if field.scorable else 0
                    self._post(name, term, docnum, weight, posting)
            perdoc.add_field(name, field, value if field.stored else None, length)
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        writer = self.fieldwriter
        current = None
        column: list[int] = []
        try:
            for field in sorted(self.counted.keys() | self.terms.keys()):
                if current is not None:
                    writer.finish_field()
                writer.start_field(field, self.schema[field])
                current = field
                column = column_lengths(lengths, field) or []
                prefix = pack_ushort(writer._fieldid)
                for text, postings in self._field_postings(field):
                    if len(postings[0]) < INLINE_BELOW:
                        _write_inline(writer, prefix + text, postings, column)
                    else:
                        writer.start_term(text)
                        _write_postings(writer._postwriter, postings, column)
                        writer.finish_term()
            if current is not None:
                writer.finish_field()
        finally:
            lengths.close()
        writer.close()

    def _close_segment(self) -> None:
        super()._close_segment()
        self.terms.clear()
        self.counted.clear()


def _write_inline(writer: Any, key: bytes, postings: Postings, column: list[int]) -> None:
    """A rare term's entry (`key`: the field's number and the term) with its postings in
    it: the bytes `W3TermInfo.to_bytes` makes for inline postings, which Whoosh's reader
    reads back (Whoosh 2.7's own writer calls a `set_inline` that does not exist, so it
    never inlines), without the term info object, the postings writer and its block."""
    ids, weights, values = postings
    present = [column[d] for d in ids if column[d]] if column else []
    header = _TERM_INFO.pack(
        True,  # inlined
        sum(weights),
        len(ids),
        length_to_byte(min(present)) if present else 0,
        length_to_byte(max(present)) if present else 0,
        max(0, max(weights)),
        ids[0],
        ids[-1],
    )
    kept = tuple(values) if values[0] else (b"",) * len(ids)
    writer._tindex.add(key, header + pickle.dumps((tuple(ids), tuple(weights), kept), 2))


def _write_postings(writer: _BlockPostingsWriter, postings: Postings, column: list[int]) -> None:
    """A term's postings, a block at a time (its field's lengths from `column`)."""
    docnums, weights, values = postings
    limit = writer._blocklimit
    for start in range(0, len(docnums), limit):
        ids = docnums[start : start + limit]
        lengths = [column[d] for d in ids] if column else []
        writer.add_block(
            ids, weights[start : start + limit], values[start : start + limit], lengths
        )


@dataclass(frozen=True)
class Part:
    """The providers and open items of one segment, by id."""

    providers: tuple[int, ...]
    items: tuple[int, ...]

    @property
    def cost(self) -> int:
        """Roughly how long the part takes to write (an item's text is a provider's four times)."""
        return 4 * len(self.items) + len(self.providers)

    def documents(self, session: Session) -> Iterator[dict[str, Any]]:
        yield from documents.part_documents(session, PROVIDER, self.providers)
        yield from documents.part_documents(session, ITEM, self.items)


def _parts(session: Session) -> list[Part]:
    """Every document's id, cut into parts of SEGMENT_DOCUMENTS (at least one part)."""
    providers = session.scalars(sa.select(Provider.id).order_by(Provider.id)).all()
    items = session.scalars(
        sa.select(IntelligenceItem.id)
        .where(IntelligenceItem.status == ItemStatus.OPEN)
        .order_by(IntelligenceItem.id)
    ).all()
    keys = [(PROVIDER, i) for i in providers] + [(ITEM, i) for i in items]
    runs = [
        keys[start : start + SEGMENT_DOCUMENTS] for start in range(0, len(keys), SEGMENT_DOCUMENTS)
    ]
    return [
        Part(
            tuple(i for kind, i in run if kind == PROVIDER),
            tuple(i for kind, i in run if kind == ITEM),
        )
        for run in runs or [[]]
    ]


def _add_part(writer: BulkSegmentWriter, session: Session, part: Part) -> int:
    """The part's documents added to the writer; how many."""
    count = 0
    for document in part.documents(session):
        writer.add_document(**with_pairs(document))
        count += 1
    return count


def _write_part(ix: index.Index, session: Session, part: Part) -> tuple[Any, int]:
    """One segment of the part's documents; the segment and how many it holds."""
    writer = BulkSegmentWriter(ix, _lk=False)
    count = _add_part(writer, session, part)
    segment = writer._finalize_segment()
    # Not writer._finish(): the writers share the index's temporary folder, which the
    # build's last commit removes.
    return segment, count


def _write_part_apart(folder: str, database_url: str, part: Part) -> tuple[Any, int]:
    """`_write_part` in a process of its own, with its own connection to the database."""
    engine = sa.create_engine(database_url)
    try:
        with Session(engine) as session:
            return _write_part(index.open_dir(folder), session, part)
    finally:
        engine.dispose()


def shared_database(url: sa.URL) -> bool:
    """Other processes can open this database (not an in-memory SQLite one)."""
    return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")


def _written_apart(path: Path, parts: list[Part], processes: int) -> list[tuple[Any, int]]:
    """Each part's segment, written by `processes` processes of their own; in the parts'
    order. The biggest parts go first (items before providers, whose documents are short),
    so that the processes finish together."""
    url = db.engine.url.render_as_string(hide_password=False)
    order = sorted(range(len(parts)), key=lambda n: -parts[n].cost)
    n = len(parts)
    with ProcessPoolExecutor(min(processes, n), mp_context=get_context("spawn")) as pool:
        done = pool.map(_write_part_apart, [str(path)] * n, [url] * n, [parts[i] for i in order])
        by_part = dict(zip(order, done, strict=True))
    return [by_part[i] for i in range(n)]


def _gaps(start: int) -> dict[str, float]:
    """Change ids below `start` not (yet) committed: open transactions the index must
    look at again."""
    present = set(
        db.session.scalars(
            sa.select(SearchChange.id).where(SearchChange.id > start - BUILD_GAP_WINDOW)
        )
    )
    now = time.time()
    window = range(max(1, start - BUILD_GAP_WINDOW + 1), start + 1)
    return {str(i): now for i in window if i not in present}


def build_index(root: Path, processes: int = 1) -> tuple[str, int]:
    """Write a fresh index of every document into a new folder; its name and the count.

    When there are several parts and `processes` > 1, the parts are written by that many
    processes of their own (`_written_apart`) and the segment this one commits holds only
    the index's bookkeeping document; otherwise they are written one after the other,
    here, the last with the bookkeeping document. The caller holds the reindex lock and
    swaps CURRENT to the folder afterwards.
    """
    start = db.session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
    meta = {"hwm": start, "gaps": _gaps(start), "version": INDEX_VERSION}
    folder = f"index-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
    path = root / folder
    path.mkdir(parents=True)
    new_index = index.create_in(str(path), schema())
    with Session(db.engine) as session:
        parts = _parts(session)
        writer = BulkSegmentWriter(new_index)
        count = 0
        if processes > 1 and len(parts) > 1 and shared_database(db.engine.url):
            written = _written_apart(path, parts, processes)
        else:
            *parts, last = parts
            written = [_write_part(new_index, session, part) for part in parts]
            count = _add_part(writer, session, last)
    writer.segments.extend(segment for segment, _ in written)
    writer.add_document(doc_id=META_ID, kind="meta", meta=json.dumps(meta))
    writer.commit(merge=False)
    return folder, count + sum(held for _, held in written)

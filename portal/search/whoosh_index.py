"""The Whoosh index on disk: its schema, its folders, the CURRENT pointer, its locks, its build.

Layout: ``instance/search/CURRENT`` names the live index folder (``index-<stamp>``), and
``.reindex.lock`` is held while a new folder is built. Each index holds a ``__meta__`` document
recording which search-change rows it has applied (``hwm``, the highest id, and ``gaps``, lower
ids not yet committed when it moved on) and the layout it was built to (``version``). A build
writes a new folder beside the old one and swaps CURRENT; searches keep using the old index
meanwhile.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from whoosh import fields, index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PostingsWriter, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from portal.extensions import db
from portal.models import SearchChange
from portal.search import documents
from portal.search.text import analyzer, pair_analyzer
from portal.search.whoosh_eval import PAIR_FIELDS

T = TypeVar("T")

META_ID = "__meta__"
KEEP_OLD_INDEXES = 1
#: The layout of the index's documents. An index built to another version is rebuilt
#: when first opened. 2: text fields without positions, with pair fields for phrases.
INDEX_VERSION = 2
#: How many change ids below the newest a fresh build records as gaps (open transactions).
BUILD_GAP_WINDOW = 1000
#: Documents per segment of a full build: its postings are held in memory until written.
SEGMENT_DOCUMENTS = 25_000
#: A full build keeps the postings of a term found in fewer documents than this in the
#: term's entry, not in a block of their own (most pair terms are found once).
INLINE_BELOW = 4


def schema() -> fields.Schema:
    """The index schema: text fields stemmed as PostgreSQL's english config, facets as IDs.

    Text fields keep word counts but no positions; phrases are found through the pair
    fields, which index each two neighbouring stems as one term.
    """
    return fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        kind=fields.ID(stored=True),
        title=fields.TEXT(analyzer=analyzer(), phrase=False, field_boost=2.0),
        body=fields.TEXT(analyzer=analyzer(), phrase=False),
        provider=fields.TEXT(analyzer=analyzer(), phrase=False),
        title_pairs=fields.TEXT(analyzer=pair_analyzer(), phrase=False, field_boost=2.0),
        body_pairs=fields.TEXT(analyzer=pair_analyzer(), phrase=False),
        provider_pairs=fields.TEXT(analyzer=pair_analyzer(), phrase=False),
        agency=fields.ID(),
        theme=fields.KEYWORD(),
        key_question=fields.ID(),
        marking=fields.ID(),
        month=fields.ID(),
        observed=fields.NUMERIC(int, bits=32, signed=False),
        readers=fields.KEYWORD(),
        meta=fields.STORED(),
    )


def with_pairs(document: dict[str, Any]) -> dict[str, Any]:
    """A document with its pair fields filled from its text fields."""
    for name, pairs in PAIR_FIELDS.items():
        if name in document:
            document[pairs] = document[name]
    return document


def retrying(open_: Callable[[], T], attempts: int = 20) -> T:
    """Open an index or searcher, retrying when another process's commit removed the
    generation being opened (Whoosh deletes superseded table-of-contents files)."""
    for attempt in range(attempts):
        try:
            return open_()
        except (FileNotFoundError, index.EmptyIndexError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


@contextmanager
def file_lock(root: Path, name: str) -> Iterator[None]:
    """Hold an exclusive lock on the file `name` in the search folder (across processes)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / name, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_folder(root: Path) -> str | None:
    """The name of the live index folder, or None before the first build."""
    try:
        return (root / "CURRENT").read_text().strip() or None
    except FileNotFoundError:
        return None


class _TermPool:
    """A segment's postings grouped by term in memory, each term's in document order."""

    def __init__(self) -> None:
        self.terms: dict[tuple[str, bytes], tuple[array[int], array[float], list[bytes]]] = {}
        self._values: dict[bytes, bytes] = {}

    def add(self, item: tuple[str, bytes, int, float, bytes]) -> None:
        """One posting (field, term, document number, weight, value), as Whoosh gives it."""
        field, text, docnum, weight, value = item
        postings = self.terms.get((field, text))
        if postings is None:
            postings = self.terms[(field, text)] = (array("I"), array("f"), [])
        postings[0].append(docnum)
        postings[1].append(weight)
        # Values repeat (a word's count in the document): keep one object of each.
        postings[2].append(self._values.setdefault(value, value))

    def cleanup(self) -> None:
        """Drop the postings (the writer calls this when the segment is closed)."""
        self.terms.clear()


class _InliningPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer with its inlining working: Whoosh 2.7 calls
    `terminfo.set_inline`, and the method (which its reader reads back) is `set_inlined`."""

    _terminfo: Any

    def finish_postings(self) -> Any:
        terminfo = self._terminfo
        if self.written() or len(self) >= self._inlinelimit:
            return super().finish_postings()
        terminfo.add_block(self)
        # A field without values (IDs, keywords) keeps none; read back inline, Whoosh would
        # give each posting the value '' (text), which its own merge then refuses.
        values = self._values if self._values else [b""] * len(self._ids)
        terminfo.set_inlined(self._ids, self._weights, values)
        self._terminfo = None
        return terminfo


class _InliningCodec(W3Codec):
    """Whoosh's codec, its postings writer inlining rare terms' postings."""

    def __init__(self) -> None:
        super().__init__(inlinelimit=INLINE_BELOW)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> W3PostingsWriter:
        return _InliningPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


class BulkSegmentWriter(SegmentWriter):
    """A writer for a full build: the same segment files as Whoosh's own writer, written
    without its external sort (every posting pickled to a run, merged back through a
    heap, its field length looked up one by one), which is most of a build's time.

    The postings wait in memory grouped by term (so a segment holds at most
    SEGMENT_DOCUMENTS documents) and each field's lengths are read once. A term
    found in fewer than INLINE_BELOW documents is kept in its term entry (the segment
    itself records Whoosh's own codec: only the writing differs).
    """

    def __init__(self, ix: index.Index) -> None:
        super().__init__(ix)
        self.pool = _TermPool()
        self.fieldwriter._codec = _InliningCodec()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        writer = self.fieldwriter
        current = None
        column: Any = ()
        try:
            for (field, text), (docnums, weights, values) in sorted(self.pool.terms.items()):
                if field != current:
                    if current is not None:
                        writer.finish_field()
                    writer.start_field(field, self.schema[field])
                    current = field
                    column = lengths._cached_reader(_lenfield(field), LENGTHS_COLUMN) or ()
                    column = [byte_to_length(b) if b else 0 for b in column]
                writer.start_term(text)
                for docnum, weight, value in zip(docnums, weights, values, strict=True):
                    writer.add(docnum, weight, value, column[docnum] if column else 0)
                writer.finish_term()
            if current is not None:
                writer.finish_field()
        finally:
            lengths.close()
        writer.close()


def build_index(root: Path) -> tuple[str, int]:
    """Write a fresh index of every document into a new folder; its name and the count.

    The caller holds the reindex lock and swaps CURRENT to the folder afterwards.
    """
    start = db.session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
    present = set(
        db.session.scalars(
            sa.select(SearchChange.id).where(SearchChange.id > start - BUILD_GAP_WINDOW)
        )
    )
    now = time.time()
    window = range(max(1, start - BUILD_GAP_WINDOW + 1), start + 1)
    gaps = {str(i): now for i in window if i not in present}
    folder = f"index-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
    path = root / folder
    path.mkdir(parents=True)
    new_index = index.create_in(str(path), schema())
    writer = BulkSegmentWriter(new_index)
    count = 0
    for document in documents.all_documents():
        writer.add_document(**with_pairs(document))
        count += 1
        if count % SEGMENT_DOCUMENTS == 0:
            # Several segments, never merged: merging would cost as much again.
            writer.commit(merge=False)
            writer = BulkSegmentWriter(new_index)
    meta = {"hwm": start, "gaps": gaps, "version": INDEX_VERSION}
    writer.add_document(doc_id=META_ID, kind="meta", meta=json.dumps(meta))
    writer.commit(merge=False)
    return folder, count


def swap_to(root: Path, folder: str) -> None:
    """Point CURRENT at `folder` atomically and remove indexes older than the one kept."""
    temporary = root / f"CURRENT.{os.getpid()}.tmp"
    temporary.write_text(folder)
    os.replace(temporary, root / "CURRENT")
    # Keep the previous index: another process may still be reading it.
    old = sorted(p for p in root.glob("index-*") if p.name != folder)
    for stale in old[: max(0, len(old) - KEEP_OLD_INDEXES)]:
        for child in stale.iterdir():
            child.unlink(missing_ok=True)
        stale.rmdir()

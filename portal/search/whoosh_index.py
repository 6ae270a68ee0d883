"""The Whoosh index on disk: its schema, its folders, the CURRENT pointer, its locks.

Layout: ``instance/search/CURRENT`` names the live index folder (``index-<stamp>``), and
``.reindex.lock`` is held while a new folder is built. Each index holds a ``__meta__`` document
recording which search-change rows it has applied (``hwm``, the highest id, and ``gaps``, lower
ids not yet committed when it moved on) and the layout it was built to (``version``). A build
writes a new folder beside the old one and swaps CURRENT; searches keep using the old index
meanwhile. The build itself is `whoosh_build`'s.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from whoosh import fields, index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, _lenfield
from whoosh.searching import Searcher

from portal.search.text import analyzer, pair_analyzer
from portal.search.whoosh_eval import PAIR_FIELDS

T = TypeVar("T")

META_ID = "__meta__"
KEEP_OLD_INDEXES = 1
#: The layout of the index's documents. An index built to another version is rebuilt
#: when first opened. 2: text fields without positions, with pair fields for phrases.
INDEX_VERSION = 2


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


def held_open(searcher: Searcher) -> Searcher:
    """The searcher, with every file of its segments open from the start.

    Segments are written file by file (not compound), and Whoosh opens a segment's
    columns (stored fields, field lengths) only when first read. Another process's
    commit may merge segments meanwhile and delete their files: an open file stays
    readable, but one opened after the deletion reads as an absent column, and stored
    fields then fail. A file already gone here raises FileNotFoundError, so that
    `retrying` opens the newer generation instead.
    """
    try:
        for reader, _ in searcher.reader().leaf_readers():
            segment = reader.segment()
            perdoc = reader._perdoc  # Whoosh's reader has no public way to open columns
            columns = [("_stored", STORED_COLUMN)] + [
                (_lenfield(field), LENGTHS_COLUMN)
                for field, total in segment._fieldlengths.items()
                if total
            ]
            for name, column in columns:
                if perdoc._cached_reader(name, column) is None:
                    raise FileNotFoundError(f"segment {segment.segment_id()} lost {name}")
    except BaseException:
        searcher.close()
        raise
    return searcher


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

"""The embedded engine: a Whoosh index in instance/search/, a cache of the database.

The index's files, schema and build are in ``whoosh_index``. Before every search a
process applies the search-change rows it has not seen, under Whoosh's writer lock, so
any process's search sees every write committed before it.
"""

from __future__ import annotations

import heapq
import json
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from whoosh import highlight, index
from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.writing import LockError

from portal.extensions import db
from portal.models import IntelligenceItem, SearchChange
from portal.policy import Reader
from portal.search import documents
from portal.search.changes import ITEM, PROVIDER
from portal.search.interface import (
    EngineHit,
    EngineResult,
    SearchRequest,
    candidate_limit,
    capped_total,
)
from portal.search.text import MARK_END, MARK_START, analysed_words, analyzer
from portal.search.whoosh_build import build_index
from portal.search.whoosh_eval import (
    Evaluator,
    LongPhrase,
    SegmentData,
    compile_tree,
    contains_run,
    filter_queries,
)
from portal.search.whoosh_index import (
    INDEX_VERSION,
    META_ID,
    current_folder,
    file_lock,
    held_open,
    retrying,
    swap_to,
    with_pairs,
)

#: How long an unseen change id is waited for (an open transaction) before it is dropped.
GAP_SECONDS = 600
MAX_GAPS = 2000
WRITE_LOCK_SECONDS = 60


TEXT_FIELDS = ("title", "body")
FACET_FIELDS = {
    "agency": "agency",
    "key_question": "key_question",
    "theme": "theme",
    "marking": "marking",
    "month": "month",
}


class _Marker(highlight.Formatter):
    """Wraps matched words in the shared markers; escaping happens later, once."""

    between = " … "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return MARK_START + highlight.get_text(text, token, replace) + MARK_END

    def format_fragment(self, fragment: Any, replace: bool = False) -> str:
        output, index_ = [], fragment.startchar
        text = fragment.text
        for token in fragment.matches:
            if token.startchar < index_:
                continue
            output.append(text[index_ : token.startchar])
            output.append(self.format_token(text, token, replace))
            index_ = token.endchar
        output.append(text[index_ : fragment.endchar])
        return "".join(output)


# --- The engine ------------------------------------------------------------------------


class WhooshEngine:
    """Whoosh behind the engine interface; safe for threads and for processes."""

    name = "whoosh"

    def __init__(self, instance_path: str) -> None:
        self.root = Path(instance_path) / "search"
        self._lock = threading.RLock()
        self._folder: str | None = None
        self._index: index.Index | None = None
        self._searcher: Searcher | None = None
        self._allowed: dict[frozenset[str], set[int]] = {}
        self._columns: dict[str, list[Any]] | None = None
        # Segments never change once written (deletions aside, which the allowed set
        # carries), so what is read from one is kept for as long as it is in the index.
        self._segments: dict[tuple[str, str], SegmentData] = {}

    def _open(self) -> Searcher:
        """The searcher of the live index, reopened when CURRENT or the index changed."""
        folder = current_folder(self.root)
        if folder is None:
            self.reindex()
            folder = current_folder(self.root)
            if folder is None:
                raise RuntimeError(f"reindex left no CURRENT index in {self.root}")
        if folder != self._folder or self._index is None:
            if self._searcher is not None:
                self._searcher.close()
            self._index = retrying(lambda: index.open_dir(str(self.root / folder)))
            self._folder = folder
            self._searcher = retrying(self._new_searcher)
            self._allowed.clear()
            self._columns = None
            self._segments.clear()
            if self._meta(self._searcher).get("version") != INDEX_VERSION:
                self._rebuild_stale(folder)
                return self._open()
        else:
            assert self._searcher is not None
            if self._index.latest_generation() != self._searcher.reader().generation():
                # Not Searcher.refresh(): its reader reuse keeps a segment's old
                # deletion list, so replaced documents would still be found.
                self._searcher.close()
                self._searcher = retrying(self._new_searcher)
                self._allowed.clear()
                self._columns = None
        return self._searcher

    def _new_searcher(self) -> Searcher:
        assert self._index is not None
        return held_open(self._index.searcher())

    # -- keeping up with the database --

    @staticmethod
    def _meta(searcher: Searcher) -> dict[str, Any]:
        stored = searcher.document(doc_id=META_ID)
        return json.loads(stored["meta"]) if stored else {"hwm": 0, "gaps": {}}

    @staticmethod
    def _pending(meta: dict[str, Any]) -> list[tuple[int, str, int]]:
        gaps = [int(g) for g in meta.get("gaps", {})]
        condition = SearchChange.id > meta["hwm"]
        if gaps:
            condition = sa.or_(condition, SearchChange.id.in_(gaps))
        rows = db.session.execute(
            sa.select(SearchChange.id, SearchChange.entity, SearchChange.entity_id)
            .where(condition)
            .order_by(SearchChange.id)
        )
        return [(int(n), str(entity), int(entity_id)) for n, entity, entity_id in rows]

    def catch_up(self) -> int:
        """Apply the change-log rows this index has not seen; how many were applied."""
        with self._lock:
            searcher = self._open()
            if not self._pending(self._meta(searcher)):
                return 0
            applied = self._apply_pending()
            self._open()
            return applied

    def _apply_pending(self) -> int:
        assert self._index is not None
        deadline = time.monotonic() + WRITE_LOCK_SECONDS
        while True:
            try:
                # Segments file by file, as a full build writes them (see whoosh_build):
                # a compound file's parts are copied into memory whenever a reader opens it.
                writer = self._index.writer(timeout=5.0, delay=0.05, compound=False)
                break
            except LockError:
                if time.monotonic() > deadline:
                    raise
        try:
            # Another process may have applied them while this one waited for the lock.
            # The writer's own searcher (it sees the last commit) also serves its updates.
            meta = self._meta(writer.searcher())
            pending = self._pending(meta)
            if not pending:
                writer.cancel()
                return 0
            self._write_entities(writer, {(entity, eid) for _, entity, eid in pending})
            writer.update_document(
                doc_id=META_ID, kind="meta", meta=json.dumps(self._next_meta(meta, pending))
            )
            writer.commit()
            return len(pending)
        except BaseException:
            writer.cancel()
            raise

    @staticmethod
    def _next_meta(meta: dict[str, Any], pending: list[tuple[int, str, int]]) -> dict[str, Any]:
        now = time.time()
        seen = {row[0] for row in pending}
        old_hwm = int(meta["hwm"])
        new_hwm = max([old_hwm, *seen])
        gaps = {
            g: t
            for g, t in meta.get("gaps", {}).items()
            if int(g) not in seen and now - t < GAP_SECONDS
        }
        for missing in range(old_hwm + 1, new_hwm):
            if missing not in seen:
                gaps[str(missing)] = now
        if len(gaps) > MAX_GAPS:
            gaps = dict(sorted(gaps.items(), key=lambda kv: -int(kv[0]))[:MAX_GAPS])
        return {"hwm": new_hwm, "gaps": gaps, "version": meta.get("version", INDEX_VERSION)}

    def _write_entities(self, writer: Any, entities: set[tuple[str, int]]) -> None:
        provider_ids = {eid for kind, eid in entities if kind == PROVIDER}
        item_ids = {eid for kind, eid in entities if kind == ITEM}
        if provider_ids:
            # A provider's name is in its items' documents too.
            item_ids |= set(
                db.session.scalars(
                    sa.select(IntelligenceItem.id).where(
                        IntelligenceItem.provider_id.in_(provider_ids)
                    )
                )
            )
        providers = documents.load_providers(provider_ids)
        for pid in provider_ids:
            if pid in providers:
                writer.update_document(**with_pairs(documents.provider_document(providers[pid])))
            else:
                writer.delete_by_term("doc_id", f"provider:{pid}")
        items = documents.load_items(item_ids)
        for iid in item_ids:
            item = items.get(iid)
            if item is not None and documents.is_searchable(item):
                writer.update_document(**with_pairs(documents.item_document(item)))
            else:
                writer.delete_by_term("doc_id", f"item:{iid}")

    def _build(self) -> int:
        """The rebuild itself, and the swap to it; the caller holds the reindex lock."""
        processes = current_app.config["PORTAL"].get("search_build_processes") or os.cpu_count()
        folder, count = build_index(self.root, processes or 1)
        swap_to(self.root, folder)
        return count

    def reindex(self) -> int:
        """Build a fresh index beside the live one from the database, then swap to it."""
        with file_lock(self.root, ".reindex.lock"):
            return self._build()

    def _rebuild_stale(self, folder: str) -> None:
        """Rebuild an index of an older layout, unless another process just did."""
        with file_lock(self.root, ".reindex.lock"):
            if current_folder(self.root) == folder:
                self._build()

    # -- searching --

    def _allowed_docs(self, searcher: Searcher, principals: frozenset[str]) -> set[int]:
        """The documents these principals may read; cached per index version.

        Each segment's share is kept with the segment (it never changes), so after a
        commit only the new segment is read: at national scale, reading every
        segment's readers again took most of the time from a commit to its search.
        """
        cached = self._allowed.get(principals)
        if cached is None:
            cached = set()
            for reader, data, offset in self._leaf_segments(searcher):
                local = data.readable(reader, principals)
                if reader.has_deletions():
                    local = local - reader.deleted_docs_set
                cached.update(local if offset == 0 else (d + offset for d in local))
            if len(self._allowed) > 256:
                self._allowed.clear()
            self._allowed[principals] = cached
        return cached

    def search(self, user: Reader, request: SearchRequest) -> EngineResult:
        """Ranked hits the principals may read, with the total (up to the cap) and facets."""
        self.catch_up()
        return self._search(request)

    def _search(self, request: SearchRequest) -> EngineResult:
        with self._lock:
            searcher = self._open()
            allowed = self._allowed_docs(searcher, request.principals)
            limit = request.page * request.per_page
            start = (request.page - 1) * request.per_page
            scope = self._scope(searcher, request)
            if scope is not None:
                allowed = allowed & scope
            if request.parsed.tree is None:
                # Browsing without words: everything the filters allow, newest first.
                parts = filter_queries(request)
                browse = wq.And(parts) if len(parts) > 1 else parts[0]
                matched = set(searcher.docs_for_query(browse)) & allowed
                if request.newest_first:
                    top = self._newest(searcher, dict.fromkeys(matched, 0.0))[start:limit]
                else:
                    results = searcher.search(
                        browse, filter=allowed, limit=limit, sortedby="observed", reverse=True
                    )
                    top = [(hit.docnum, 0.0) for hit in results[start:limit]]
            else:
                scores = self._evaluate(searcher, request, allowed)
                matched = set(scores)
                if request.newest_first:
                    top = self._newest(searcher, scores)[start:limit]
                else:
                    # Best first; equal scores in index order, as Whoosh's own collector.
                    best = heapq.nsmallest(limit, scores.items(), key=lambda kv: (-kv[1], kv[0]))
                    top = best[start:limit]
            hits = []
            for docnum, score in top:
                kind, _, raw_id = searcher.stored_fields(docnum)["doc_id"].partition(":")
                hits.append(
                    EngineHit(
                        type="intelligence" if kind == "item" else "provider",
                        id=int(raw_id),
                        score=round(float(score), 4),
                    )
                )
            # The index finds every match anyway; the total stops at the cap as
            # PostgreSQL's does, so both engines answer alike. Facets stay exact.
            total, capped = capped_total(len(matched), candidate_limit(request))
            return EngineResult(
                hits=hits, total=total, facets=self._facets(matched), total_capped=capped
            )

    @staticmethod
    def _scope(searcher: Searcher, request: SearchRequest) -> set[int] | None:
        """The documents of the items about the filter's providers; None without that filter."""
        provider_ids = request.filters.provider_ids
        if provider_ids is None:
            return None
        terms = [
            wq.Term("doc_id", f"item:{item_id}")
            for item_id in db.session.scalars(
                sa.select(IntelligenceItem.id).where(IntelligenceItem.provider_id.in_(provider_ids))
            )
        ]
        return set(searcher.docs_for_query(wq.Or(terms))) if terms else set()

    @staticmethod
    def _newest(searcher: Searcher, scores: dict[int, float]) -> list[tuple[int, float]]:
        """The (item) documents newest observed first, then highest id, as PostgreSQL orders."""
        by_item = {}
        for docnum in scores:
            kind, _, raw_id = searcher.stored_fields(docnum)["doc_id"].partition(":")
            if kind == "item":
                by_item[int(raw_id)] = docnum
        rows = db.session.execute(
            sa.select(IntelligenceItem.id, IntelligenceItem.observed_on).where(
                IntelligenceItem.id.in_(by_item)
            )
        ).all()
        observed = {int(item_id): day for item_id, day in rows}
        order = sorted(observed, key=lambda i: (observed[i], i), reverse=True)
        return [(by_item[i], scores[by_item[i]]) for i in order]

    def _leaf_segments(self, searcher: Searcher) -> list[tuple[Any, SegmentData, int]]:
        """Each segment's reader, what is kept of it, and its first document number."""
        assert self._folder is not None
        out = []
        for reader, offset in searcher.reader().leaf_readers():
            key = (self._folder, reader.segment().segment_id())
            data = self._segments.get(key)
            if data is None:
                data = self._segments[key] = SegmentData(reader, list(FACET_FIELDS.values()))
            out.append((reader, data, offset))
        live = {
            (self._folder, r.segment().segment_id()) for r, _ in searcher.reader().leaf_readers()
        }
        for key in [k for k in self._segments if k not in live]:
            del self._segments[key]
        return out

    def _evaluate(
        self, searcher: Searcher, request: SearchRequest, allowed: set[int]
    ) -> dict[int, float]:
        """Every readable match of the words and the filters, with its score."""
        plan = compile_tree(request.parsed.tree)
        if plan is None:
            return {}
        segments = self._leaf_segments(searcher)
        evaluator = Evaluator(searcher, segments, allowed, self._verify_phrase)
        scores = evaluator.run(plan)
        for query in filter_queries(request):
            if not scores:
                break
            kept = set(searcher.docs_for_query(query))
            scores = {d: s for d, s in scores.items() if d in kept}
        return scores

    def _verify_phrase(self, candidates: set[int], phrase: LongPhrase) -> set[int]:
        """The candidates whose text holds the phrase's stems in a row (checked against the
        database's text, which the index does not store)."""
        assert self._searcher is not None
        by_key: dict[tuple[str, int], int] = {}
        for docnum in candidates:
            kind, _, raw_id = self._searcher.stored_fields(docnum)["doc_id"].partition(":")
            by_key[(kind, int(raw_id))] = docnum
        items = documents.load_items([i for k, i in by_key if k == "item"])
        providers = documents.load_providers([i for k, i in by_key if k == "provider"])
        kept = set()
        for (kind, ident), docnum in by_key.items():
            if kind == "item":
                record = items.get(ident)
                document = documents.item_document(record) if record is not None else None
            else:
                found = providers.get(ident)
                document = documents.provider_document(found) if found is not None else None
            if document is not None and any(
                contains_run(document.get(field, ""), phrase.pair_texts) for field in phrase.fields
            ):
                kept.add(docnum)
        return kept

    def _facet_columns(self, searcher: Searcher) -> dict[str, list[Any]]:
        """Per facet field, the value(s) of each document number; built from the segments."""
        if self._columns is None:
            segments = self._leaf_segments(searcher)
            self._columns = {
                name: [value for _, data, _ in segments for value in data.facets[field]]
                for name, field in FACET_FIELDS.items()
            }
        return self._columns

    def _facets(self, matched: set[int]) -> dict[str, dict[str, int]]:
        assert self._searcher is not None
        columns = self._facet_columns(self._searcher)
        facets: dict[str, dict[str, int]] = {}
        for name, column in columns.items():
            if name == "theme":
                counts = Counter(v for d in matched for v in (column[d] or ()))
            else:
                counts = Counter(column[d] for d in matched)
                counts.pop(None, None)
            facets[name] = dict(counts)
        return facets

    def snippets(
        self, request: SearchRequest, texts: dict[tuple[str, int], str]
    ) -> dict[tuple[str, int], str]:
        """Marked snippets from the hits' texts, highlighting the query's words."""
        terms = set(analysed_words(" ".join(request.parsed.words)))
        prefixes = request.parsed.prefixes
        out: dict[tuple[str, int], str] = {}
        fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
        for key, text in texts.items():
            wanted = set(terms)
            if prefixes:
                wanted |= {t.text for t in analyzer()(text) if t.text.startswith(tuple(prefixes))}
            if not wanted:
                continue
            marked = highlight.highlight(
                text, frozenset(wanted), analyzer(), fragmenter, _Marker(), top=2
            )
            if MARK_START in marked:
                out[key] = marked
        return out

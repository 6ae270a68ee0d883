"""The Whoosh index never lags the database, across processes, crashes and rebuilds."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from whoosh import index as whoosh_index

from portal import create_app
from portal.extensions import db
from portal.models import Marking, Role, SearchChange
from portal.search.engine import get_engine
from portal.search.interface import SearchFilters
from portal.search.services import run_search
from tests import factories
from tests.search.apart import problems_apart

# The Whoosh index is the engine of the embedded (SQLite) deployment: these run there only.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def whoosh_app(app):
    assert get_engine().name == "whoosh"
    return app


def second_process_app(app):
    """Another process's app: same database and instance folder, its own engine."""
    return create_app(
        {
            "env": "test",
            "database_url": app.config["SQLALCHEMY_DATABASE_URI"],
            "instance_path": app.instance_path,
        }
    )


def test_a_search_in_another_process_sees_a_write_committed_before_it(whoosh_app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.commit()
    assert run_search(author, "anything", SearchFilters()).total == 0  # builds the index
    factories.item(author, Marking.GREEN, body="The pangolin enclosure was unsafe.")
    db.session.commit()
    other = second_process_app(whoosh_app)
    with other.app_context():
        reader = db.session.get(type(author), author.id)
        assert run_search(reader, "pangolin", SearchFilters()).total == 1


def test_a_crash_between_commit_and_indexing_loses_nothing(whoosh_app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.commit()
    run_search(author, "warm up", SearchFilters())
    # The change commits with its log row; the process dies before any index write.
    factories.item(author, Marking.GREEN, body="Wombat found in the sluice room.")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchChange)) >= 1
    whoosh_app.extensions.pop("portal_search")  # the engine (and its memory) is gone
    assert run_search(author, "wombat", SearchFilters()).total == 1


def test_a_rolled_back_change_never_reaches_the_index(whoosh_app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.commit()
    factories.item(author, Marking.GREEN, body="Narwhal incident that was never saved.")
    db.session.rollback()
    # The log row rolled back with the change it recorded.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchChange)) == 0
    assert run_search(author, "narwhal", SearchFilters()).total == 0


def test_searching_with_nothing_new_writes_nothing(whoosh_app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.commit()
    engine = get_engine()
    run_search(author, "first", SearchFilters())
    generation = engine._index.latest_generation()
    assert engine.catch_up() == 0
    run_search(author, "second", SearchFilters())
    assert engine._index.latest_generation() == generation


def test_a_searcher_still_reads_segments_another_process_merged_away(whoosh_app):
    """CI caught a search failing with a TypeError in Whoosh's stored fields: a
    gunicorn worker opened a searcher, another worker's commit merged segments and
    deleted their files, and the first then read a column it had not opened yet."""
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    db.session.commit()
    engine = get_engine()
    for n, animal in enumerate(["aardvark", "okapi", "tapir"]):
        factories.item(author, Marking.GREEN, body=f"Visit {n}: the {animal} was unwell.")
        db.session.commit()
        assert run_search(author, animal, SearchFilters()).total == 1  # a segment each
    searcher = engine._open()
    leaves = searcher.reader().leaf_readers()
    assert len(leaves) > 1
    storage = engine._index.storage
    old_files = {n for reader, _ in leaves for n in reader.segment().list_files(storage)}

    # Another process merges every segment into one; Whoosh deletes the old files.
    whoosh_index.open_dir(str(engine.root / engine._folder)).writer().commit(optimize=True)
    assert not any(storage.file_exists(name) for name in old_files)

    stored = [searcher.stored_fields(d)["doc_id"] for d in range(searcher.doc_count_all())]
    assert sum(doc_id.startswith("item:") for doc_id in stored) == 3
    assert engine._meta(searcher)["hwm"] >= 3
    for reader, _ in leaves:
        assert sum(reader.doc_field_length(d, "body") or 0 for d in range(reader.doc_count_all()))
    assert run_search(author, "okapi", SearchFilters()).total == 1


def test_reindex_builds_beside_the_old_index_and_searches_answer_meanwhile(whoosh_app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    home = factories.provider()
    for n in range(150):
        factories.item(
            author, Marking.GREEN, home, body=f"Routine visit note {n} about the capybara."
        )
    db.session.commit()
    engine = get_engine()
    assert run_search(author, "capybara", SearchFilters()).total == 150
    db.session.commit()  # the search's request commits its audit
    before = (Path(whoosh_app.instance_path) / "search" / "CURRENT").read_text()

    failures: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()
    searching = threading.Event()  # set once the other process has answered a search

    def search_meanwhile():
        other = second_process_app(whoosh_app)
        with other.app_context():
            reader = db.session.get(type(author), author.id)
            while not stop.is_set():
                try:
                    totals.append(run_search(reader, "capybara", SearchFilters()).total)
                    db.session.commit()  # each search is a request: it commits its audit
                    searching.set()
                except BaseException as exc:  # noqa: BLE001 - any failure fails the test
                    failures.append(exc)

    thread = threading.Thread(target=search_meanwhile)
    thread.start()
    # A rebuild of 151 documents is quick: under load the other process could otherwise
    # still be starting when it ends, and search only the rebuilt index.
    searching.wait(60)
    try:
        assert engine.reindex() >= 151
    finally:
        time.sleep(0.2)
        stop.set()
        thread.join(30)
    assert failures == []
    assert totals and set(totals) == {150}
    after = (Path(whoosh_app.instance_path) / "search" / "CURRENT").read_text()
    assert after != before
    assert run_search(author, "capybara", SearchFilters()).total == 150


def _worker(database_url, instance_path, author_id, provider_id, worker, rounds, queue):
    """A separate process that logs items and searches for each straight after."""
    from portal.models import Provider, User

    app = create_app({"env": "test", "database_url": database_url, "instance_path": instance_path})
    problems = []
    with app.app_context():
        author = db.session.get(User, author_id)
        home = db.session.get(Provider, provider_id)
        for n in range(rounds):
            word = f"okapi{worker}x{n}"
            try:
                factories.item(author, Marking.GREEN, home, body=f"Visit {n}: {word} seen.")
                db.session.commit()
                found = run_search(author, word, SearchFilters()).total
                db.session.commit()  # the search's request commits its audit
                if found != 1:
                    problems.append(f"{word}: found {found}")
            except Exception as exc:  # noqa: BLE001 - reported to the parent
                db.session.rollback()
                problems.append(f"{word}: {type(exc).__name__}: {exc}")
    queue.put(problems)


def test_several_processes_writing_and_searching_at_once_neither_fail_nor_corrupt(whoosh_app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    home = factories.provider()
    db.session.commit()
    run_search(author, "warm up", SearchFilters())
    db.session.commit()  # the search's request commits its audit
    url = whoosh_app.config["SQLALCHEMY_DATABASE_URI"]
    workers, rounds = 3, 12
    problems = problems_apart(
        _worker,
        [(url, whoosh_app.instance_path, author.id, home.id, w, rounds) for w in range(workers)],
    )
    assert problems == []
    # The index agrees with the database: every word once, nothing lost or doubled.
    whoosh_app.extensions.pop("portal_search", None)
    assert run_search(author, "okapi*", SearchFilters(), per_page=100).total == workers * rounds
    assert get_engine()._index.doc_count() == workers * rounds + 1 + 1  # + the provider + meta
    assert os.path.isdir(Path(whoosh_app.instance_path) / "search")

"""The theme facet follows every change to an item's themes, on both engines.

On PostgreSQL each item carries its theme codes beside its search vector, kept by
triggers on item_themes (migration 0003); these tests prove the copy never drifts.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ItemTheme, Marking, Role
from portal.search.interface import SearchFilters
from portal.search.services import run_search
from tests import factories


def theme_counts(user, text="wombat"):
    results = run_search(user, text, SearchFilters())
    return {value: count for value, _, count in results.facets["theme"]}


def stored_themes(backend):
    """item id -> the codes PostgreSQL keeps on the item (None on SQLite)."""
    if backend != "postgresql":
        return None
    rows = db.session.execute(sa.text("SELECT id, search_themes FROM intelligence_items"))
    return {item_id: list(themes) for item_id, themes in rows}


def unthemed_item(body):
    """A member and a committed GREEN item of theirs with no themes yet."""
    member = factories.user(Role.MEMBER, factories.agency("MPS"))
    item = factories.item(member, Marking.GREEN, body=body, themes=[])
    db.session.commit()
    return member, item


def test_adding_removing_and_replacing_themes_shows_in_the_next_search(app, backend):
    agency = factories.agency("MPS")
    member = factories.user(Role.MEMBER, agency)
    first = factories.item(member, Marking.GREEN, body="A wombat in the garden.", themes=["falls"])
    second = factories.item(
        member, Marking.GREEN, body="The wombat again.", themes=["falls", "staffing"]
    )
    db.session.commit()
    assert theme_counts(member) == {"falls": 2, "staffing": 1}
    if backend == "postgresql":
        assert stored_themes(backend) == {first.id: ["falls"], second.id: ["falls", "staffing"]}

    first.themes = [ItemTheme(theme="medication"), ItemTheme(theme="dignity")]
    second.themes = [t for t in second.themes if t.theme == "staffing"]
    db.session.commit()
    assert theme_counts(member) == {"medication": 1, "dignity": 1, "staffing": 1}
    if backend == "postgresql":
        assert stored_themes(backend) == {
            first.id: ["dignity", "medication"],
            second.id: ["staffing"],
        }

    second.themes = []
    db.session.commit()
    assert theme_counts(member) == {"medication": 1, "dignity": 1}
    assert run_search(member, "wombat", SearchFilters(theme="staffing")).total == 0
    assert run_search(member, "wombat", SearchFilters(theme="dignity")).total == 1
    if backend == "postgresql":
        assert stored_themes(backend)[second.id] == []


# PostgreSQL only: the triggers follow any writer. (Under SQLite the Whoosh change log
# is written by the application, so a write in plain SQL is not its concern.)
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_theme_rows_written_by_plain_sql_are_followed_too(app, backend):
    member, item = unthemed_item("A wombat on the stairs.")
    db.session.execute(
        sa.text("INSERT INTO item_themes (item_id, theme) VALUES (:i, 'falls'), (:i, 'abuse')"),
        {"i": item.id},
    )
    db.session.commit()
    assert theme_counts(member) == {"falls": 1, "abuse": 1}
    db.session.execute(
        sa.text("UPDATE item_themes SET theme = 'neglect' WHERE item_id = :i AND theme = 'abuse'"),
        {"i": item.id},
    )
    db.session.commit()
    assert theme_counts(member) == {"falls": 1, "neglect": 1}
    assert stored_themes(backend) == {item.id: ["falls", "neglect"]}


def test_the_theme_facet_counts_only_readable_items(app, backend):
    police, council = factories.agency("MPS"), factories.agency("MERTON")
    author = factories.user(Role.MEMBER, police)
    outsider = factories.user(Role.VIEWER, council)
    factories.item(author, Marking.GREEN, body="wombat seen", themes=["falls"])
    factories.item(author, Marking.AMBER_STRICT, body="wombat heard", themes=["falls", "abuse"])
    db.session.commit()
    assert theme_counts(author) == {"falls": 2, "abuse": 1}
    assert theme_counts(outsider) == {"falls": 1}


@pytest.mark.committed
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_transactions_adding_themes_to_one_item_at_once_keep_both(app, backend):
    member, item = unthemed_item("A wombat in the hall.")
    add = sa.text("INSERT INTO item_themes (item_id, theme) VALUES (:i, :t)")
    first = db.engine.connect()
    second = db.engine.connect()
    try:
        first.execute(add, {"i": item.id, "t": "falls"})  # holds the item until commit
        done = threading.Event()

        def add_second() -> None:
            second.execute(add, {"i": item.id, "t": "abuse"})  # waits for the first
            second.commit()
            done.set()

        worker = threading.Thread(target=add_second)
        worker.start()
        assert not done.wait(0.5), "the second change should wait for the first"
        first.commit()
        worker.join(10)
        assert done.is_set()
    finally:
        first.close()
        second.close()
    db.session.expire_all()
    assert stored_themes(backend) == {item.id: ["abuse", "falls"]}
    assert theme_counts(member) == {"falls": 1, "abuse": 1}

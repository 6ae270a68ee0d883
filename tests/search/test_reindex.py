"""A rebuilt index answers exactly as the one kept up to date change by change.

`portal search reindex` (after an upgrade or a restore) writes the Whoosh index with a
bulk writer of its own: segments written from memory, rare terms kept inline. These
tests make it write several small segments and check every kind of query against the
incrementally kept index, then go on writing to it (Whoosh merges the small segments
on the next commits). On PostgreSQL a rebuild has nothing to do; the answers must
still be the same.
"""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import KeyQuestion, Marking, Role
from portal.search import whoosh_build
from portal.search.engine import get_engine
from portal.search.interface import SearchFilters
from portal.search.services import run_search
from tests import factories
from tests.search.apart import problems_apart

QUERIES = [
    "pangolin",
    "night staff",
    '"night staff"',
    '"night staff were asleep"',
    "pango*",
    "theme:falls",
    "agency:mps pangolin",
    "pangolin NOT lounge",
    "title:report",
    "provider:cedar",
    "medication OR falls",
]
BODIES = [
    "A pangolin was seen in the lounge at night.",
    "Night staff were asleep when the pangolin came in.",
    "Medication round late; the night staff were short.",
    "Falls on the stairs twice this week; night staff told the family.",
    "The pangolin report was passed to the manager.",
    "Cedar Lodge said the staff rota was short at night.",
]


def answer(user, text):
    """What a user sees for a query: hits in order, total, and every facet."""
    found = run_search(user, text, SearchFilters(), per_page=50)
    db.session.commit()  # the search's request commits its audit
    return {
        "hits": [(h.type, h.id) for h in found.hits],
        "scores": [h.score for h in found.hits],
        "total": found.total,
        "facets": {name: sorted(rows) for name, rows in found.facets.items()},
    }


@pytest.fixture
def corpus(app):
    """Items from three agencies over several providers, indexed one commit at a time."""
    merton = factories.user(Role.MEMBER, factories.agency("MERTON"))
    police = factories.user(Role.MEMBER, factories.agency("MPS"))
    cedar = factories.provider(name="Cedar Lodge")
    rowan = factories.provider(name="Rowan House")
    db.session.commit()
    for n in range(18):
        author = police if n % 3 == 0 else merton
        factories.item(
            author,
            [Marking.GREEN, Marking.AMBER, Marking.CLEAR][n % 3],
            cedar if n % 2 else rowan,
            title=f"{'Pangolin report' if n % 4 == 0 else 'Visit note'} {n}",
            body=BODIES[n % len(BODIES)],
            themes=[["falls"], ["medication", "staffing"], ["staffing"]][n % 3],
            key_question=[KeyQuestion.SAFE, KeyQuestion.CARING][n % 2],
            observed_on=date(2026, 1 + n % 9, 1 + n),
        )
        db.session.commit()
        if n % 5 == 0:
            run_search(merton, "warm", SearchFilters())  # indexes what came so far
            db.session.commit()
    return merton


@pytest.mark.parametrize("processes", [1, 2])
def test_a_rebuilt_index_answers_every_kind_of_query_as_the_kept_one(
    app, corpus, monkeypatch, processes
):
    kept = {q: answer(corpus, q) for q in QUERIES}
    assert kept["pangolin"]["total"] > 0 and kept['"night staff"']["total"] > 0
    # Several small segments, so a real build's segments and inline terms are all exercised;
    # written here one after the other, or by processes of their own (spawned: they read
    # the committed database themselves).
    monkeypatch.setattr(whoosh_build, "SEGMENT_DOCUMENTS", 4)
    app.config["PORTAL"]["search_build_processes"] = processes
    get_engine().reindex()
    rebuilt = {q: answer(corpus, q) for q in QUERIES}
    for query in QUERIES:
        before, after = kept[query], rebuilt[query]
        assert (after["hits"], after["total"], after["facets"]) == (
            before["hits"],
            before["total"],
            before["facets"],
        ), query
        # Scores may move in the last places: Whoosh counts deleted documents (the
        # index's old bookkeeping entries) in its statistics until they are merged away.
        assert after["scores"] == pytest.approx(before["scores"], rel=0.05), query


def test_writes_after_a_rebuild_are_found_and_merge_the_rebuilt_segments(corpus, monkeypatch):
    monkeypatch.setattr(whoosh_build, "SEGMENT_DOCUMENTS", 3)
    get_engine().reindex()
    before = answer(corpus, "pangolin")["total"]
    for n in range(8):  # enough commits for Whoosh to merge the small segments
        factories.item(corpus, Marking.GREEN, body=f"Another pangolin, number {n}.")
        db.session.commit()
        assert answer(corpus, f"pangolin {n}")["total"] >= 1
    assert answer(corpus, "pangolin")["total"] == before + 8
    assert answer(corpus, "lounge") == answer(corpus, "lounge")


def _write_and_search(database_url, instance_path, author_id, provider_id, worker, queue):
    """Another process: log items and find each straight after (see test_whoosh_sync)."""
    from portal import create_app
    from portal.models import Provider, User

    app = create_app({"env": "test", "database_url": database_url, "instance_path": instance_path})
    problems = []
    with app.app_context():
        author = db.session.get(User, author_id)
        home = db.session.get(Provider, provider_id)
        for n in range(6):
            word = f"quokka{worker}x{n}"
            try:
                factories.item(author, Marking.GREEN, home, body=f"A {word} in the garden.")
                db.session.commit()
                if run_search(author, word, SearchFilters()).total != 1:
                    problems.append(f"{word} not found")
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported to the parent
                db.session.rollback()
                problems.append(f"{word}: {type(exc).__name__}: {exc}")
    queue.put(problems)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_processes_writing_to_a_rebuilt_index_at_once_lose_nothing(corpus, app, monkeypatch):
    monkeypatch.setattr(whoosh_build, "SEGMENT_DOCUMENTS", 3)
    home = factories.provider()
    db.session.commit()
    get_engine().reindex()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    problems = problems_apart(
        _write_and_search,
        [(url, app.instance_path, corpus.id, home.id, w) for w in range(3)],
    )
    assert problems == []
    app.extensions.pop("portal_search", None)
    assert run_search(corpus, "quokka*", SearchFilters(), per_page=50).total == 18

"""Phrases are exact on both engines; Whoosh's fast evaluation scores as Whoosh does."""

from __future__ import annotations

import json

import pytest
from whoosh import query as wq

from portal.extensions import db
from portal.models import Marking, Role
from portal.search.engine import get_engine
from portal.search.interface import SearchFilters, SearchRequest
from portal.search.services import prepare, run_search, user_principals
from portal.search.whoosh_engine import INDEX_VERSION, META_ID
from tests import factories


def _titles(user, text):
    return sorted(h.record.title for h in run_search(user, text, SearchFilters()).hits)


def test_a_phrase_needs_its_words_side_by_side_and_in_order(app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    home = factories.provider()
    factories.item(author, Marking.GREEN, home, title="A", body="The night staff rota was late.")
    factories.item(
        author, Marking.GREEN, home, title="B", body="Night staff arrived. The staff rota was late."
    )
    factories.item(author, Marking.GREEN, home, title="C", body="A rota for staff at night.")
    factories.item(author, Marking.GREEN, home, title="D", body="Staff night rota.")
    db.session.commit()

    assert _titles(author, '"night staff rota"') == ["A"]
    assert _titles(author, '"night staff"') == ["A", "B"]
    assert _titles(author, '"staff rota"') == ["A", "B"]
    assert _titles(author, "night staff rota") == ["A", "B", "C", "D"]
    assert _titles(author, '"rota night staff"') == []
    # Stop words between the words do not break a phrase, on either engine.
    assert _titles(author, '"staff at night"') == ["C"]


def test_a_long_phrase_is_exact_under_not_and_or(app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    home = factories.provider()
    factories.item(author, Marking.GREEN, home, title="A", body="Missed visit call log today.")
    factories.item(author, Marking.GREEN, home, title="B", body="Missed visit. Visit call log.")
    db.session.commit()

    assert _titles(author, 'log NOT "missed visit call"') == ["B"]
    assert _titles(author, '"missed visit call" OR "visit call log"') == ["A", "B"]


pytestmark_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytestmark_sqlite
def test_whoosh_scores_match_whooshs_own_bm25f(app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    home = factories.provider()
    bodies = [
        "Staff shortage at night.",
        "Staff staff staff: three mentions of staff in a short note.",
        "A long note about the garden, the lounge, the kitchen and, once, the staff.",
        "Nothing relevant here at all.",
    ]
    for n, body in enumerate(bodies):
        factories.item(author, Marking.GREEN, home, title=f"Note {n}", body=body)
    factories.item(author, Marking.GREEN, home, title="Staff meeting", body="Minutes.")
    db.session.commit()

    engine = get_engine()
    request_ = _request(author, "staff")
    ours = engine.search(author, request_)
    assert ours.total == 4

    searcher = engine._open()
    theirs = searcher.search(
        wq.Or([wq.Term("title", "staff"), wq.Term("body", "staff")]), limit=None
    )
    expected = {}
    for hit in theirs:
        kind, _, raw_id = hit["doc_id"].partition(":")
        expected[int(raw_id)] = round(hit.score, 4)
    assert {h.id: h.score for h in ours.hits} == expected
    # Best first: the title match (boosted) and the three-times mention lead.
    assert [h.id for h in ours.hits] == sorted(expected, key=lambda i: -expected[i])


def _request(user, text):
    return SearchRequest(prepare(text), SearchFilters(), user_principals(user), 1, 20)


@pytestmark_sqlite
def test_an_index_of_an_older_layout_is_rebuilt_when_first_opened(app):
    author = factories.user(Role.MEMBER, factories.agency("MERTON"))
    factories.item(author, Marking.GREEN, body="The quokka was in the garden.")
    db.session.commit()
    engine = get_engine()
    assert run_search(author, "quokka", SearchFilters()).total == 1
    folder = engine._folder

    # Mark the live index as built to an older layout, as an upgrade would find it.
    writer = engine._index.writer()
    writer.update_document(doc_id=META_ID, kind="meta", meta=json.dumps({"hwm": 0, "gaps": {}}))
    writer.commit()
    app.extensions.pop("portal_search")

    assert run_search(author, "quokka", SearchFilters()).total == 1
    rebuilt = get_engine()
    assert rebuilt._folder != folder
    assert rebuilt._meta(rebuilt._open())["version"] == INDEX_VERSION

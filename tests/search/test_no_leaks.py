"""Search never leaks: results, snippets, totals and facets hold only what the policy allows.

Runs on both engines: SQLite with Whoosh, PostgreSQL with PostgreSQL's own search.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.models import ItemStatus, Marking, Role
from portal.search.interface import SearchFilters
from portal.search.services import run_search
from tests import factories
from tests.test_policy import EXPECTED

PLANTED = {
    Marking.CLEAR: "quokkaclear",
    Marking.GREEN: "quokkagreen",
    Marking.AMBER: "quokkaamber",
    Marking.AMBER_STRICT: "quokkastrict",
    Marking.RED: "quokkared",
}
SHARED_WORD = "xylophone"


@pytest.fixture
def planted(app):
    """One item per marking by a police officer, each with its own unique word."""
    police, council = factories.agency("MPS"), factories.agency("MERTON")
    author = factories.user(Role.MEMBER, police, name="Officer Author")
    recipient = factories.user(Role.MEMBER, council, name="Named Recipient")
    home = factories.provider(name="Cedar Lodge Care Home")
    items = {}
    for marking, word in PLANTED.items():
        items[marking] = factories.item(
            author,
            marking,
            home,
            title=f"Report {word}",
            body=f"Night staff noted {word} beside the {SHARED_WORD} in the lounge.",
            recipients=[recipient] if marking is Marking.RED else [],
        )
    readers = [
        SimpleNamespace(user=factories.user(role, agency), role=role, relation=relation)
        for role in Role
        for agency, relation in ((police, "same agency"), (council, "other agency"))
    ]
    readers.append(SimpleNamespace(user=author, role=Role.MEMBER, relation="author"))
    readers.append(SimpleNamespace(user=recipient, role=Role.MEMBER, relation="recipient"))
    db.session.commit()
    return SimpleNamespace(items=items, readers=readers, author=author, recipient=recipient)


def allowed(reader, marking) -> bool:
    return (reader.role, reader.relation) in EXPECTED[marking]


def test_each_planted_word_finds_exactly_what_each_reader_may_read(planted, backend):
    for reader in planted.readers:
        for marking, word in PLANTED.items():
            results = run_search(reader.user, word, SearchFilters())
            may = allowed(reader, marking)
            label = f"{reader.role} ({reader.relation}) searching {marking}"
            assert results.total == (1 if may else 0), label
            assert [h.id for h in results.hits] == ([planted.items[marking].id] if may else []), (
                label
            )
            shown = " ".join(str(h.snippet) + h.title for h in results.hits)
            assert (word in shown) is may, label
            facet_total = sum(count for _, _, count in results.facets.get("marking", []))
            assert facet_total == (1 if may else 0), label


def test_totals_and_every_facet_count_only_what_the_reader_may_read(planted, backend):
    for reader in planted.readers:
        readable = {m for m in Marking if allowed(reader, m)}
        results = run_search(reader.user, SHARED_WORD, SearchFilters())
        assert results.total == len(readable)
        assert {v for v, _, _ in results.facets["marking"]} == {m.value for m in readable}
        for facet in ("agency", "key_question", "month"):
            assert sum(c for _, _, c in results.facets[facet]) == len(readable)
        assert {h.id for h in results.hits} == {planted.items[m].id for m in readable}


def test_a_prefix_or_field_query_leaks_no_more_than_a_word(planted, backend):
    outsider = next(
        r for r in planted.readers if r.role is Role.MEMBER and r.relation == "other agency"
    )
    for text in ("quokka*", "provider:cedar", "agency:mps", "theme:staffing", "NOT nothingmatches"):
        results = run_search(outsider.user, text, SearchFilters())
        items = {h.id for h in results.hits if h.type == "intelligence"}
        assert items == {
            planted.items[m].id for m in (Marking.CLEAR, Marking.GREEN, Marking.AMBER)
        }, text


def test_a_marking_change_is_honoured_by_the_very_next_search(planted, backend):
    outsider = next(
        r for r in planted.readers if r.role is Role.MEMBER and r.relation == "other agency"
    )
    assert run_search(outsider.user, "quokkaamber", SearchFilters()).total == 1
    planted.items[Marking.AMBER].marking = Marking.RED
    db.session.commit()
    assert run_search(outsider.user, "quokkaamber", SearchFilters()).total == 0
    planted.items[Marking.RED].marking = Marking.GREEN
    db.session.commit()
    assert run_search(outsider.user, "quokkared", SearchFilters()).total == 1


def test_a_withdrawn_item_leaves_the_search_at_once(planted, backend):
    item = planted.items[Marking.GREEN]
    assert run_search(planted.author, "quokkagreen", SearchFilters()).total == 1
    item.status = ItemStatus.WITHDRAWN
    db.session.commit()
    assert run_search(planted.author, "quokkagreen", SearchFilters()).total == 0


def test_naming_a_new_recipient_lets_them_find_a_red_item_at_once(planted, backend):
    from portal.models import ItemRecipient

    newcomer = next(
        r for r in planted.readers if r.role is Role.CHAIR and r.relation == "other agency"
    )
    assert run_search(newcomer.user, "quokkared", SearchFilters()).total == 0
    planted.items[Marking.RED].recipients.append(ItemRecipient(user=newcomer.user))
    db.session.commit()
    assert run_search(newcomer.user, "quokkared", SearchFilters()).total == 1


def test_filters_narrow_results_and_still_count_only_readable_items(planted, backend):
    chair = next(
        r for r in planted.readers if r.role is Role.CHAIR and r.relation == "other agency"
    )
    amber = run_search(chair.user, SHARED_WORD, SearchFilters(marking="AMBER"))
    assert [h.id for h in amber.hits] == [planted.items[Marking.AMBER].id]
    red = run_search(chair.user, SHARED_WORD, SearchFilters(marking="RED"))
    assert red.total == 0 and red.hits == []

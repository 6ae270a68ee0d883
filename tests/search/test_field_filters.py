"""A field filter takes a bare word, a "phrase" or a prefix*, with the same results on both engines.

The same expectations run on SQLite (Whoosh) and PostgreSQL (its own search), so
the engines agree: theme: and agency: match a code whole (or its label or name),
provider: and title: match words as the search box does.
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Role
from portal.search.interface import SearchFilters
from portal.search.services import run_search
from tests import factories


@pytest.fixture
def corpus(app):
    """Items by the police and the CQC about two homes, with themes and titled rotas."""
    police = factories.agency("MPS", name="Metropolitan Police Service")
    cqc = factories.agency("CQC", name="Care Quality Commission")
    officer = factories.user(Role.MEMBER, police)
    inspector = factories.user(Role.MEMBER, cqc)
    cedar = factories.provider(name="Cedar Lodge Care Home")
    oak = factories.provider(name="Oak House Nursing Home")
    factories.item(
        officer,
        provider=cedar,
        title="Night rota gaps",
        body="Two carers for thirty residents.",
        themes=["infection-control", "staffing"],
    )
    factories.item(
        inspector,
        provider=cedar,
        title="Kitchen inspection",
        body="Fluids charts not kept.",
        themes=["nutrition"],
    )
    factories.item(
        inspector,
        provider=oak,
        title="Rotation of medicines stock",
        body="Out of date stock found.",
        themes=["medication"],
    )
    reader = factories.user(Role.CHAIR, police)
    db.session.commit()
    return reader


CASES = {
    "theme:infection-control": {"Night rota gaps"},
    'theme:"infection control"': {"Night rota gaps"},
    'theme:"Infection Control"': {"Night rota gaps"},
    "theme:infect*": {"Night rota gaps"},
    'theme:"nutrition and hydration"': {"Kitchen inspection"},
    "theme:nutrition": {"Kitchen inspection"},
    "theme:med*": {"Rotation of medicines stock"},
    "theme:nothing": set(),
    "agency:mps": {"Night rota gaps"},
    "agency:MPS": {"Night rota gaps"},
    'agency:"Metropolitan Police Service"': {"Night rota gaps"},
    "agency:mp*": {"Night rota gaps"},
    "agency:c*": {"Kitchen inspection", "Rotation of medicines stock"},
    'agency:"cqc mps"': set(),
    "provider:cedar": {"Night rota gaps", "Kitchen inspection", "Cedar Lodge Care Home"},
    'provider:"cedar lodge"': {"Night rota gaps", "Kitchen inspection", "Cedar Lodge Care Home"},
    "provider:ced*": {"Night rota gaps", "Kitchen inspection", "Cedar Lodge Care Home"},
    'provider:"lodge cedar"': set(),
    "provider:oak NOT theme:medication": {"Oak House Nursing Home"},
    "title:kitchen": {"Kitchen inspection"},
    'title:"night rota"': {"Night rota gaps"},
    "title:rot*": {"Night rota gaps", "Rotation of medicines stock"},
    "(theme:nutrition OR agency:mps) provider:cedar": {"Night rota gaps", "Kitchen inspection"},
}


@pytest.mark.parametrize(("query", "expected"), list(CASES.items()))
def test_a_field_filter_finds_the_same_on_both_engines(corpus, query, expected):
    results = run_search(corpus, query, SearchFilters(), per_page=50)
    assert {hit.title for hit in results.hits} == expected
    assert results.total == len(expected)

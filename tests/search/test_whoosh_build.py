"""The full build's own analysis and segments (portal/search/whoosh_build.py).

The build analyses each text once, outside Whoosh's analyzer chain, so it must find the
very words and pairs that searches look for (`analysed_words`, `analysed_pairs`, which go
through Whoosh's chain): any text, however odd. Its segments are written file by file, not
as compound files, which a reader would copy into memory at every commit's search.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import example, given, settings
from hypothesis import strategies as st
from whoosh import index

from portal.search.text import analysed_pairs, analysed_words
from portal.search.whoosh_build import Analysis, BulkSegmentWriter, shared_database
from portal.search.whoosh_index import schema, with_pairs

TRICKY = [
    "St Catherine's care home, Saint Catherines",
    "The night staff were not there and the nurse called",
    "café naïve İstanbul ΣΊΣΥΦΟΣ straße ﬁre Ǆemal",
    "x*y medic* 3.14 U.S.A. e-mail 10:30 2026-03-27 £5.00",
    "a an the of and or but",
    "   \t\n ",
    "emoji 🙂🙂 then words; zero\u200bwidth and non\u00a0breaking",
    "Numbers 0001 and ½ and ² and ٣ (Arabic three)",
]


@pytest.mark.parametrize("text", TRICKY)
def test_the_builds_analysis_finds_what_searches_look_for(text: str) -> None:
    assert Analysis().terms(text) == (analysed_words(text), analysed_pairs(text))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
@example("the the care the plan")
@example("Care\x00plan")
def test_any_text_is_analysed_as_searches_analyse_it(text: str) -> None:
    assert Analysis().terms(text) == (analysed_words(text), analysed_pairs(text))


def test_a_builds_segments_are_not_compound_files(tmp_path: Path) -> None:
    made = index.create_in(str(tmp_path), schema())
    writer = BulkSegmentWriter(made)
    writer.add_document(**with_pairs({"doc_id": "item:1", "kind": "item", "body": "A wombat"}))
    writer.commit(merge=False)
    (segment,) = made._segments()
    assert not segment.is_compound()
    assert not list(tmp_path.glob("*.seg"))


@pytest.mark.parametrize(
    ("url", "shared"),
    [
        ("sqlite://", False),
        ("sqlite:///:memory:", False),
        ("sqlite:////srv/portal/instance/portal.db", True),
        ("sqlite:///instance/portal.db", True),
        ("postgresql+psycopg://portal@db.example/portal", True),
    ],
)
def test_build_processes_are_used_only_where_they_can_open_the_database(url, shared) -> None:
    """A spawned build process reads its documents itself: from an in-memory SQLite
    database it would read nothing, so such a build stays in one process."""
    assert shared_database(sa.make_url(url)) is shared

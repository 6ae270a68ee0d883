"""Which order PostgreSQL should test a search's conditions in: the policy first, or the words.

A row is a match when the reader may read it and its words match. PostgreSQL tests a
scan's conditions cheapest first by its own reckoning, and a text match (`@@`) is priced
as one operator, so it reads and matches every row's vector before it looks at the
marking. When the words are common, so that PostgreSQL reads the whole table rather than
the text index, most of that matching is wasted on rows the reader may not read (61% for
a viewer at national scale): testing the policy first cut a full scan from 130 to 95 ms.
When the words are rare, the text index finds the few rows at once, and the condition
must stay a plain `vector @@ query` for PostgreSQL to use it.

So the planner is asked first (`EXPLAIN`, well under a millisecond): if it would read the
table, the match becomes `CASE WHEN <policy and filters> THEN <words>`, which PostgreSQL
evaluates in that order. A CASE hides the words from its estimates, so the estimate is
taken from the plain form and handed on (the engine stops counting early only when many
more matches than the cap are expected).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from portal.extensions import db
from portal.models import IntelligenceItem


class _Explain(Executable, ClauseElement):
    """`EXPLAIN (FORMAT JSON) <select>`, its parameters bound as the select's own."""

    inherit_cache = False

    def __init__(self, statement: sa.Select[Any]) -> None:
        self.statement = statement


@compiles(_Explain, "postgresql")
def _compile_explain(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def _reads_items_table(plan: dict[str, Any]) -> bool:
    """The plan, or any node under it, scans the items' table row by row."""
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") == (
        IntelligenceItem.__tablename__
    ):
        return True
    return any(_reads_items_table(child) for child in plan.get("Plans", ()))


@dataclass(frozen=True)
class Matching:
    """The condition for rows the reader may read and the words match, in the order that
    costs least, and how many rows PostgreSQL expects it to match."""

    condition: sa.ColumnElement[bool]
    expected: float


def matching(permitted: sa.ColumnElement[bool], words: sa.ColumnElement[bool]) -> Matching:
    """Rows the reader may read (`permitted`) that the words match: the policy tested
    first when PostgreSQL would read the whole table anyway."""
    both = sa.and_(permitted, words)
    explain = _Explain(sa.select(sa.literal(1)).select_from(IntelligenceItem).where(both))
    (document,) = db.session.execute(explain).scalar_one()
    plan = document["Plan"]
    if _reads_items_table(plan):
        return Matching(sa.case((permitted, words), else_=sa.false()), plan["Plan Rows"])
    return Matching(both, plan["Plan Rows"])

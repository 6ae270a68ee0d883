"""Hypothesis strategies for what a hostile or careless client sends.

The query strategy is built from the query language's grammar (portal/search/query.py),
so it makes every construct: words, "phrases", prefix*, field:value with a word, a
phrase or a prefix after it, AND / OR / NOT and -word, brackets nested deep, and the
junk between them (stray quotes and brackets, unicode, NUL, 5,000 characters).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from portal.api.intelligence import FIELDS
from portal.search.query import FIELDS as QUERY_FIELDS

# --- Query text ------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "falls",
        "staff",
        "cedar",
        "lodge",
        "medication",
        "infection-control",
        "the",
        "and",
        "of",
        "a",
        "mps",
        "cqc",
        "1-100000001",
        "sw19",
        "é",
        "ß",
        "日本",
        "😀",
        "o'brien",
        "x_y",
        "%",
        "_",
        "\\",
        "'",
        ":",
        "*",
        "-",
        "²",
        "①",
    ]
)
JUNK = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from('()"*:-\x00'),
    max_size=12,
)
WORD = WORDS | st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
PHRASE = st.lists(WORD, min_size=1, max_size=4).map(lambda ws: '"' + " ".join(ws) + '"')
PREFIX = WORD.map(lambda w: w + "*")
FIELD = st.sampled_from([*QUERY_FIELDS, *(f.upper() for f in QUERY_FIELDS), "http", "note"])
FIELD_VALUE = st.builds(lambda f, v: f"{f}:{v}", FIELD, WORD | PHRASE | PREFIX | st.just(""))
ATOM = WORD | PHRASE | PREFIX | FIELD_VALUE | WORD.map(lambda w: "-" + w) | JUNK


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """AND, OR, NOT, juxtaposition and brackets around smaller queries."""
    return (
        st.builds(lambda a, b: f"{a} AND {b}", children, children)
        | st.builds(lambda a, b: f"{a} OR {b}", children, children)
        | st.builds(lambda a, b: f"{a} {b}", children, children)
        | children.map(lambda a: f"NOT {a}")
        | children.map(lambda a: f"({a})")
        | st.sampled_from(["AND", "OR", "NOT", "(", ")", '"', "()"]).flatmap(
            lambda op: children.map(lambda a: f"{a} {op}")
        )
    )


QUERY_TREE = st.recursive(ATOM, _combine, max_leaves=12)
DEEP = st.builds(
    lambda depth, word, kind: {
        "brackets": "(" * depth + word + ")" * depth,
        "nots": "NOT " * depth + word,
        "unclosed": "(" * depth + word,
    }[kind],
    # Deep enough to exhaust a recursive parser (about 250 levels) as often as shallow.
    st.sampled_from([240, 260, 300, 1000]) | st.integers(min_value=1, max_value=300),
    WORD,
    st.sampled_from(["brackets", "nots", "unclosed"]),
)
LONG = st.builds(lambda word, n: (word + " ") * n, WORD, st.integers(min_value=100, max_value=5000))
QUERY = (
    QUERY_TREE | DEEP | LONG.map(lambda t: t[:5000]) | st.text(max_size=200) | st.just("x" * 5000)
)

# --- Filter values, ids and page numbers ---------------------------------------------

HUGE_NUMBERS = st.sampled_from(
    ["2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "1" * 40]
)
ODD_NUMBERS = st.sampled_from(["-1", "0", "²", "①", "٣", "1e3", "0x10", " 7 ", "1.5", "", "\x00"])
NUMBER_TEXT = st.integers(min_value=-(2**70), max_value=2**70).map(str) | HUGE_NUMBERS | ODD_NUMBERS
DATE_TEXT = st.sampled_from(
    ["2026-02-30", "2026-13-01", "26-1-1", "0000-01-01", "9999-12-31", "yesterday", "\x00", ""]
) | st.dates().map(str)
CODE_TEXT = st.sampled_from(
    ["MPS", "mps", "CQC", "NOPE", "safe", "well-led", "falls", "AMBER+STRICT", "TLP:RED", "\x00"]
) | st.text(max_size=30)
FILTER_VALUES = {
    "page": NUMBER_TEXT,
    "agency": CODE_TEXT,
    "key_question": CODE_TEXT,
    "theme": CODE_TEXT,
    "marking": CODE_TEXT,
    "from": DATE_TEXT,
    "to": DATE_TEXT,
    "postcode": st.sampled_from(["SW19 2HL", "sw192hl", "SW19 2", "SW", "ZZ99", "\x00"])
    | st.text(max_size=12),
    "provider_id": NUMBER_TEXT,
}
#: Query-string arguments: a query, with junk in any of the filters as well.
FILTERS = st.fixed_dictionaries({"q": QUERY}, optional=FILTER_VALUES) | st.fixed_dictionaries(
    {}, optional={"q": QUERY, **FILTER_VALUES}
)

# --- JSON bodies ------------------------------------------------------------------------

SURROGATE_TEXT = st.sampled_from(["x\ud800", "\udfff", "ok\ud83d"])
JSON_TEXT = st.text(max_size=50) | SURROGATE_TEXT | st.just("\x00") | st.just("y" * 20_000)
JSON_SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | JSON_TEXT
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
ITEM_FIELDS = list(FIELDS)
FIELD_JUNK = JSON_VALUE | NUMBER_TEXT | DATE_TEXT | CODE_TEXT | HUGE_NUMBERS.map(int)


def item_bodies(valid: dict[str, Any]) -> st.SearchStrategy[str]:
    """JSON texts for POST /api/v1/intelligence: a valid body spoiled, or anything at all."""
    spoiled = st.builds(
        lambda changes, dropped, extra: json.dumps(
            {k: v for k, v in (valid | changes).items() if k not in dropped} | extra,
            allow_nan=True,
        ),
        st.dictionaries(st.sampled_from(ITEM_FIELDS), FIELD_JUNK, min_size=1, max_size=4),
        st.sets(st.sampled_from(ITEM_FIELDS), max_size=2),
        st.dictionaries(st.text(max_size=8), JSON_SCALAR, max_size=2),
    )
    deep = st.integers(min_value=10, max_value=3000).map(
        lambda n: '{"title": ' + "[" * n + "]" * n + "}"
    )
    anything = JSON_VALUE.map(lambda v: json.dumps(v, allow_nan=True))
    broken = st.text(max_size=40) | st.binary(max_size=40).map(lambda b: b.decode("latin-1"))
    return spoiled | deep | anything | broken


VISIT_FIELDS = [
    "provider_id",
    "cqc_location_id",
    "visited_on",
    "visit_type",
    "spoke_to",
    "overall",
    "summary",
    "marking",
    "findings",
]
PRINCIPLES = ["dignity", "protection", "managing-risk", "nope"]
FINDING_JUNK = st.dictionaries(
    st.sampled_from(["result", "evidence", "likelihood", "impact", "other"]),
    FIELD_JUNK | st.sampled_from(["met", "not met", "partly met", "not seen"]),
    max_size=4,
)


def visit_bodies(provider_id: int) -> st.SearchStrategy[str]:
    """JSON texts for POST /api/v1/contract-visits: a valid body spoiled, or anything at all."""
    valid: dict[str, Any] = {
        "provider_id": provider_id,
        "visited_on": "2026-10-06",
        "visit_type": "unannounced",
        "spoke_to": ["residents", "staff"],
        "overall": "requires improvement",
        "summary": "Lunchtime visit.",
        "marking": "AMBER",
        "findings": {"dignity": {"result": "not met", "evidence": "Doors left open."}},
    }
    findings = st.dictionaries(
        st.sampled_from(PRINCIPLES), FINDING_JUNK | FIELD_JUNK, min_size=1, max_size=3
    )
    spoiled = st.builds(
        lambda changes, dropped, extra: json.dumps(
            {k: v for k, v in (valid | changes).items() if k not in dropped} | extra,
            allow_nan=True,
        ),
        st.dictionaries(
            st.sampled_from(VISIT_FIELDS), FIELD_JUNK | findings, min_size=1, max_size=4
        ),
        st.sets(st.sampled_from(VISIT_FIELDS), max_size=2),
        st.dictionaries(st.text(max_size=8), JSON_SCALAR, max_size=2),
    )
    anything = JSON_VALUE.map(lambda v: json.dumps(v, allow_nan=True))
    broken = st.text(max_size=40) | st.binary(max_size=40).map(lambda b: b.decode("latin-1"))
    return spoiled | anything | broken

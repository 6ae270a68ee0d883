"""The query language: parsed once into a tree; anything unreadable falls back to plain words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.search.query import (
    And,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    describe,
    parse_query,
)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("falls", "falls"),
        ("Falls Medication", "(falls AND medication)"),
        ("falls AND medication", "(falls AND medication)"),
        ("falls OR medication", "(falls OR medication)"),
        ('"missed visit"', '"missed visit"'),
        ("medic*", "medic*"),
        ("falls NOT hospital", "(falls AND NOT hospital)"),
        ("falls -hospital", "(falls AND NOT hospital)"),
        ("(falls OR fracture) AND night", "((falls OR fracture) AND night)"),
        ("a OR b c", "(a OR (b AND c))"),
        ('provider:"cedar lodge" theme:falls', '(provider:"cedar lodge" AND theme:falls)'),
        ("agency:MPS", "agency:mps"),
        ("title:rota*", "title:rota*"),
        ("St. George’s", "(st AND george's)"),
        ("http://example.com", "(http AND example AND com)"),
        ("NOT falls", "NOT falls"),
    ],
)
def test_queries_parse_into_the_tree_a_person_means(text, tree):
    parsed = parse_query(text)
    assert parsed.message is None
    assert describe(parsed.tree) == tree


@pytest.mark.parametrize(
    ("text", "words", "why"),
    [
        ("(falls OR fracture", "falls fracture", "a bracket is not closed"),
        ("falls)", "falls", "a closing bracket has no opening bracket"),
        ('"missed visit', "missed visit", "a quotation mark is not closed"),
        ("falls AND", "falls", "AND needs something"),
        ("OR falls", "falls", "OR needs something"),
        ("falls NOT", "falls", "NOT needs something"),
        ("(", None, "ends where more was expected"),
    ],
)
def test_an_unreadable_query_is_searched_as_plain_words_with_a_message(text, words, why):
    parsed = parse_query(text)
    assert parsed.fallback
    assert why in parsed.message
    if words is None:
        assert parsed.match_nothing
    else:
        assert f"plain words: {words}." in parsed.message
        assert describe(parsed.tree).strip("()").replace(" AND ", " ") == words


def test_an_empty_search_box_means_browse_and_punctuation_alone_means_nothing():
    assert parse_query("").tree is None and not parse_query("").match_nothing
    assert parse_query("  ...  ").match_nothing


def test_positive_words_and_prefixes_are_known_for_highlighting():
    parsed = parse_query('falls "night staff" medic* NOT hospital theme:falls')
    assert parsed.words == ["falls", "night", "staff"]
    assert parsed.prefixes == ["medic"]


def _valid_tree(node) -> bool:
    if isinstance(node, Term | Prefix):
        return bool(node.text) and node.text == node.text.lower()
    if isinstance(node, Phrase):
        return len(node.words) >= 2
    if isinstance(node, Not):
        return _valid_tree(node.part)
    if isinstance(node, And | Or):
        return len(node.parts) >= 2 and all(_valid_tree(p) for p in node.parts)
    return False


QUERY_PIECES = st.sampled_from(
    [
        "falls",
        "staff",
        "(",
        ")",
        '"',
        "AND",
        "OR",
        "NOT",
        "-",
        "*",
        "provider:",
        "theme:",
        "agency:",
        "title:",
        ":",
        " ",
        "medic*",
        "'",
        "’",
        "é",
        "\t",
        "\x00",
        "<script>",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(QUERY_PIECES, max_size=20).map(" ".join))
def test_query_like_input_always_parses_or_falls_back(text):
    parsed = parse_query(text)
    assert parsed.tree is None or _valid_tree(parsed.tree)
    assert parsed.fallback == (parsed.message is not None) or parsed.match_nothing


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_at_all_parses_or_falls_back_and_never_raises(text):
    parsed = parse_query(text)
    assert parsed.tree is None or _valid_tree(parsed.tree)


def test_a_very_long_query_is_cut_down_not_refused():
    parsed = parse_query("falls " * 400)
    assert parsed.tree is not None

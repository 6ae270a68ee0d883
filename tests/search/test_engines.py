"""Which engine answers, and that both compile any query tree."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql

from portal import ConfigurationError, create_app
from portal.search.engine import engine_name
from portal.search.postgres_engine import _Compiler
from portal.search.query import parse_query
from portal.search.whoosh_eval import compile_tree
from tests.imports import imported_modules

#: The engines and the module that chooses one: none of these imports another, except
#: that the chooser may import the engines.
ENGINE_MODULES = {
    "portal.search.engine",
    "portal.search.whoosh_engine",
    "portal.search.postgres_engine",
}


@pytest.mark.parametrize(
    ("url", "override", "expected"),
    [
        ("sqlite:///x.db", "", "whoosh"),
        ("postgresql://u@h/db", "", "postgres"),
        ("postgresql://u@h/db", "whoosh", "whoosh"),
        ("postgresql://u@h/db", "postgres", "postgres"),
    ],
)
def test_the_engine_follows_the_database_unless_overridden(url, override, expected, tmp_path):
    app = create_app(
        {
            "env": "test",
            "database_url": url,
            "search_engine": override,
            "instance_path": str(tmp_path),
        }
    )
    assert engine_name(app) == expected


@pytest.mark.parametrize(
    "module",
    ["portal.search.interface", "portal.search.whoosh_engine", "portal.search.postgres_engine"],
)
def test_neither_engine_nor_their_shared_types_import_an_engine_or_the_chooser(
    module: str,
) -> None:
    assert imported_modules(module) & ENGINE_MODULES == set()


def test_the_postgres_engine_on_sqlite_is_a_configuration_error(tmp_path):
    app = create_app(
        {
            "env": "test",
            "database_url": "sqlite:///x.db",
            "search_engine": "postgres",
            "instance_path": str(tmp_path),
        }
    )
    with pytest.raises(ConfigurationError, match="needs a PostgreSQL database"):
        engine_name(app)


def test_an_unknown_engine_is_a_configuration_error(tmp_path):
    app = create_app(
        {
            "env": "test",
            "database_url": "sqlite:///x.db",
            "search_engine": "solr",
            "instance_path": str(tmp_path),
        }
    )
    with pytest.raises(ConfigurationError, match="whoosh or postgres"):
        engine_name(app)


PIECES = st.sampled_from(
    [
        "falls",
        "staff",
        "(",
        ")",
        '"',
        "AND",
        "OR",
        "NOT",
        "-x",
        "medic*",
        "provider:cedar",
        "theme:falls",
        "agency:mps",
        "title:rota",
        "'",
        "é",
        "the",
        "a*",
        "*",
        "%",
        "_",
        "\\",
        ":*",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=15).map(" ".join))
def test_both_engines_compile_whatever_the_parser_gives(text):
    tree = parse_query(text).tree
    compile_tree(tree)
    condition = _Compiler("items").condition(tree)
    str(condition.compile(dialect=postgresql.dialect()))
    provider_condition = _Compiler("providers").condition(tree)
    str(provider_condition.compile(dialect=postgresql.dialect()))

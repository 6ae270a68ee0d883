"""Sizes a reader can hold: no module in portal/ over 400 lines of code, no function over 60.

A module's lines of code are those that are not blank, comments or docstrings. A function's
length runs from its ``def`` to its last line, whatever they hold. Only a data table (a
function or module that is a table written out, not steps) may be longer, and only when it is
named in DATA_TABLES below with what it holds.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PORTAL = ROOT / "portal"

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

#: Data tables allowed past the limits: "path" (a module) or "path::Class.function" -> what
#: table it holds. Steps never belong here, however long; split them instead.
DATA_TABLES: dict[str, str] = {}

_DocstringOwner = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
_NOT_CODE = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
)


def _docstring_lines(tree: ast.Module) -> set[int]:
    """The lines of every module, class and function docstring."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _DocstringOwner) or not node.body:
            continue
        first = node.body[0]
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def code_lines(source: str) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    docstrings = _docstring_lines(ast.parse(source))
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in _NOT_CODE:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def function_lengths(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, int]]:
    """(qualified name, lines from ``def`` to its last line) of every function, nested too."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}{node.name}"
            yield name, (node.end_lineno or node.lineno) - node.lineno + 1
            yield from function_lengths(node, f"{name}.")
        elif isinstance(node, ast.ClassDef):
            yield from function_lengths(node, f"{prefix}{node.name}.")
        else:
            yield from function_lengths(node, prefix)


def over_the_limits() -> dict[str, str]:
    """Every module and function in portal/ past its limit -> by how much."""
    found: dict[str, str] = {}
    for path in sorted(PORTAL.rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        lines = code_lines(source)
        if lines > MAX_MODULE_LINES:
            found[where] = f"{lines} lines of code (at most {MAX_MODULE_LINES})"
        for name, length in function_lengths(ast.parse(source)):
            if length > MAX_FUNCTION_LINES:
                found[f"{where}::{name}"] = f"{length} lines (at most {MAX_FUNCTION_LINES})"
    return found


def test_no_module_or_function_in_portal_is_longer_than_a_reader_can_hold() -> None:
    found = over_the_limits()
    allowed = set(DATA_TABLES)
    too_long = [f"{place}: {size}" for place, size in found.items() if place not in allowed]
    assert not too_long, "split these into named steps or modules:\n" + "\n".join(too_long)


def test_every_place_allowed_past_the_limits_still_needs_it() -> None:
    found = over_the_limits()
    stale = sorted((set(DATA_TABLES)) - set(found))
    assert not stale, "within the limits now; remove from DATA_TABLES: " + ", ".join(stale)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"""A module."""\n\n# a comment\nX = 1\n', 1),
        ('def f():\n    """One line."""\n    return (\n        1\n    )\n', 4),
        ('class C:\n    """Doc\n    on two lines."""\n\n    y = """not a\ndocstring"""\n', 3),
    ],
)
def test_lines_of_code_leave_out_blanks_comments_and_docstrings(source: str, expected: int) -> None:
    assert code_lines(source) == expected


def test_a_function_is_measured_from_def_to_its_last_line_methods_and_nested_too() -> None:
    source = "class C:\n    @staticmethod\n    def m():\n        def inner():\n            pass\n"
    assert dict(function_lengths(ast.parse(source))) == {"C.m": 3, "C.m.inner": 2}

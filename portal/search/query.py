"""The one query language, parsed once into a small tree that each engine compiles.

Grammar (operators in capitals; a space between two terms means AND)::

    query   := or_expr
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*
    unary   := ("NOT" | "-") unary | atom
    atom    := "(" or_expr ")" | FIELD ":" value | value
    value   := '"' phrase '"' | word | word "*"

FIELD is one of FIELDS. Anything the parser cannot read (an unclosed quote or
parenthesis, an operator with nothing to act on) is searched as plain words, and
the parse result says so in a message: a search never fails on its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Field prefixes the language knows, and what each searches.
FIELDS = {
    "provider": "the provider's name",
    "theme": "a theme code, like falls or medication",
    "agency": "the source agency's code, like MPS",
    "title": "the item's title",
}

#: The longest query searched, in characters, and the most terms (words, and anything else
#: between spaces but AND, OR and NOT): a longer one is refused (`query_problem`).
MAX_QUERY_LENGTH = 1000
MAX_TERMS = 64
#: How deeply brackets and NOTs may nest: deeper than any person writes, and the
#: parser and both engines' compilers recurse once a level.
MAX_DEPTH = 32
#: Fields whose value is one code (a theme, an agency), matched whole, not as words.
EXACT_FIELDS = ("theme", "agency")
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


# --- The tree ----------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word to find (the engines stem and fold case)."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    """Words that must stand together in this order."""

    words: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True)
class Prefix:
    """Any word starting with these letters."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class And:
    """All of the parts."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any of the parts."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """Everything but the part."""

    part: Node


Node = Term | Phrase | Prefix | And | Or | Not


@dataclass(frozen=True)
class ParsedQuery:
    """The tree and any message.

    A tree of None means no words were given: everything the filters allow,
    unless `match_nothing` (the text had no searchable words at all).
    """

    tree: Node | None
    message: str | None = None
    fallback: bool = False
    match_nothing: bool = False

    @property
    def words(self) -> list[str]:
        """The positive whole words and phrase words of the query, for highlighting."""
        return positive_words(self.tree, prefixes=False)

    @property
    def prefixes(self) -> list[str]:
        """The positive prefixes of the query (prefix*), for highlighting."""
        return positive_words(self.tree, prefixes=True)


class QuerySyntaxError(ValueError):
    """The text is not a query in the language; the message says why, in plain words."""


# --- Tokens ------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<field>[A-Za-z_]+):(?=\S)
  | (?P<quote>"[^"]*"?)
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)
_OPERATORS = {"AND", "OR", "NOT"}


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "word"
        value = match.group()
        if kind == "space":
            continue
        if kind == "field" and value[:-1].lower() not in FIELDS:
            # "http:" or "note:" is not a field: read it as an ordinary word.
            kind = "word"
        if kind == "word" and value in _OPERATORS:
            kind = value
        tokens.append((kind, value))
    return tokens


def _words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in WORD.findall(text)]


# --- Parser ------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.terms = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.or_expr()
        if self.peek() is not None:
            kind = self.peek()
            raise QuerySyntaxError(
                "a closing bracket has no opening bracket"
                if kind == "rparen"
                else "unexpected text"
            )
        return node

    def or_expr(self) -> Node | None:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, "rparen", "OR", "AND"):
                raise QuerySyntaxError("OR needs something to search for on both sides")
            parts.append(self.and_expr())
        return _combine(Or, parts)

    def and_expr(self) -> Node | None:
        parts = [self.unary()]
        while self.peek() not in (None, "rparen", "OR"):
            if self.peek() == "AND":
                self.take()
                if self.peek() in (None, "rparen", "OR", "AND"):
                    raise QuerySyntaxError("AND needs something to search for on both sides")
            parts.append(self.unary())
        return _combine(And, parts)

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(f"its brackets or NOTs nest more than {MAX_DEPTH} deep")

    def unary(self) -> Node | None:
        kind = self.peek()
        if kind == "NOT":
            self.take()
            if self.peek() in (None, "rparen", "OR", "AND"):
                raise QuerySyntaxError("NOT needs something to leave out")
            self.deeper()
            part = self.unary()
            self.depth -= 1
            return Not(part) if part is not None else None
        if (
            kind == "word"
            and len(self.tokens[self.pos][1]) > 1
            and self.tokens[self.pos][1][0] == "-"
        ):
            # -word leaves the word out, as in most search boxes.
            _, value = self.take()
            part = self.value(value[1:], None)
            return Not(part) if part is not None else None
        return self.atom()

    def atom(self) -> Node | None:
        kind = self.peek()
        if kind is None:
            raise QuerySyntaxError("it ends where more was expected")
        if kind == "lparen":
            self.take()
            if self.peek() == "rparen":
                raise QuerySyntaxError("the brackets have nothing between them")
            self.deeper()
            node = self.or_expr()
            if self.peek() != "rparen":
                raise QuerySyntaxError("a bracket is not closed")
            self.take()
            self.depth -= 1
            return node
        if kind == "rparen":
            raise QuerySyntaxError("a closing bracket has no opening bracket")
        if kind in ("AND", "OR"):
            raise QuerySyntaxError(f"{kind} needs something to search for on both sides")
        if kind == "field":
            _, value = self.take()
            field = value[:-1].lower()
            if self.peek() not in ("word", "quote"):
                raise QuerySyntaxError(f"{field}: needs a value after it")
            return self.value(self.take()[1], field)
        _, value = self.take()
        return self.value(value, None)

    def value(self, raw: str, field: str | None) -> Node | None:
        if field in EXACT_FIELDS:
            return self.exact_value(raw, field)
        if raw.startswith('"'):
            if len(raw) < 2 or not raw.endswith('"'):
                raise QuerySyntaxError("a quotation mark is not closed")
            words = _words(raw[1:-1])
            self._count(len(words))
            if not words:
                return None
            if len(words) == 1:
                return Term(words[0].lower(), field)
            return Phrase(tuple(w.lower() for w in words), field)
        is_prefix = raw.endswith("*")
        words = _words(raw)
        self._count(len(words))
        if not words:
            return None
        if is_prefix and len(words) == 1:
            return Prefix(words[0].lower(), field)
        nodes: list[Node | None] = [Term(w.lower(), field) for w in words]
        if is_prefix:
            nodes[-1] = Prefix(words[-1].lower(), field)
        return _combine(And, nodes)

    def exact_value(self, raw: str, field: str) -> Node | None:
        """A code's value, whole: `infection-control`, `nhs_swl`, `infect*` or `"infection control"`."""
        if raw.startswith('"'):
            if len(raw) < 2 or not raw.endswith('"'):
                raise QuerySyntaxError("a quotation mark is not closed")
            words = [w.lower() for w in _words(raw[1:-1])]
            self._count(len(words))
            if not words:
                return None
            return Phrase(tuple(words), field) if len(words) > 1 else Term(words[0], field)
        code = "".join(c for c in raw.rstrip("*").lower() if c.isalnum() or c in "-_")
        if not code:
            return None
        self._count(1)
        return Prefix(code, field) if raw.endswith("*") else Term(code, field)

    def _count(self, n: int) -> None:
        self.terms += n
        if self.terms > MAX_TERMS:
            raise QuerySyntaxError(f"it has more than {MAX_TERMS} words")


def _combine(kind: type[And] | type[Or], parts: list[Node | None]) -> Node | None:
    flat: list[Node] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, kind):
            flat.extend(part.parts)
        else:
            flat.append(part)
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def query_problem(text: str | None) -> str | None:
    """Why a query is refused (too long, too many terms), in plain words; None if it is not."""
    text = text or ""
    if len(text) > MAX_QUERY_LENGTH:
        return (
            f"Your search is {len(text):,} characters long. Search with "
            f"{MAX_QUERY_LENGTH:,} characters or fewer."
        )
    terms = [t for t in text.replace("(", " ").replace(")", " ").split() if t not in _OPERATORS]
    if len(terms) > MAX_TERMS:
        return f"Your search has {len(terms):,} terms. Search with {MAX_TERMS} terms or fewer."
    return None


def parse_query(text: str | None) -> ParsedQuery:
    """Parse a search box's text; never raises: unreadable text is read as plain words."""
    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    try:
        tree = _Parser(text).parse()
    except QuerySyntaxError as exc:
        words = [w.lower() for w in _words(text)][:MAX_TERMS]
        words = [w for w in words if w not in ("and", "or", "not")] or words
        if not words:
            message = (
                f"Your search could not be read as a query because {exc}, and it has no "
                "words to search for. Enter some words."
            )
            return ParsedQuery(None, message=message, fallback=True, match_nothing=True)
        message = (
            f"Your search could not be read as a query because {exc}, "
            f"so it was searched as plain words: {' '.join(words)}."
        )
        return ParsedQuery(_combine(And, [Term(w) for w in words]), message=message, fallback=True)
    if tree is None and text:
        return ParsedQuery(
            None,
            message="Your search has no words to search for. Enter some words.",
            match_nothing=True,
        )
    return ParsedQuery(tree)


def positive_words(node: Node | None, prefixes: bool = False) -> list[str]:
    """The words (or, with prefixes=True, the prefixes) the query looks for, not under NOT."""
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Prefix):
        return [node.text] if prefixes and node.field in (None, "title") else []
    if isinstance(node, Term):
        return [node.text] if not prefixes and node.field in (None, "title") else []
    if isinstance(node, Phrase):
        return list(node.words) if not prefixes and node.field in (None, "title") else []
    words: list[str] = []
    for part in node.parts:
        words.extend(positive_words(part, prefixes))
    return words


def describe(node: Node | None) -> str:
    """The tree as text, for messages and tests: (a AND (b OR NOT c))."""
    if node is None:
        return "everything"
    prefix = lambda n: f"{n.field}:" if n.field else ""  # noqa: E731
    if isinstance(node, Term):
        return prefix(node) + node.text
    if isinstance(node, Prefix):
        return prefix(node) + node.text + "*"
    if isinstance(node, Phrase):
        return prefix(node) + '"' + " ".join(node.words) + '"'
    if isinstance(node, Not):
        return "NOT " + describe(node.part)
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(describe(p) for p in node.parts) + ")"

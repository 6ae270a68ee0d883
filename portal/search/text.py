"""Text handling both engines share: stop words, the analyzer, snippets."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup
from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StemmingAnalyzer,
    StopFilter,
)

#: Highlight markers: control characters that cannot come from a form or the API
#: (both strip them), turned into <mark> only after the text is HTML-escaped.
MARK_START = "\x02"
MARK_END = "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@cache
def stop_words() -> frozenset[str]:
    """PostgreSQL's English stop words (so Whoosh and PostgreSQL drop the same words)."""
    path = Path(__file__).with_name("stopwords.txt")
    return frozenset(
        line.strip() for line in path.read_text().splitlines() if line.strip() and line[0] != "#"
    )


@cache
def analyzer() -> StemmingAnalyzer:
    """Lower-case, stop words removed, Porter-stemmed: as PostgreSQL's 'english' config."""
    return StemmingAnalyzer(stoplist=stop_words(), minsize=1)


class _KeepStopWords(Filter):
    """Lets stop words through, marked as stopped, so the next filter can count them."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            token.removestops = False
            yield token


class PairFilter(Filter):
    """Each two neighbouring words as one token, for phrases: "first second", or
    "first 2 second" when one stop word stands between them (PostgreSQL counts stop
    words as places in a phrase too, so both engines find the same phrases)."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        previous = None
        gap = 1
        for token in tokens:
            if token.stopped:
                gap += 1
                continue
            text = token.text
            if previous is not None:
                token.text = f"{previous} {text}" if gap == 1 else f"{previous} {gap} {text}"
                yield token
            previous = text
            gap = 1


@cache
def pair_analyzer() -> Any:
    """The analyzer's stems, each paired with the next: a two-word phrase is one term."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | _KeepStopWords()
        | StopFilter(stoplist=stop_words(), minsize=1)
        | StemFilter()
        | PairFilter()
    )


def analysed_pairs(text: str) -> list[str]:
    """The pair terms of a text, in order (see PairFilter)."""
    return [token.text for token in pair_analyzer()(text)]


def analysed_words(text: str) -> list[str]:
    """The stems the index keeps for this text."""
    return [token.text for token in analyzer()(text)]


def is_stop_word(word: str) -> bool:
    """A word both engines ignore."""
    return not analysed_words(word)


def clean_text(text: str) -> str:
    """Text with control characters removed (they would collide with the markers)."""
    return _CONTROL.sub(" ", text)


def render_snippet(marked: str) -> Markup:
    """Escape a marked snippet for HTML and turn the markers into <mark> elements."""
    escaped = html.escape(marked, quote=True)
    # Safe: the text was escaped on the line above; only our own markers become tags.
    return Markup(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S704


def plain_snippet(text: str, length: int = 240) -> str:
    """The start of a text, cut at a word boundary, for hits with nothing to highlight."""
    text = " ".join(clean_text(text).split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut + " …"

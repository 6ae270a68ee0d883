"""Provider names and CQC IDs as search compares them: one function for storage and queries."""

from __future__ import annotations

import re
import unicodedata

# Straight, curly and modifier apostrophes, the backtick and the acute accent people type for one:
# dropped outright so "George's" and "Georges" read the same.
_APOSTROPHES = re.compile("['\u2018\u2019\u02bc\u0060\u00b4\u2032]")
# Everything that is not a letter or digit separates words ("_" too: it is a LIKE wildcard).
_SEPARATORS = re.compile(r"[\W_]+")
_CQC_ID = re.compile(r"1-[0-9]{3,15}")


def name_key(name: str | None) -> str:
    """Return the name as search compares it: lower case, no accents, punctuation or apostrophes."""
    if not name:
        return ""
    text = str(name)
    if not text.isascii():  # ASCII has no accents to take off: most names, and much faster
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub("", text.lower()).replace("&", " and ")
    return " ".join(_SEPARATORS.sub(" ", text).split())


def cqc_id(text: str | None) -> str | None:
    """Return text read as a CQC location or provider ID (``1-`` then digits), or None."""
    if not isinstance(text, str):
        return None
    compact = "".join(text.split())
    return compact if _CQC_ID.fullmatch(compact) else None

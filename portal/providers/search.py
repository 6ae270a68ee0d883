"""Finding providers: by CQC ID, by postcode (nearest first) or by name, tolerant of typos.

``find_providers`` is the one entry point other areas call (a provider picker). The list page
and the API use ``match_providers`` beside it, which also gives distances, a message for an
invalid postcode, and accepts the list's filters as SQL conditions.

How each kind of text is read, in this order:

* a CQC location ID (``1-`` and digits) finds that location; failing that, as a CQC provider
  ID, every location of that provider;
* a postcode, sector, district or area (``portal.postcodes``) finds the providers inside it,
  nearest first. A full postcode is widened to its district, so a postcode no provider has
  still finds its neighbours. Distances run from the provider's own latitude/longitude, else
  its district's centroid, to a provider at exactly the query postcode when there is one,
  else the query's district (or area) centroid. Without coordinates: postcode order;
* anything else is a name: compared on ``name_key`` (lower case, no accents, punctuation or
  apostrophes), every word must match a word of the name exactly, as its beginning, or with
  one wrong, missing or extra letter (words of three letters or more; two for eight or more).

No search index is involved: a SQL ``LIKE`` on ``name_key`` narrows the candidates (one half
of the longest word always survives a single typo), and rapidfuzz scores them in Python.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import sqlalchemy as sa
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from portal.extensions import db
from portal.models import Provider
from portal.postcodes import (
    InvalidPostcode,
    Postcode,
    centroid,
    district_centroid,
    district_exists,
    haversine_km,
    parse_postcode,
    postcode_sort_key,
    sql_prefix,
)
from portal.providers.names import cqc_id, name_key

__all__ = [
    "Distance",
    "ProviderMatches",
    "clean_query",
    "find_providers",
    "load_providers",
    "match_providers",
]

MAX_QUERY_LENGTH = 200
# Control characters (NUL above all: PostgreSQL refuses it in text) never reach SQL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Text shaped like an attempt at a postcode: when it is not a valid one and no name matches,
# saying why beats an empty list.
_POSTCODE_LIKE = re.compile(r"[A-Za-z]{1,3}[0-9][A-Za-z0-9]{0,2}(\s*[0-9][A-Za-z]{0,3})?")

Kind = Literal["all", "id", "postcode", "name"]


@dataclass(frozen=True)
class Distance:
    """How far a provider is from the place searched for."""

    km: float
    # True when either end is a district (or area) centroid rather than a known location.
    approximate: bool

    @property
    def text(self) -> str:
        """The distance as the page shows it: "about 1.2 km", or "under 0.1 km" (never "0.0")."""
        if round(self.km, 1) == 0:
            return "under 0.1 km"
        return f"about {self.km:.1f} km"


@dataclass
class ProviderMatches:
    """Provider IDs matching a search, best (or nearest) first."""

    kind: Kind
    ids: list[int] = field(default_factory=list)
    distances: dict[int, Distance] = field(default_factory=dict)
    postcode: Postcode | None = None
    # Why nothing was found, when the text was meant as a postcode but is not one.
    message: str | None = None


def clean_query(text: object) -> str:
    """Return search text safe to use: a string, no control characters, trimmed, bounded."""
    if not isinstance(text, str):
        return ""
    return " ".join(_CONTROL.sub(" ", text).split())[:MAX_QUERY_LENGTH]


def find_providers(text: str, limit: int = 20) -> list[Provider]:
    """Return the providers a picker should offer for the text, best match first; never raises."""
    try:
        limit = max(0, int(limit))
    except (TypeError, ValueError):
        limit = 20
    matches = match_providers(text)
    return load_providers(matches.ids[:limit])


def match_providers(
    text: object, conditions: Sequence[sa.ColumnElement[bool]] = ()
) -> ProviderMatches:
    """Rank the providers matching the text (ID, postcode or name) within the conditions."""
    query = clean_query(text)
    if not query:
        return ProviderMatches(kind="all")
    identifier = cqc_id(query)
    if identifier:
        return ProviderMatches(kind="id", ids=_ids_for_cqc_id(identifier, conditions))
    try:
        postcode = parse_postcode(query)
    except InvalidPostcode as invalid:
        matches = ProviderMatches(kind="name", ids=_ids_for_name(query, conditions))
        if not matches.ids and _POSTCODE_LIKE.fullmatch(query):
            matches.message = invalid.message
        return matches
    return postcode_matches(postcode, conditions)


def load_providers(ids: Sequence[int]) -> list[Provider]:
    """Return the providers with these IDs, in that order, ratings and service types loaded."""
    if not ids:
        return []
    # Provider.ratings and .service_types are selectin relationships: two more queries at most.
    found = {p.id: p for p in db.session.scalars(sa.select(Provider).where(Provider.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


# --- by CQC ID -----------------------------------------------------------------------------


def _ids_for_cqc_id(identifier: str, conditions: Sequence[sa.ColumnElement[bool]]) -> list[int]:
    location = db.session.scalar(
        sa.select(Provider.id).where(Provider.cqc_location_id == identifier, *conditions)
    )
    if location is not None:
        return [location]
    return list(
        db.session.scalars(
            sa.select(Provider.id)
            .where(Provider.cqc_provider_id == identifier, *conditions)
            .order_by(Provider.name_key, Provider.id)
        )
    )


# --- by postcode ---------------------------------------------------------------------------


def postcode_matches(
    postcode: Postcode, conditions: Sequence[sa.ColumnElement[bool]] = ()
) -> ProviderMatches:
    """Rank the providers within a postcode's scope, nearest first, with their distances."""
    # A single postcode rarely has a provider: look across its district and sort by distance.
    scope = postcode.at("district") if postcode.level == "unit" else postcode
    rows = db.session.execute(
        sa.select(
            Provider.id,
            Provider.postcode,
            Provider.postcode_district,
            Provider.latitude,
            Provider.longitude,
        ).where(sa.or_(*(Provider.postcode.like(p) for p in sql_prefix(scope))), *conditions)
    ).all()
    origin, origin_exact = _origin(postcode, rows)
    distances: dict[int, Distance] = {}
    for row in rows:
        own = _own_point(row.latitude, row.longitude)
        point = own or district_centroid(row.postcode_district or "")
        if origin is not None and point is not None:
            distances[row.id] = Distance(
                km=haversine_km(*origin, *point), approximate=not (origin_exact and own)
            )

    def order(row: sa.Row) -> tuple:
        distance = distances.get(row.id)
        return (
            postcode.level == "unit" and row.postcode != postcode.unit,
            distance is None,
            distance.km if distance else 0.0,
            postcode_sort_key(row.postcode),
            row.id,
        )

    ranked = [row.id for row in sorted(rows, key=order)]
    return ProviderMatches(kind="postcode", ids=ranked, distances=distances, postcode=postcode)


def _own_point(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    if latitude is None or longitude is None:
        return None
    return float(latitude), float(longitude)


def _origin(postcode: Postcode, rows: Sequence[sa.Row]) -> tuple[tuple[float, float] | None, bool]:
    # A provider at exactly the postcode searched for places it better than any centroid.
    if postcode.level == "unit":
        for row in rows:
            own = _own_point(row.latitude, row.longitude)
            if row.postcode == postcode.unit and own is not None:
                return own, True
    return centroid(postcode), False


# --- by name -------------------------------------------------------------------------------


def _ids_for_name(query: str, conditions: Sequence[sa.ColumnElement[bool]]) -> list[int]:
    key = name_key(query)
    words = key.split()
    if not words:
        return []
    longest = max(words, key=len)
    # One typo leaves one half of the word intact, so a LIKE on either half keeps every
    # candidate a typo-tolerant comparison could accept.
    if len(longest) >= 4:
        half = len(longest) // 2
        fragments = {longest[:half], longest[half:]}
    else:
        fragments = {longest}
    rows = db.session.execute(
        sa.select(Provider.id, Provider.name_key).where(
            sa.or_(*(Provider.name_key.like(f"%{fragment}%") for fragment in fragments)),
            *conditions,
        )
    ).all()
    scored = []
    for row in rows:
        score = _name_score(words, row.name_key or "")
        if score > 0:
            # Ties: closest whole name, then the shorter name, then alphabetical.
            closeness = fuzz.ratio(key, row.name_key)
            scored.append((-score, -closeness, len(row.name_key), row.name_key, row.id))
    scored.sort()
    return [entry[-1] for entry in scored]


def _canonical(word: str) -> str:
    """A name word as compared: "saint" and "st" are one word."""
    return "st" if word == "saint" else word


def _name_score(query_words: list[str], stored_key: str) -> float:
    """Average of each query word's best match in the name; 0 if any word does not match."""
    query_words = [_canonical(w) for w in query_words]
    name_words = [_canonical(w) for w in stored_key.split()]
    # "stgeorges" typed for "St Georges": let neighbouring words be compared joined up.
    candidates = name_words + [a + b for a, b in zip(name_words, name_words[1:], strict=False)]
    total = 0.0
    for word in query_words:
        best = max((_word_score(word, candidate) for candidate in candidates), default=0.0)
        if best == 0.0:
            return 0.0
        total += best
    return total / len(query_words)


def _word_score(typed: str, stored: str) -> float:
    if typed == stored:
        return 1.0
    if stored.startswith(typed):
        return 0.9
    if len(typed) < 3:
        return 0.0
    allowed = 2 if len(typed) >= 8 else 1
    distance = Levenshtein.distance(typed, stored, score_cutoff=allowed)
    if distance <= allowed:
        # Three letters leave little to go on ("hme" for "home"): such a match counts less.
        return (0.8 if len(typed) >= 4 else 0.7) - 0.1 * (distance - 1)
    if len(typed) < 4:
        return 0.0
    # A typo inside the beginning of a longer word: "gorge" for "georgeson".
    if len(stored) > len(typed):
        distance = min(
            Levenshtein.distance(typed, stored[:end], score_cutoff=allowed)
            for end in (len(typed) - 1, len(typed), len(typed) + 1)
        )
        if distance <= allowed:
            return 0.6
    return 0.0


# --- a search box's text: the place, provider or CQC ID among other words ------------------

#: Words too common in care providers' names to say which provider is meant on their own.
GENERIC_NAME_WORDS = frozenset(
    "the and of ltd limited care home homes house nursing residential services service centre"
    " center court lodge hall manor st support supported living health healthcare domiciliary"
    " agency community team".split()
)
#: A search box's text is read for a place or a name only when it is this short.
MAX_READ_TOKENS = 12
#: The most words a provider's name is looked for in.
MAX_NAME_SPAN = 6
_OPERATOR_WORDS = frozenset({"AND", "OR", "NOT"})


@dataclass
class QueryReading:
    """What a search box's text points to, and the words beside it."""

    matches: ProviderMatches
    # The providers whose intelligence the search shows: for a full postcode, those at that
    # very postcode when there are any; otherwise every provider matched.
    scope: list[int]
    # The rest of the text, which narrows the intelligence.
    words: str
    # The part of the text read as a place, name or ID, tidied: "SW19 4GP", "st catherines".
    found: str


def read_query(text: object) -> QueryReading | None:
    """Read a search box's text: a CQC ID, a postcode or a provider's name among other words.

    Only plain words are read (no quotes, brackets, fields, operators, prefixes or -words:
    those are the query language's). A CQC ID comes first, then a postcode (a full postcode,
    a sector or a district of the districts table, in one or two words), then a name: the
    longest run of words that names providers. None when nothing matches a provider.
    """
    if not isinstance(text, str):
        return None
    tokens = _CONTROL.sub(" ", text).split()
    if not tokens or len(tokens) > MAX_READ_TOKENS or not all(map(_plain_token, tokens)):
        return None
    for start, token in enumerate(tokens):
        identifier = cqc_id(token)
        ids = _ids_for_cqc_id(identifier, ()) if identifier else []
        if identifier and ids:
            return QueryReading(
                ProviderMatches(kind="id", ids=ids), ids, _rest(tokens, start, 1), identifier
            )
    return _postcode_reading(tokens) or _name_reading(tokens)


def _plain_token(token: str) -> bool:
    if token in _OPERATOR_WORDS or token.startswith("-") or token.endswith("*"):
        return False
    return not any(mark in token for mark in '"():')


def _rest(tokens: list[str], start: int, width: int) -> str:
    return " ".join(tokens[:start] + tokens[start + width :])


def _place(text: str) -> Postcode | None:
    """A full postcode, sector or district (of a known district) in the text, or None."""
    try:
        postcode = parse_postcode(text)
    except InvalidPostcode:
        return None
    if postcode.level == "area" or not district_exists(postcode.district or ""):
        return None
    return postcode


def _postcode_reading(tokens: list[str]) -> QueryReading | None:
    for start in range(len(tokens)):
        for width in (2, 1):
            if start + width > len(tokens):
                continue
            postcode = _place(" ".join(tokens[start : start + width]))
            if postcode is None:
                continue
            matches = postcode_matches(postcode)
            if not matches.ids:
                return None
            scope = matches.ids
            if postcode.level == "unit":
                exact = set(
                    db.session.scalars(
                        sa.select(Provider.id).where(
                            Provider.id.in_(matches.ids), Provider.postcode == postcode.unit
                        )
                    )
                )
                scope = [i for i in matches.ids if i in exact] or matches.ids
            words = _rest(tokens, start, width)
            # A name beside the place ("st catherines sw19") narrows its providers.
            named = _name_reading(words.split(), within=matches.ids) if words else None
            if named is not None:
                wanted = set(named.scope)
                matches.ids = [i for i in matches.ids if i in wanted]
                scope, words = matches.ids, named.words
            return QueryReading(matches, scope, words, str(postcode))
    return None


def _name_reading(tokens: list[str], within: Sequence[int] | None = None) -> QueryReading | None:
    words = [[_canonical(w) for w in name_key(token).split()] for token in tokens]
    telling = {w for ws in words for w in ws if len(w) >= 3 and w not in GENERIC_NAME_WORDS}
    if not telling:
        return None
    # Halves of a long word survive one typo in it; a short word is looked for whole.
    fragments = {
        part
        for word in telling
        for part in (
            (word[: len(word) // 2], word[len(word) // 2 :]) if len(word) >= 6 else (word,)
        )
    }
    rows = db.session.execute(
        sa.select(Provider.id, Provider.name_key).where(
            sa.or_(*(Provider.name_key.like(f"%{fragment}%") for fragment in sorted(fragments))),
            *([Provider.id.in_(within)] if within is not None else []),
        )
    ).all()
    found: dict[tuple[int, int], list[tuple[float, int, str]]] = {}
    for row in rows:
        for span, score in _spans_naming(words, row.name_key or ""):
            found.setdefault(span, []).append((score, row.id, row.name_key))
    if not found:
        return None
    # The longest run of words that names providers; then the best match; then the first.
    span = max(found, key=lambda s: (s[1] - s[0], max(e[0] for e in found[s]), -s[0]))
    typed = name_key(" ".join(tokens[span[0] : span[1]]))
    ranked = sorted(
        found[span], key=lambda e: (-e[0], -fuzz.ratio(typed, e[2]), len(e[2]), e[2], e[1])
    )
    ids = [entry[1] for entry in ranked]
    reading = " ".join(tokens[span[0] : span[1]])
    rest = " ".join(tokens[: span[0]] + tokens[span[1] :])
    return QueryReading(ProviderMatches(kind="name", ids=ids), ids, rest, reading)


def _spans_naming(words: list[list[str]], stored_key: str) -> list[tuple[tuple[int, int], float]]:
    """The runs of tokens that name this provider, each with its score.

    A run names a provider when each of its words matches a word of the name and it matches
    every telling word of the name (those not in GENERIC_NAME_WORDS; a name needs one).
    """
    name_words = [_canonical(w) for w in stored_key.split()]
    telling = [w for w in name_words if w not in GENERIC_NAME_WORDS]
    if not telling:
        return []
    # Which telling words each token matches; most names fall here, before any other work.
    covers = [
        {t for t in telling if any(_word_score(w, t) > 0 for w in token_words)}
        for token_words in words
    ]
    if set().union(*covers) != set(telling):
        return []
    candidates = name_words + [a + b for a, b in zip(name_words, name_words[1:], strict=False)]
    scores = [
        [max((_word_score(w, c) for c in candidates), default=0.0) for w in token_words]
        for token_words in words
    ]
    spans = []
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + MAX_NAME_SPAN) + 1):
            run_scores = [s for ss in scores[start:end] for s in ss]
            if not run_scores or min(run_scores) == 0.0:
                break
            if set().union(*covers[start:end]) == set(telling):
                spans.append(((start, end), sum(run_scores) / len(run_scores)))
    return spans

"""The demo data set's text and tables, read from portal/data/demo/*.toml (see `demo_text`).

Names, places, item templates in each agency's voice, what meetings, provider concerns and
council monitoring record, and the weights and schedules the draws follow. The modules of
`portal.demo` make the data set from this and their seeded random draws. Every string is read
with its runs of whitespace, line breaks included, made single spaces, so the files can wrap
long texts freely; portal/data/README.md describes each file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parents[1] / "data" / "demo"
#: The agency kinds that write intelligence items, one file each in voices/, read in this order.
VOICES = ("council", "cqc", "nhs", "police", "healthwatch")
#: Where care is given: care homes, care at home (and extra care), supported living.
SETTINGS = ("home", "dom", "sl")


@dataclass(frozen=True)
class AgencyText:
    """A partner agency; `short` is how meeting notes name it."""

    code: str
    name: str
    kind: str
    short: str


@dataclass(frozen=True)
class Account:
    """A demo sign-in: `agency` is an agency's code, `role` a Role value."""

    email: str
    name: str
    agency: str
    role: str


@dataclass(frozen=True)
class People:
    """people.toml: the agencies, the accounts and names for registered managers."""

    first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    agencies: tuple[AgencyText, ...]
    accounts: tuple[Account, ...]


@dataclass(frozen=True)
class District:
    """A postcode district providers are placed in, and what their addresses are made of."""

    code: str
    side: str
    weight: int
    local_authorities: dict[str, int]
    localities: tuple[str, ...]
    post_town: str
    roads: tuple[str, ...]


@dataclass(frozen=True)
class Side:
    """Places items mention on one side of London, and the boroughs told of an embargo."""

    hospitals: tuple[str, ...]
    landmarks: tuple[str, ...]
    areas: tuple[str, ...]
    neighbours: tuple[str, ...]


@dataclass(frozen=True)
class Places:
    """places.toml: the districts, in the order they are drawn from, and the two sides."""

    sides: dict[str, Side]
    districts: dict[str, District]


@dataclass(frozen=True)
class Group:
    """An organisation running several locations in one setting."""

    name: str
    setting: str


@dataclass(frozen=True)
class ProviderNames:
    """providers.toml: what made-up provider and organisation names are made of."""

    stems: tuple[str, ...]
    saints: tuple[str, ...]
    kind_words: tuple[str, ...]
    name_patterns: dict[str, tuple[str, ...]]
    organisation_words: frozenset[str]
    organisation_suffixes: tuple[str, ...]
    groups: tuple[Group, ...]
    #: How many locations have each main service type (in the order they are shuffled).
    service_mix: dict[str, int]
    #: Weights of a rating (outstanding, good, requires improvement, bad) by profile.
    rating_weights: dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class Edit:
    """A later edit to an item: what changes, the revision's reason, a sentence added or ""."""

    change: str
    reason: str
    sentence: str


@dataclass(frozen=True)
class ItemWords:
    """items.toml: who writes how many items, words filled into item templates, and edits
    and withdrawals."""

    writers: dict[str, dict[str, int]]
    items_per_profile: dict[str, int | tuple[int, int]]
    severity_weights: dict[str, tuple[float, ...]]
    focus: dict[str, tuple[str, ...]]
    titles: tuple[str, ...]
    other_titles: tuple[str, ...]
    relatives_of: tuple[str, ...]
    medicines: tuple[str, ...]
    floors: tuple[str, ...]
    sites: tuple[str, ...]
    relatives: tuple[str, ...]
    shifts: tuple[str, ...]
    infections: tuple[str, ...]
    ordinals: tuple[str, ...]
    withdraw_reasons: tuple[str, ...]
    staff_roles: dict[str, tuple[str, ...]]
    setting_words: dict[str, dict[str, str]]
    edits: tuple[Edit, ...]


#: The slots that name a person ("Mrs K"): an item whose text has one is marked AMBER or above.
PERSON_SLOTS = ("{res}", "{res2}", "{res_f}", "{res_m}")


@dataclass(frozen=True)
class Template:
    """One kind of intelligence item, written in one agency kind's voice."""

    kind: str
    key_question: str
    themes: tuple[str, ...]
    severity: int  # 0 reassuring ... 3 serious
    titles: tuple[str, ...]
    body: str
    settings: tuple[str, ...] = SETTINGS
    sharing: str = ""  # "sensitive": police-only detail; "public": already published
    #: Other wordings of the same kind of item (another officer, other details), drawn with body.
    bodies: tuple[str, ...] = ()
    #: The likelihoods and impacts drawn from, where the severity's own would not be credible.
    likelihood: tuple[int, ...] = ()
    impact: tuple[int, ...] = ()
    #: Later edits only this kind of item has (used instead of the general ones in items.toml).
    edits: tuple[Edit, ...] = ()

    @property
    def names_person(self) -> bool:
        """Whether its text names a person (a resident, a client, a tenant)."""
        texts = (self.body, *self.bodies, *self.titles)
        return any(slot in text for text in texts for slot in PERSON_SLOTS)


@dataclass(frozen=True)
class Voice:
    """voices/<kind>.toml: how one kind of agency writes and grades items."""

    closers: tuple[str, ...]
    conditions: tuple[str, ...]
    templates: tuple[Template, ...]
    marking_weights: tuple[int, ...]
    source_weights: tuple[int, ...]
    assessment_weights: tuple[int, ...]
    condition_share: float


@dataclass(frozen=True)
class ActionText:
    """An action the group gives the agency with code `owner`."""

    owner: str
    text: str


@dataclass(frozen=True)
class Meetings:
    """meetings.toml: what the group's meetings record."""

    locations: tuple[str, ...]
    discussion_extras: tuple[str, ...]
    decisions: tuple[str, ...]
    added_reason: str
    closing_notes: tuple[str, ...]
    dropped_notes: tuple[str, ...]
    watched_reason: str
    open_discussions: tuple[str, ...]
    open_decisions: tuple[str, ...]
    actions: tuple[ActionText, ...]
    action_status_weights: tuple[tuple[int, ...], ...]
    north_owners: dict[str, str]


@dataclass(frozen=True)
class ConcernStory:
    """A provider concern: its summary, its embargo's reason and a note per stage reached,
    when they happened, and how many boroughs were told; for a closed one, its outcome and why
    and when its embargo was lifted."""

    summary: str
    embargo: str
    stages: dict[str, str]
    days_before: dict[str, int]
    embargo_days_before: int
    boroughs_told: int
    outcome: str = ""
    lifted: str = ""
    lifted_days_before: int = 0


@dataclass(frozen=True)
class Monitoring:
    """monitoring.toml: contract visits' summaries by judgement, evidence by principle, the
    weights of findings' results; the run of missed care visits."""

    spoke_to: tuple[str, ...]
    missed_run: tuple[int, ...]
    result_weights: dict[str, tuple[int, ...]]
    summaries: dict[str, tuple[str, ...]]
    not_met: dict[str, str]
    partly_met: dict[str, str]


@dataclass(frozen=True)
class DemoText:
    """All the demo's text, one field per file (the voices keyed by agency kind)."""

    people: People
    places: Places
    providers: ProviderNames
    items: ItemWords
    voices: dict[str, Voice]
    meetings: Meetings
    concerns: dict[str, ConcernStory]
    monitoring: Monitoring


def _tidy(value: Any) -> Any:
    """Strings with single spaces, arrays as tuples, all the way down."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return tuple(_tidy(v) for v in value)
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    return value


def _read(name: str) -> dict[str, Any]:
    with (FOLDER / name).open("rb") as handle:
        document: dict[str, Any] = _tidy(tomllib.load(handle))
        return document


def _voice(kind: str) -> Voice:
    data = _read(f"voices/{kind}.toml")
    return Voice(
        **data
        | {
            "closers": data.get("closers", ()),
            "templates": tuple(
                Template(kind=kind, **t | {"edits": tuple(Edit(**e) for e in t.get("edits", ()))})
                for t in data["templates"]
            ),
        }
    )


@cache
def demo_text() -> DemoText:
    """The demo's text, read once from portal/data/demo/; a wrong or missing key raises."""
    people, places, providers = _read("people.toml"), _read("places.toml"), _read("providers.toml")
    items, meetings = _read("items.toml"), _read("meetings.toml")
    open_concern = meetings.pop("open_concern")
    return DemoText(
        people=People(
            **people
            | {
                "agencies": tuple(AgencyText(**a) for a in people["agencies"]),
                "accounts": tuple(Account(**a) for a in people["accounts"]),
            }
        ),
        places=Places(
            sides={side: Side(**s) for side, s in places["sides"].items()},
            districts={code: District(code=code, **d) for code, d in places["districts"].items()},
        ),
        providers=ProviderNames(
            **providers
            | {
                "organisation_words": frozenset(providers["organisation_words"]),
                "groups": tuple(Group(**g) for g in providers["groups"]),
            }
        ),
        items=ItemWords(**items | {"edits": tuple(Edit(**e) for e in items["edits"])}),
        voices={kind: _voice(kind) for kind in VOICES},
        meetings=Meetings(
            **meetings
            | {
                "open_discussions": open_concern["discussions"],
                "open_decisions": open_concern["decisions"],
                "actions": tuple(ActionText(**a) for a in meetings["actions"]),
            }
        ),
        concerns={name: ConcernStory(**story) for name, story in _read("concerns.toml").items()},
        monitoring=Monitoring(**_read("monitoring.toml")),
    )

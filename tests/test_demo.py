"""The demo data: realistic, big enough, idempotent, and the same on every run."""

from __future__ import annotations

import enum
import hashlib
import json
import random
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.clock import fixed_today
from portal.demo import load_demo
from portal.demo.meetings import _decisions_and_actions
from portal.demo.text import demo_text
from portal.demo.world import Demo, Plan
from portal.ecm.measures import care_monitoring
from portal.extensions import db
from portal.models import (
    Action,
    Agency,
    AgencyKind,
    Blob,
    CareMonitoringAlert,
    CareVisit,
    ContractVisit,
    Embargo,
    FindingResult,
    IntelligenceItem,
    Marking,
    Meeting,
    MeetingPack,
    MeetingProvider,
    Provider,
    ProviderConcern,
    Role,
    User,
)
from portal.postcodes import parse_postcode
from tests.conftest import app_on
from tests.databases import CleanSlate, empty_all_tables

TODAY = date(2026, 11, 23)
AREAS = {"SW", "CR", "SM", "KT", "HA"}

#: SHA-256 of everything `load_demo(TODAY)` writes (see `demo_digest`), the same on SQLite and
#: PostgreSQL. A change to the demo data, or a new column in a table the demo fills, changes
#: it. Recorded again after merging 0004_meetings (issued packs, minutes, actions),
#: 0005_accounts, 0006_contract_monitoring (visits, care monitoring) and 0007_concerns_embargoes,
#: and again when the issued packs gained their care-monitoring figures, and when stored PDFs
#: were counted by what they are rather than by their bytes (see pdf_stand_ins), and when the
#: first meeting's pack stopped calling the day 35 days before it "the last meeting", and when
#: packs' page counts were left out (see UNSTABLE_COLUMNS), and for issue 29 (the focused
#: agenda, the readable pack, true embargo states, meetings planned until their pack is issued,
#: no duplicated actions), for 0011_mail (embargoes.notice_contacts, actions.overdue_reminded_on;
#: the demo issues its packs without e-mail, so the outbox is empty), for issue 33
#: (meeting_packs.job_id, empty for the demo's packs), and for issue 34 (items in more
#: wordings, serious allegations scored and revised credibly, nothing naming a person below
#: AMBER).
DEMO_DIGEST = "740e404bdd36ae8e50776455ac73fdb190d971ec377854201241a8502ab52aa7"
#: Values that are not part of the data set: salted password hashes, the moments at which
#: the load itself ran (audit events and the search change log take them from the clock), and
#: an issued pack's page count, which depends on the fonts the machine has (with the
#: Liberation fonts Chromium recommends, WeasyPrint lays the demo's packs out on other pages).
UNSTABLE_COLUMNS = {
    "users": {"password_hash"},
    "audit_events": {"occurred_at"},
    "search_changes": {"changed_at"},
    "meeting_packs": {"pages"},
}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stable(value: Any, pdfs: dict[str, str]) -> Any:
    """A value as JSON can hold it, the same whichever database returned it."""
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):  # a blob: an attachment, or an issued pack's or minutes' PDF
        return "PDF" if value.startswith(b"%PDF-") else hashlib.sha256(value).hexdigest()
    if isinstance(value, str) and value in pdfs:
        return pdfs[value]
    if isinstance(value, dict):  # JSON: an audit event's details name the PDF it issued
        return {key: stable(inner, pdfs) for key, inner in value.items()}
    if isinstance(value, list):
        return [stable(inner, pdfs) for inner in value]
    return value


def pdf_stand_ins() -> dict[str, str]:
    """Each stored PDF's SHA-256 -> the document it is ("pack 3 v1", "minutes 2").

    A PDF's bytes depend on the machine that wrote it as well as on the data: WeasyPrint
    subsets fonts with HarfBuzz where libharfbuzz-subset is installed (Debian's Chromium
    brings it) and with fontTools elsewhere. What each document says is checked by the pack,
    minutes and PDF tests; here it is enough that the same documents were issued.
    """
    pdfs = {
        sha: f"pack {meeting_id} v{version}"
        for sha, meeting_id, version in db.session.execute(
            sa.select(MeetingPack.pdf_sha256, MeetingPack.meeting_id, MeetingPack.version)
        )
    }
    for sha, meeting_id in db.session.execute(
        sa.select(Meeting.minutes_sha256, Meeting.id).where(Meeting.minutes_sha256.is_not(None))
    ):
        pdfs[sha] = f"minutes {meeting_id}"
    for sha, content in db.session.execute(sa.select(Blob.sha256, Blob.content)):
        if content.startswith(b"%PDF-"):
            assert sha in pdfs, "a PDF in the demo that is neither a pack nor minutes"
    return pdfs


def table_digests() -> dict[str, str]:
    """A SHA-256 per table holding rows: its columns by name, its rows in primary-key order."""
    pdfs = pdf_stand_ins()
    digests: dict[str, str] = {}
    for table in sorted(db.metadata.sorted_tables, key=lambda t: t.name):
        skip = UNSTABLE_COLUMNS.get(table.name, set())
        columns = sorted(c.name for c in table.columns if c.name not in skip)
        keys = [c.name for c in table.primary_key.columns]
        # Sorted here, not by ORDER BY: the two databases collate text differently.
        rows = sorted(
            (
                [stable(row[c], pdfs) for c in columns]
                for row in db.session.execute(sa.select(table)).mappings()
                if not (table.name == "blobs" and row["sha256"] in pdfs)
            ),
            key=lambda values: tuple(values[columns.index(k)] for k in keys),
        )
        if rows:
            content = {"columns": columns, "rows": rows}
            text = json.dumps(content, sort_keys=True, ensure_ascii=False)
            digests[table.name] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def demo_digest(tables: dict[str, str]) -> str:
    """One SHA-256 over the per-table digests."""
    return hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()


def snapshot() -> list[tuple]:
    """Everything that must come out the same on every run."""
    items = db.session.execute(
        sa.select(
            IntelligenceItem.id,
            IntelligenceItem.title,
            IntelligenceItem.body,
            IntelligenceItem.observed_on,
            IntelligenceItem.logged_at,
            IntelligenceItem.marking,
            IntelligenceItem.likelihood,
            IntelligenceItem.impact,
            IntelligenceItem.provider_id,
        ).order_by(IntelligenceItem.id)
    ).all()
    providers = db.session.execute(
        sa.select(
            Provider.id,
            Provider.name,
            Provider.postcode,
            Provider.cqc_location_id,
            Provider.latitude,
        ).order_by(Provider.id)
    ).all()
    users = db.session.execute(sa.select(User.id, User.email, User.role).order_by(User.id)).all()
    return [*map(tuple, items), *map(tuple, providers), *map(tuple, users)]


@pytest.fixture(scope="module")
def loaded(shared_app: tuple[Flask, CleanSlate]) -> Iterator[tuple[bool, CleanSlate]]:
    """The demo loaded once per backend on an empty database (whether that load created
    anything), and the slate each test of this module starts from: the loaded demo."""
    application, slate = shared_app
    with application.app_context(), slate.prepared(db, lambda: load_demo(TODAY).created) as ready:
        yield ready


@pytest.fixture
def app(
    shared_app: tuple[Flask, CleanSlate],
    loaded: tuple[bool, CleanSlate],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Flask]:
    """The shared app on the loaded demo (each test's changes undone)."""
    with app_on(shared_app[0], loaded[1], tmp_path, request) as ready:
        yield ready


def test_the_demo_data_is_realistic_idempotent_and_repeatable(
    app: Flask, loaded: tuple[bool, CleanSlate]
) -> None:
    created, _slate = loaded
    assert created

    agencies = db.session.scalars(sa.select(Agency)).all()
    assert len(agencies) >= 6
    assert {a.kind for a in agencies} >= {
        AgencyKind.COUNCIL,
        AgencyKind.CQC,
        AgencyKind.NHS,
        AgencyKind.POLICE,
        AgencyKind.HEALTHWATCH,
    }
    users = db.session.scalars(sa.select(User)).all()
    assert len(users) >= 12
    assert {u.role for u in users} == set(Role)
    assert all(u.password_hash for u in users)

    providers = db.session.scalars(sa.select(Provider)).all()
    assert len(providers) >= 150
    assert {parse_postcode(p.postcode).area for p in providers} <= AREAS
    assert any(parse_postcode(p.postcode).area == "HA" for p in providers)
    assert all(p.cqc_location_id.startswith("1-") for p in providers)

    items = db.session.scalars(sa.select(IntelligenceItem)).all()
    assert len(items) >= 600
    assert {i.marking for i in items} == set(Marking)
    months = {(i.observed_on.year, i.observed_on.month) for i in items}
    assert len(months) >= 14
    assert len({i.body for i in items}) > 0.8 * len(items)

    assert count(Meeting) >= 3
    assert count(Action) >= 3
    past = db.session.scalars(sa.select(Meeting).where(Meeting.held_on < TODAY)).all()
    assert all(m.packs and m.attendees and m.discussions for m in past)
    assert sum(m.minutes_sha256 is not None for m in past) == 2
    concerns = db.session.scalars(sa.select(ProviderConcern)).all()
    assert any(c.status == "open" and c.current_stage for c in concerns)
    embargoes = db.session.scalars(sa.select(Embargo)).all()
    assert any(e.is_active(TODAY) for e in embargoes)
    # A concern in progress, started from a meeting's decision, its first stage at that meeting;
    # a closed one with its outcome, whose embargo was lifted and the boroughs told of both.
    in_progress = next(c for c in concerns if c.status == "open")
    assert in_progress.decision is not None and len(in_progress.stages) == 3
    assert in_progress.stages[0].meeting_id == in_progress.decision.meeting_id
    closed = next(c for c in concerns if c.status == "closed")
    assert closed.outcome and closed.current_stage.stage == "closure"
    lifted = next(e for e in embargoes if e.lifted_on)
    assert not lifted.is_active(TODAY) and lifted.lift_reason
    assert {n.about_lifting for n in lifted.notices} == {True, False}
    assert all(n.recorded_by_id for e in embargoes for n in e.notices)
    assert_council_monitoring()

    before = snapshot()
    again = load_demo(TODAY)
    assert not again.created
    assert snapshot() == before
    assert len(again.sign_ins) == len(users)

    empty_all_tables(db.session.connection(), db.metadata)
    db.session.commit()
    db.session.expunge_all()
    load_demo(TODAY)
    assert snapshot() == before


def assert_council_monitoring() -> None:
    """Council visits with findings; a year of ECM for every home-care provider; one bad run."""
    visits = db.session.scalars(sa.select(ContractVisit)).all()
    assert len(visits) >= 16
    findings = [f for v in visits for f in v.findings]
    assert {f.result for f in findings} == set(FindingResult)
    assert all(f.item_id for f in findings if f.result is FindingResult.NOT_MET)
    home_care = db.session.scalars(
        sa.select(Provider).where(Provider.registered_for("domiciliary"))
    ).all()
    logged = set(db.session.scalars(sa.select(CareVisit.provider_id).distinct()))
    assert {p.id for p in home_care} <= logged
    chair = db.session.scalar(sa.select(User).where(User.role == Role.CHAIR))
    runs = []
    for provider_id in sorted(logged):
        months = care_monitoring(chair, provider_id, TODAY)
        # The twelve months before this one were imported on its first day.
        assert [m.visits > 0 for m in months] == [True] * 11 + [False]
        over = [m.missed * 100 > m.visits * 5 for m in months]
        runs.append((provider_id, over))
    troubled = [pid for pid, over in runs if any(over)]
    assert len(troubled) == 1  # one clear run of missed visits, in the last four months
    assert dict(runs)[troubled[0]][-5:-1] == [True] * 4
    alerts = db.session.scalars(sa.select(CareMonitoringAlert)).all()
    assert len(alerts) == 4 and {a.provider_id for a in alerts} == set(troubled)


def test_the_demo_gives_each_action_once_and_the_chairs_reasons_in_their_own_words(
    app: Flask,
) -> None:
    # Never twice to one owner about one provider: not in one meeting, nor again at a later one
    # (an open action carries over to the next pack; it is not agreed anew each month).
    given = db.session.execute(
        sa.select(Action.description, Action.provider_id, Action.owner_agency_id)
    ).all()
    assert len(given) >= 3 and len(given) == len(set(given))
    # The agenda puts "Added by the chair: " before the chair's reason: the demo's reasons are
    # the chair's own words, never a second "Added by the chair: ".
    reasons = db.session.scalars(sa.select(MeetingProvider.reason).where(MeetingProvider.added))
    assert all(not r.strip().lower().startswith("added by") for r in reasons)
    issued = [e["reason"] for p in db.session.scalars(sa.select(MeetingPack)) for e in p.agenda]
    chair = db.session.scalar(
        sa.select(User).where(User.email == "priya.shah@merton.gov.uk", User.role == Role.CHAIR)
    )
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(chair.id), True
    with fixed_today(TODAY):
        pages = [
            client.get(f"/meetings/{m}").get_data(as_text=True)
            for m in db.session.scalars(sa.select(Meeting.id).order_by(Meeting.held_on))
        ]
    assert "Added by the chair: A new registered manager has started" in pages[-1]
    for said in [*issued, *pages]:
        assert "Added by the chair: Added by the chair" not in said


def test_the_demos_meetings_never_agree_one_action_twice_whatever_the_draws() -> None:
    # The loaded demo is one draw; these are many, about two providers so that they collide.
    text = demo_text()
    held = [date(2026, 9, 24), date(2026, 10, 29), date(2026, 11, 26)]
    for seed in range(100):
        demo = Demo(date(2026, 12, 1), text, rng=random.Random(seed))
        demo.agencies = {a.code: Agency(code=a.code, name=a.name) for a in text.people.agencies}
        demo.chairs = {"MERTON": User(id=1, name="Priya Shah")}
        demo.providers = [Provider(id=1, name="Cedar Lodge"), Provider(id=2, name="Birch House")]
        demo.plans = [Plan("south", "home", "residential"), Plan("north", "home", "nursing")]
        for number, day in enumerate(held):
            meeting = Meeting(held_on=day)
            _decisions_and_actions(demo, meeting, number, demo.providers)
            demo.held_meetings.append(meeting)
        given = [
            (a.description, a.provider.id, a.owner_agency.code)
            for m in demo.held_meetings
            for a in m.actions
        ]
        assert len(given) == len(set(given)), f"seed {seed}"


def test_the_demo_data_set_is_exactly_the_recorded_one(app: Flask) -> None:
    tables = table_digests()
    assert demo_digest(tables) == DEMO_DIGEST, f"now {demo_digest(tables)}, per table: {tables}"


def test_the_demo_meetings_have_a_focused_agenda_with_each_reason_said_once(app: Flask) -> None:
    from portal.meetings.services import current_agenda

    for meeting in db.session.scalars(sa.select(Meeting).order_by(Meeting.held_on)):
        plan = current_agenda(meeting, TODAY)
        assert 1 <= len(plan.entries) <= 15, meeting.title
        assert plan.noting, meeting.title
        reasons = [e.reason for e in plan.entries] + [
            str(e.get("reason", "")) for pack in meeting.packs for e in pack.agenda
        ]
        assert not any(r.count("Added by the chair") > 1 for r in reasons), meeting.title
        assert all(len(pack.agenda) <= 15 for pack in meeting.packs), meeting.title


#: A person named the way the demo's notes name them: a title and an initial ("Mrs K").
NAMED_PERSON = re.compile(r"\b(?:Mrs|Mr|Ms|Miss|Dr)\.? [A-Z]\b")
#: Bodies that share at least half their runs of six words are "almost word for word".
NEAR_DUPLICATE = 0.5
#: The most items a text may be repeated in almost word for word (34 before issue 34).
MOST_REPEATS = 13


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z']+", text.lower())
    return {tuple(words[i : i + 6]) for i in range(len(words) - 5)}


def near_duplicate_groups(bodies: list[str]) -> list[int]:
    """The sizes of the groups of bodies linked by being almost word for word the same."""
    shingles = [_shingles(b) for b in bodies]
    holders: dict[tuple[str, ...], list[int]] = {}
    for index, held in enumerate(shingles):
        for shingle in held:
            holders.setdefault(shingle, []).append(index)
    shared: Counter[tuple[int, int]] = Counter()
    for indexes in holders.values():
        for position, first in enumerate(indexes):
            for second in indexes[position + 1 :]:
                shared[first, second] += 1
    parent = list(range(len(bodies)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for (a, b), common in shared.items():
        if common >= NEAR_DUPLICATE * (len(shingles[a]) + len(shingles[b]) - common):
            parent[root(a)] = root(b)
    return sorted(Counter(root(i) for i in range(len(bodies))).values(), reverse=True)


def test_demo_items_vary_as_different_agencies_notes_do(app: Flask) -> None:
    bodies = list(db.session.scalars(sa.select(IntelligenceItem.body)))
    groups = near_duplicate_groups(bodies)
    assert groups[0] <= MOST_REPEATS, groups[:5]
    # Each kind of agency writes in its own way: no body opens as another agency's do.
    openings: dict[str, set[AgencyKind]] = {}
    for body, kind in db.session.execute(
        sa.select(IntelligenceItem.body, Agency.kind).join(
            Agency, IntelligenceItem.source_agency_id == Agency.id
        )
    ):
        openings.setdefault(" ".join(body.split()[:5]), set()).add(AgencyKind(kind))
    assert all(len(kinds) == 1 for kinds in openings.values())


def test_no_demo_item_that_names_a_person_is_marked_below_amber(app: Flask) -> None:
    people = set(db.session.scalars(sa.select(User.name))) | {
        name for name in db.session.scalars(sa.select(Provider.registered_manager)) if name
    }
    named = 0
    for item in db.session.scalars(sa.select(IntelligenceItem)):
        for revision in item.revisions:  # every version anyone could read, not only the last
            text = f"{revision.content['title']} {revision.content['body']}"
            if NAMED_PERSON.search(text) or any(person in text for person in people):
                named += 1
                assert revision.content["marking"] in ("AMBER", "AMBER+STRICT", "RED"), (
                    item.id,
                    revision.number,
                )
    assert named > 100  # the check met the items it is about


def test_serious_allegations_stay_serious_and_revisions_say_what_changed(app: Flask) -> None:
    allegations = db.session.scalars(
        sa.select(IntelligenceItem).where(IntelligenceItem.title.contains("exual"))
    ).all()
    assert len(allegations) >= 5
    for item in allegations:
        for revision in item.revisions:
            content = revision.content
            assert content["impact"] == 5 and content["likelihood"] * content["impact"] >= 15
    revised = db.session.scalars(
        sa.select(IntelligenceItem).where(IntelligenceItem.revision_count > 1)
    ).all()
    assert len(revised) >= 30
    for item in revised:
        for before, after in zip(item.revisions, item.revisions[1:], strict=False):
            assert after.reason  # every later revision gives its reason
            lowered = after.content["likelihood"] * after.content["impact"] < (
                before.content["likelihood"] * before.content["impact"]
            )
            if lowered:  # a lower score says what was found, in the item itself
                assert after.content["body"].startswith(before.content["body"])
                assert "Update " in after.content["body"][len(before.content["body"]) :]
    reasons = {r.reason for i in allegations for r in i.revisions[1:]}
    assert not any("less serious" in reason for reason in reasons)


def test_every_data_file_ships_with_the_package() -> None:
    root = Path(__file__).parents[1]
    with (root / "pyproject.toml").open("rb") as handle:
        patterns = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["portal"]
    package = root / "portal"
    files = {p for p in (package / "data").rglob("*") if p.is_file()}
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    assert any(p.suffix == ".toml" for p in files)
    assert files - shipped == set()


def test_portal_demo_migrates_loads_and_prints_the_sign_ins_twice_over(tmp_path):
    import os
    import subprocess
    import sys

    portal = os.path.join(os.path.dirname(sys.executable), "portal")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env |= {
        "PORTAL_INSTANCE_PATH": str(tmp_path),
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path}/demo.db",
    }
    first = subprocess.run([portal, "demo"], env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "priya.shah@merton.gov.uk" in first.stdout
    assert "demo-password-2026" in first.stdout
    secret = re.search(r"the TOTP secret ([A-Z2-7]{32})", first.stdout)
    assert secret, first.stdout
    second = subprocess.run([portal, "demo"], env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "already loaded" in second.stdout
    assert "priya.shah@merton.gov.uk" in second.stdout
    assert f"the TOTP secret {secret.group(1)}" in second.stdout

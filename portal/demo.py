"""A realistic, deterministic demo data set: `portal demo` loads it (see `load_demo`).

Made-up people and providers in real places (south-west London and Harrow). Every random
choice comes from one seeded generator and every date is an offset from the first day of the
current month, so runs in the same month give identical rows and the demo never looks stale.
Its text (names, places, item templates, meeting notes) is read from portal/data/demo/*.toml
by `portal.demo_data`.
"""

from __future__ import annotations

import calendar
import csv
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal.auth.services import create_agency, create_user
from portal.config import labels
from portal.demo_data import DemoText, demo_text
from portal.demo_monitoring import MonitoringBuilder
from portal.extensions import db
from portal.models import (
    Action,
    ActionStatus,
    Agency,
    CareVisit,
    ConcernStage,
    ConcernStatus,
    ContractVisit,
    Decision,
    Discussion,
    Embargo,
    EmbargoNotice,
    IntelligenceItem,
    IntelligenceRevision,
    ItemRecipient,
    ItemStatus,
    ItemTheme,
    Meeting,
    MeetingAttendee,
    MeetingProvider,
    MeetingStatus,
    Provider,
    ProviderConcern,
    ProviderConcernStage,
    ProviderRating,
    ProviderServiceType,
    Rating,
    RatingDomain,
    Role,
    User,
)
from portal.risk_bands import band_for

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (a published demo password)
SEED = 20260101
MARKER_AGENCY = "MERTON"
N_ITEMS = 660

#: Who writes about providers on each side: agency code -> weight.
WRITERS = {
    "south": {"MERTON": 40, "CQC": 16, "SWLICB": 20, "MPS": 12, "HWMERTON": 14},
    "north": {"HARROW": 42, "CQC": 18, "NWLICB": 18, "MPS": 14, "MERTON": 3},
}
#: Marking weights per agency kind: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.
MARKING_WEIGHTS = {
    "council": (12, 39, 36, 8, 5),
    "cqc": (10, 37, 39, 9, 5),
    "nhs": (5, 29, 36, 17, 13),
    "police": (2, 14, 34, 30, 20),
    "healthwatch": (35, 45, 18, 2, 0),
}
MARKINGS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
SOURCE_WEIGHTS = {
    "council": (80, 18, 2),
    "cqc": (78, 20, 2),
    "nhs": (85, 13, 2),
    "police": (55, 35, 10),
    "healthwatch": (25, 70, 5),
}
CONDITION_SHARE = {"council": 0.1, "cqc": 0.14, "nhs": 0.15, "police": 0.35, "healthwatch": 0.08}
SEVERITY_WEIGHTS = {"other": (4, 5, 3, 1), "concern": (1, 3, 4, 3), "hot": (0.3, 1.5, 4, 5)}
FOCUS = {
    "open": {"pressure-care", "falls", "medication", "staffing", "nutrition"},
    "closed": {"missed-visits", "medication", "staffing"},
}
DOMAINS = (
    RatingDomain.SAFE,
    RatingDomain.EFFECTIVE,
    RatingDomain.CARING,
    RatingDomain.RESPONSIVE,
    RatingDomain.WELL_LED,
)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass
class DemoReport:
    """What load_demo did, and the accounts to sign in with."""

    created: bool
    agencies: int = 0
    users: int = 0
    providers: int = 0
    items: int = 0
    meetings: int = 0
    contract_visits: int = 0
    care_visits: int = 0
    sign_ins: list[User] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the command line."""
        counts = (
            f"{self.agencies} agencies, {self.users} users, {self.providers} providers, "
            f"{self.items} intelligence items, {self.meetings} meetings, "
            f"{self.contract_visits} contract monitoring visits, "
            f"{self.care_visits} electronic care monitoring visits."
        )
        if self.created:
            return f"Loaded demo data: {counts}"
        return f"Demo data already loaded (nothing changed). The database holds {counts}"


def name_key(name: str) -> str:
    """Lower case, apostrophes dropped, other punctuation to spaces, whitespace collapsed."""
    text = re.sub(r"['’‘`]", "", name.lower())
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def _organisation_stem(name: str, dropped: frozenset[str]) -> str:
    """The part of a location's name an organisation would be named after."""
    words = re.sub(r"\(.*?\)|–.*$", "", name).split()
    while len(words) > 1 and words[-1] in dropped:
        words.pop()
    return " ".join(words)


def _months_before(anchor: date, months: int) -> date:
    index = anchor.year * 12 + anchor.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _meeting_day(first: date) -> date:
    """The group meets on the last Thursday of the month, earlier in December."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    day = last - timedelta(days=(last.weekday() - 3) % 7)
    while day.month == 12 and day.day >= 22:
        day -= timedelta(days=7)
    return day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _fmt(day: date) -> str:
    return f"{day.day} {day:%B}"


def _centroids(districts: Iterable[str]) -> dict[str, tuple[float, float]]:
    wanted, path = set(districts), Path(__file__).parent / "data" / "postcode-districts.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            r["district"]: (float(r["latitude"]), float(r["longitude"]))
            for r in csv.DictReader(handle)
            if r["district"] in wanted and r["latitude"]
        }


def _sign_ins() -> list[User]:
    emails = [a.email for a in demo_text().people.accounts]
    users = db.session.scalars(sa.select(User).where(User.email.in_(emails))).all()
    return sorted(users, key=lambda u: (str(u.role), u.email))


def _request_context() -> Any:
    """A request context for rendering documents (their links), unless one is there already."""
    from contextlib import nullcontext

    from flask import current_app, has_request_context

    return nullcontext() if has_request_context() else current_app.test_request_context("/")


def _count(model: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def load_demo(today: date | None = None) -> DemoReport:
    """Load the demo data set into the database and commit; do nothing if it is there."""
    if db.session.scalar(sa.select(Agency.id).where(Agency.code == MARKER_AGENCY)) is not None:
        return DemoReport(
            created=False,
            agencies=_count(Agency),
            users=_count(User),
            providers=_count(Provider),
            items=_count(IntelligenceItem),
            meetings=_count(Meeting),
            contract_visits=_count(ContractVisit),
            care_visits=_count(CareVisit),
            sign_ins=_sign_ins(),
        )
    builder = _Builder((today or date.today()).replace(day=1), demo_text())
    report = builder.build()
    db.session.commit()
    report.sign_ins = _sign_ins()
    return report


class _Builder:
    """Builds the data set in a fixed order from one random generator."""

    def __init__(self, anchor: date, text: DemoText) -> None:
        self.rng = random.Random(SEED)
        self.text = text
        self.anchor = anchor
        self.last_day = anchor - timedelta(days=1)
        self.agencies: dict[str, Agency] = {}
        self.users: dict[str, User] = {}
        self.providers: list[Provider] = []
        self.ctx: dict[int, dict[str, Any]] = {}  # per provider index: side, setting, profile
        self.items: list[IntelligenceItem] = []

    def build(self) -> DemoReport:
        self._accounts()
        self._providers()
        self._items()
        meetings = self._meetings()
        self._concerns()
        db.session.flush()
        monitoring = MonitoringBuilder(self.anchor, self.providers, self.ctx, self.writers).build()
        self._packs_and_minutes()
        return DemoReport(
            True,
            len(self.agencies),
            len(self.users),
            len(self.providers),
            len(self.items) + monitoring.items,
            meetings,
            contract_visits=monitoring.contract_visits,
            care_visits=monitoring.care_visits,
        )

    # --- agencies and users ------------------------------------------------------------------

    def _accounts(self) -> None:
        start = self.anchor - timedelta(days=460)
        for listed in self.text.people.agencies:
            agency = db.session.scalar(sa.select(Agency).where(Agency.code == listed.code))
            if agency is None:
                agency = create_agency(listed.code, listed.name, listed.kind, via="demo")
                agency.created_at = _at(start, 9)
            self.agencies[listed.code] = agency
        for number, account in enumerate(self.text.people.accounts):
            user = db.session.scalar(sa.select(User).where(User.email == account.email))
            if user is None:
                user = create_user(
                    account.email,
                    account.name,
                    account.agency,
                    account.role,
                    DEMO_PASSWORD,
                    via="demo",
                )
                user.created_at = _at(start, 10, number)
            self.users[account.email] = user
        self.writers = {
            c: [
                u
                for u in self.users.values()
                if u.agency.code == c and u.role in (Role.MEMBER, Role.CHAIR)
            ]
            for c in self.agencies
        }
        self.chairs = {u.agency.code: u for u in self.users.values() if u.role == Role.CHAIR}
        self.readers = [u for u in self.users.values() if u.role in (Role.MEMBER, Role.CHAIR)]

    # --- providers ----------------------------------------------------------------------------

    def _providers(self) -> None:
        rng, places, names = self.rng, self.text.places, self.text.providers
        centroids = _centroids(places.districts)
        plan = (
            ["care-home"] * 48
            + ["care-home-nursing"] * 32
            + ["domiciliary"] * 50
            + ["supported-living"] * 21
            + ["extra-care"] * 7
            + ["shared-lives"] * 7
        )
        rng.shuffle(plan)
        districts = list(places.districts)
        weights = [places.districts[d].weight for d in districts]
        used_names: set[str] = set()
        used_ids: set[str] = set()
        created = _at(self.anchor - timedelta(days=480), 8)
        for primary in plan:
            district = rng.choices(districts, weights)[0]
            where = places.districts[district]
            las, town = where.local_authorities, where.post_town
            la = rng.choices(list(las), list(las.values()))[0]
            locality, road = rng.choice(where.localities), rng.choice(where.roads)
            num = rng.randint(1, 240)
            while True:
                pattern = rng.choice(names.name_patterns[primary])
                name = pattern.format(
                    stem=rng.choice(names.stems),
                    saint=rng.choice(names.saints),
                    kind=rng.choice(names.kind_words),
                    place=locality,
                    num=num,
                    road=road,
                )
                if name_key(name) not in used_names:
                    used_names.add(name_key(name))
                    break
            types = [primary]
            if primary == "domiciliary" and rng.random() < 0.2:
                types.append("supported-living")
            elif primary in ("supported-living", "extra-care") and rng.random() < 0.4:
                types.append("domiciliary")
            care_home = primary.startswith("care-home")
            beds = rng.randint(24, 96) if primary == "care-home-nursing" else rng.randint(6, 62)
            place = f"{locality}, {town}" if town not in (locality, "London") else locality
            lat, lon = centroids[district]
            coords = rng.random() >= 0.05
            stem = _organisation_stem(name, names.organisation_words)
            provider = Provider(
                cqc_location_id=self._cqc_id(used_ids, rng.choice((9, 10, 10, 11))),
                name=name,
                name_key=name_key(name),
                provider_name=name
                if name.endswith(("Ltd", "Ltd."))
                else (stem if stem[0].isalpha() else rng.choice(names.stems))
                + " "
                + rng.choice(names.organisation_suffixes),
                address=f"{num} {road}, {place}" + (", London" if town == "London" else ""),
                postcode=f"{district} {rng.randint(0, 9)}{rng.choice(POSTCODE_LETTERS)}"
                f"{rng.choice(POSTCODE_LETTERS)}",
                postcode_district=district,
                local_authority=la,
                region="London",
                latitude=round(lat + rng.uniform(-0.01, 0.01), 6) if coords else None,
                longitude=round(lon + rng.uniform(-0.01, 0.01), 6) if coords else None,
                care_home=care_home,
                beds=beds if care_home else None,
                registered_manager=(
                    f"{rng.choice(self.text.people.first_names)} "
                    f"{rng.choice(self.text.people.surnames)}"
                    if rng.random() > 0.08
                    else None
                ),
                phone=f"020 8{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                website=(
                    f"https://www.{name_key(stem).replace(' ', '')}.co.uk"
                    if rng.random() < 0.4
                    else None
                ),
                created_at=created,
                updated_at=created,
                service_types=[ProviderServiceType(service_type=t) for t in types],
            )
            setting = (
                "home" if care_home else "dom" if primary in ("domiciliary", "extra-care") else "sl"
            )
            self.ctx[len(self.providers)] = {
                "side": where.side,
                "setting": setting,
                "profile": "other",
                "primary": primary,
            }
            self.providers.append(provider)
        self._groups(used_ids)
        self._classify()
        for index, provider in enumerate(self.providers):
            self._rate(index, provider)
        db.session.add_all(self.providers)
        db.session.flush()

    def _cqc_id(self, used: set[str], digits: int) -> str:
        while True:
            value = f"1-{self.rng.randint(10 ** (digits - 1), 10**digits - 1)}"
            if value not in used:
                used.add(value)
                return value

    def _groups(self, used_ids: set[str]) -> None:
        rng, grouped = self.rng, set()
        for group in self.text.providers.groups:
            members = [
                i for i, c in self.ctx.items() if c["setting"] == group.setting and i not in grouped
            ]
            org_id = self._cqc_id(used_ids, 9)
            for index in rng.sample(members, rng.randint(2, 4)):
                grouped.add(index)
                self.providers[index].provider_name = group.name
                self.providers[index].cqc_provider_id = org_id
        for index, provider in enumerate(self.providers):
            if index not in grouped:
                provider.cqc_provider_id = self._cqc_id(used_ids, 9)

    def _classify(self) -> None:
        rng, order = self.rng, list(range(len(self.providers)))
        rng.shuffle(order)

        def first(primary: str, la: str) -> int:
            return next(
                i
                for i in order
                if self.ctx[i]["primary"] == primary and self.providers[i].local_authority == la
            )

        self.open_index = first("care-home-nursing", "Merton")
        self.closed_index = first("domiciliary", "Harrow")
        self.ctx[self.open_index]["profile"] = "open"
        self.ctx[self.closed_index]["profile"] = "closed"
        rest = [i for i in order if i not in (self.open_index, self.closed_index)]
        for position, index in enumerate(rest[:38]):
            self.ctx[index]["profile"] = "hot" if position < 4 else "concern"
        self.unrated = set(rest[38:44])

    def _rate(self, index: int, provider: Provider) -> None:
        rng, profile = self.rng, self.ctx[index]["profile"]
        if index in self.unrated:
            provider.created_at = provider.updated_at = _at(
                self.anchor - timedelta(days=rng.randint(30, 150)), 8
            )
            return
        kind = rng.choices(
            ("outstanding", "good", "ri", "bad"),
            {
                "other": (5, 75, 17, 3),
                "concern": (0, 35, 45, 20),
                "hot": (0, 0, 50, 50),
                "open": (0, 0, 0, 1),
                "closed": (0, 1, 0, 0),
            }[profile],
        )[0]
        values = dict.fromkeys(DOMAINS, Rating.GOOD)
        if kind == "outstanding":
            for d in rng.sample(
                (RatingDomain.CARING, RatingDomain.RESPONSIVE, RatingDomain.WELL_LED),
                rng.randint(2, 3),
            ):
                values[d] = Rating.OUTSTANDING
        elif kind == "good" and rng.random() < 0.3:
            values[rng.choice(DOMAINS)] = Rating.REQUIRES_IMPROVEMENT
        elif kind == "ri":
            for d in rng.sample(
                (DOMAINS[0], DOMAINS[1], DOMAINS[3], DOMAINS[4]), rng.randint(2, 4)
            ):
                values[d] = Rating.REQUIRES_IMPROVEMENT
        elif kind == "bad":
            values.update(
                {d: rng.choice((Rating.REQUIRES_IMPROVEMENT, Rating.GOOD)) for d in DOMAINS}
            )
            values[RatingDomain.SAFE] = Rating.INADEQUATE
            values[RatingDomain.WELL_LED] = rng.choice(
                (Rating.INADEQUATE, Rating.REQUIRES_IMPROVEMENT)
            )
            if profile == "open":  # rated Inadequate since the last meeting
                values[RatingDomain.WELL_LED] = Rating.INADEQUATE
        counts = {r: list(values.values()).count(r) for r in Rating}
        if counts[Rating.INADEQUATE] >= 2:
            overall = Rating.INADEQUATE
        elif counts[Rating.INADEQUATE] or counts[Rating.REQUIRES_IMPROVEMENT] >= 2:
            overall = Rating.REQUIRES_IMPROVEMENT
        elif counts[Rating.OUTSTANDING] >= 2 and not counts[Rating.REQUIRES_IMPROVEMENT]:
            overall = Rating.OUTSTANDING
        else:
            overall = Rating.GOOD
        days = {"open": 1, "closed": 95}.get(profile) or rng.randint(20, 1090)
        published = self.anchor - timedelta(days=days)
        provider.ratings = [
            ProviderRating(domain=RatingDomain.OVERALL, rating=overall, published_on=published)
        ] + [ProviderRating(domain=d, rating=values[d], published_on=published) for d in DOMAINS]

    # --- intelligence -------------------------------------------------------------------------

    def _items(self) -> None:
        rng = self.rng
        counts = dict.fromkeys(range(len(self.providers)), 0)
        for index, c in self.ctx.items():
            counts[index] = {
                "open": 46,
                "closed": 30,
                "hot": rng.randint(18, 26),
                "concern": rng.randint(5, 13),
            }.get(c["profile"], 0)
        others = [
            i for i, c in self.ctx.items() if c["profile"] == "other" and i not in self.unrated
        ]
        for _ in range(N_ITEMS - sum(counts.values())):
            counts[rng.choice(others)] += 1
        span = (self.anchor - _months_before(self.anchor, 14)).days
        specs = []
        for index in range(len(self.providers)):
            for _ in range(counts[index]):
                specs.append(self._spec(index, span))
        specs.sort(key=lambda s: s["logged_at"])
        for spec in specs:
            self.items.append(self._item(spec))
        db.session.add_all(self.items)
        db.session.flush()

    def _observed(self, profile: str, span: int) -> date:
        """Concerns cluster in recent months; the closed concern's items around its process."""
        rng, r = self.rng, self.rng.random()
        if profile == "open" and rng.random() < 0.85:
            back = 1 + int(150 * r**0.9)
        elif profile == "closed" and rng.random() < 0.7:
            back = 230 + int(170 * r)
        elif profile in ("concern", "hot"):
            back = 1 + int((span - 1) * r ** (1.3 if profile == "concern" else 2))
        else:
            back = 1 + int((span - 1) * r)
        return self.anchor - timedelta(days=back)

    def _spec(self, index: int, span: int) -> dict[str, Any]:
        rng, ctx, provider = self.rng, self.ctx[index], self.providers[index]
        writers = dict(WRITERS[ctx["side"]])
        if provider.local_authority != "Merton":
            writers.pop("HWMERTON", None)
        code = rng.choices(list(writers), list(writers.values()))[0]
        kind = str(self.agencies[code].kind)
        voice, profile = self.text.voices[kind], ctx["profile"]
        sev_w = SEVERITY_WEIGHTS["hot" if profile in ("hot", "open", "closed") else profile]
        focus = FOCUS.get(profile, set())
        options = [t for t in voice.templates if ctx["setting"] in t.settings]
        template = rng.choices(
            options, [sev_w[t.severity] * (3 if focus & set(t.themes) else 1) for t in options]
        )[0]
        observed = self._observed(profile, span)
        delay = min(
            rng.choices(range(11), (25, 20, 15, 10, 8, 6, 5, 4, 3, 2, 2))[0],
            (self.last_day - observed).days,
        )
        logged = observed + timedelta(days=delay)
        if logged.weekday() >= 5:  # logged on a working day: the next Monday, else the Friday
            monday = logged + timedelta(days=7 - logged.weekday())
            friday = logged - timedelta(days=logged.weekday() - 4)
            late_ok = monday <= self.last_day and (monday - observed).days <= 10
            early = friday >= observed and (not late_ok or rng.random() < 0.5)
            logged = friday if early else monday if late_ok else logged
        author = rng.choice(self.writers[code])
        slots = self._slots(ctx, provider, observed, code)
        slots["closer"] = rng.choice((voice.closers or ("",)) + ("",)).format_map(slots)
        title = rng.choice(template.titles).format_map(slots)
        sev = template.severity
        boost = {"concern": 0.25, "hot": 0.4, "open": 0.5, "closed": 0.4}.get(profile, 0)
        likelihood = rng.choice(((1, 2), (2, 2, 3, 3, 4), (2, 3, 3, 4, 4), (3, 3, 4, 4, 5))[sev])
        impact = rng.choice(((1, 2), (1, 2, 2, 3), (2, 2, 3, 3, 4), (3, 4, 4, 4, 5))[sev])
        likelihood = min(5, likelihood + (rng.random() < boost))
        marking_w = {"sensitive": (0, 0, 20, 45, 35), "public": (55, 45, 0, 0, 0)}.get(
            template.sharing, MARKING_WEIGHTS[kind]
        )
        marking = rng.choices(MARKINGS, marking_w)[0]
        handling = (
            "C"
            if rng.random()
            < {"sensitive": 0.6, "public": 0}.get(template.sharing, CONDITION_SHARE[kind])
            else "P"
        )
        state = {
            "provider_id": provider.id,
            "observed_on": observed.isoformat(),
            "title": title[0].upper() + title[1:],
            "body": " ".join(template.body.format_map(slots).split()),
            "key_question": template.key_question,
            "themes": sorted(template.themes),
            "likelihood": likelihood,
            "impact": impact,
            "source_evaluation": rng.choices("123", SOURCE_WEIGHTS[kind])[0],
            "intelligence_assessment": rng.choices(
                "ABCDE", (10, 45, 35, 9, 1) if kind == "healthwatch" else (30, 30, 28, 10, 2)
            )[0],
            "handling_code": handling,
            "handling_conditions": rng.choice(voice.conditions) if handling == "C" else "",
            "marking": marking,
            "recipient_ids": [],
            "status": "open",
        }
        if marking == "RED":
            pool = [u for u in self.readers if u.id != author.id]
            state["recipient_ids"] = sorted(u.id for u in rng.sample(pool, rng.randint(1, 3)))
        logged_at = _at(logged, rng.randint(8, 16), rng.randint(0, 59))
        return {
            "index": index,
            "author": author,
            "code": code,
            "logged_at": logged_at,
            "state": state,
            "revisions": self._history(author, code, logged_at, state),
        }

    def _history(
        self, author: User, code: str, logged_at: datetime, state: dict[str, Any]
    ) -> list[tuple[User, datetime, str, dict[str, Any]]]:
        rng, limit, edits = self.rng, _at(self.last_day, 17, 30), self.text.items.edits
        history = [(author, logged_at, "", dict(state))]
        if rng.random() < 0.08:
            edit = rng.choice(edits)
            what, reason, sentence = edit.change, edit.reason, edit.sentence
            when = min(self._later(logged_at, 25), limit)
            new = dict(state)
            if what == "likelihood+" and new["likelihood"] < 5:
                new["likelihood"] += 1
            elif what == "impact-" and new["impact"] > 1:
                new["impact"] -= 1
            elif what == "marking" and new["marking"] in ("AMBER", "AMBER+STRICT"):
                new["marking"] = {"AMBER": "GREEN", "AMBER+STRICT": "AMBER"}[new["marking"]]
            else:  # the change cannot be made: the last edit that only adds text instead
                fallback = [e for e in edits if e.change == "text"][-1]
                reason, sentence = fallback.reason, fallback.sentence
            if sentence:
                new["body"] += " " + sentence.format(
                    upd=_fmt(when.date()), date=_fmt(date.fromisoformat(new["observed_on"]))
                )
            editor = self.chairs[code] if code in self.chairs and rng.random() < 0.3 else author
            if when > logged_at:
                history.append((editor, when, reason, new))
        if rng.random() < 0.03:
            when = min(self._later(history[-1][1], 30), limit)
            if when > history[-1][1]:
                new = dict(history[-1][3], status="withdrawn")
                history.append(
                    (
                        author,
                        when,
                        "Withdrawn: " + rng.choice(self.text.items.withdraw_reasons),
                        new,
                    )
                )
        return history

    def _later(self, moment: datetime, days: int) -> datetime:
        """A moment in working hours one to `days` days after `moment`."""
        day = moment.date() + timedelta(days=self.rng.randint(1, days))
        return _at(day, self.rng.randint(8, 16), self.rng.randint(0, 59))

    def _slots(
        self, ctx: dict[str, Any], provider: Provider, observed: date, code: str
    ) -> dict[str, Any]:
        rng, side, setting = self.rng, ctx["side"], ctx["setting"]
        words, places = self.text.items, self.text.places.sides[side]
        letters = rng.sample("ABCDEFGHJKLMNPRSTW", 4)
        title = rng.choice(("Mrs", "Mr", "Ms", "Mr", "Mrs", "Miss"))
        female = title != "Mr"
        need, n = rng.randint(6, 9), rng.randint(2, 6)
        n_las = rng.randint(11, 24)
        total = rng.randint(8, 14)
        month = lambda back: _months_before(observed.replace(day=1), back).strftime("%B")  # noqa: E731
        return {
            **words.setting_words[setting],
            "res": f"{title} {letters[0]}",
            "res2": f"{rng.choice(('Mrs', 'Mr', 'Ms'))} {letters[1]}",
            "res_f": f"Mrs {letters[2]}",
            "res_m": f"Mr {letters[3]}",
            "them": "her" if female else "him",
            "their": "her" if female else "his",
            "age": rng.randint(71, 98),
            "room": rng.randint(1, 48),
            "n": n,
            "N": ("Two", "Three", "Four", "Five", "Six")[n - 2],
            "n2": rng.randint(2, 7),
            "n3": rng.randint(8, 14),
            "date": _fmt(observed),
            "day": f"{observed:%A}",
            "date2": _fmt(observed - timedelta(days=rng.randint(10, 60))),
            "deadline": _fmt(observed + timedelta(days=rng.choice((14, 21, 28)))),
            "month": month(1),
            "month2": month(rng.randint(2, 5)),
            "month_next": month(-1),
            "year": observed.year - rng.randint(1, 2),
            "time": f"{rng.choice((1, 2, 3, 4, 5, 6, 7, 13, 15, 19, 21, 22, 23)):02d}:{rng.randint(0, 59):02d}",
            "time_late": f"{rng.choice((10, 11))}:{rng.randint(10, 55):02d}",
            "floor": rng.choice(words.floors),
            "site": rng.choice(words.sites),
            "staff_role": rng.choice(words.staff_roles[setting]),
            "relative": rng.choice(words.relatives),
            "relative_of": rng.choice(("mother", "father", "aunt", "husband", "wife")),
            "med": (meds := rng.sample(words.medicines, 2))[0],
            "med2": meds[1],
            "hospital": rng.choice(places.hospitals),
            "landmark": rng.choice(places.landmarks),
            "area": (areas := rng.sample(places.areas, 2))[0],
            "area2": areas[1],
            "council": "Merton" if code == "MERTON" else "Harrow",
            "pct": rng.randint(52, 79),
            "pct_late": rng.randint(18, 35),
            "agency_pct": rng.randint(35, 70),
            "n_missed": rng.randint(6, 40),
            "mins": rng.randint(12, 21),
            "mins_dbl": rng.randint(22, 36),
            "mins_short": rng.randint(4, 9),
            "months": rng.randint(2, 5),
            "months_long": rng.randint(5, 14),
            "weeks": rng.randint(3, 9),
            "hours": rng.randint(3, 9),
            "amount": f"{rng.randint(40, 260) * 1000:,}",
            "money": f"{rng.randint(400, 6800):,}",
            "fee": f"{rng.randint(25, 120) * 100:,}",
            "n_packages": rng.randint(12, 60),
            "ml": rng.randint(35, 70) * 10,
            "kg": f"{rng.uniform(3, 8.5):.1f}",
            "kg2": f"{rng.uniform(3, 7):.1f}",
            "done": total - rng.randint(1, 3),
            "total": total,
            "n_falls": rng.randint(9, 22),
            "n_sample": rng.randint(8, 15),
            "shift": rng.choice(words.shifts),
            "need": need,
            "onduty": need - rng.randint(2, 3),
            "ordinal": rng.choice(words.ordinals),
            "waterlow": rng.randint(20, 28),
            "n_cases": rng.randint(6, 19),
            "n_staff": rng.randint(2, 7),
            "infection": rng.choice(words.infections),
            "n_las": n_las,
            "n_las_falls": rng.randint(n_las // 3, n_las // 2 + 2),
            "las_median": rng.randint(3, 6),
            "adm_before": rng.randint(9, 16),
            "adm_after": rng.randint(2, 6),
            "crime": f"{rng.randint(5200000, 5999999)}/{observed.year % 100:02d}",
        }

    def _item(self, spec: dict[str, Any]) -> IntelligenceItem:
        final, history = spec["revisions"][-1][3], spec["revisions"]
        item = IntelligenceItem(
            provider=self.providers[spec["index"]],
            source_agency=self.agencies[spec["code"]],
            author=spec["author"],
            observed_on=date.fromisoformat(final["observed_on"]),
            logged_at=spec["logged_at"],
            updated_at=history[-1][1],
            title=final["title"],
            body=final["body"],
            key_question=final["key_question"],
            likelihood=final["likelihood"],
            impact=final["impact"],
            source_evaluation=final["source_evaluation"],
            intelligence_assessment=final["intelligence_assessment"],
            handling_code=final["handling_code"],
            handling_conditions=final["handling_conditions"],
            marking=final["marking"],
            status=ItemStatus(final["status"]),
            revision_count=len(history),
            themes=[ItemTheme(theme=t) for t in final["themes"]],
            recipients=[ItemRecipient(user_id=u) for u in final["recipient_ids"]],
        )
        if final["status"] == "withdrawn":
            editor, when, reason, _ = history[-1]
            item.withdrawn_at, item.withdrawn_by_id = when, editor.id
            item.withdrawn_reason = reason.removeprefix("Withdrawn: ")
        item.revisions = [
            IntelligenceRevision(
                number=n, edited_by=who, edited_at=when, reason=reason, content=state
            )
            for n, (who, when, reason, state) in enumerate(history, start=1)
        ]
        return item

    # --- meetings -------------------------------------------------------------------------

    def _meetings(self) -> int:
        rng, chair, codes = self.rng, self.chairs["MERTON"], list(self.agencies)
        said_by = {a.code: a.short for a in self.text.people.agencies}
        minutes = self.text.meetings
        theme_labels = labels("themes")
        self.meeting_dates = [_meeting_day(_months_before(self.anchor, k)) for k in (3, 2, 1)]
        open_provider = self.providers[self.open_index]
        watched = [
            p
            for i, p in enumerate(self.providers)
            if self.ctx[i]["profile"] in ("hot", "concern", "closed")
        ]
        story = {
            "initial": _fmt(self.anchor - timedelta(days=43)),
            "embargo": _fmt(self.anchor - timedelta(days=42)),
            "findings": _fmt(self.anchor - timedelta(days=14)),
        }
        meetings, previous = [], self.meeting_dates[0] - timedelta(days=35)
        for number, held in enumerate(self.meeting_dates):
            absent = rng.sample(codes[1:], rng.randint(0, 2))
            meeting = Meeting(
                held_on=held,
                title=f"Joint Intelligence Group – {held:%B %Y}",
                location=rng.choice(minutes.locations),
                chair=chair,
                status=MeetingStatus.HELD,
                created_at=_at(held - timedelta(days=28), 10),
                agencies=[self.agencies[c] for c in codes if c not in absent],
            )
            new: dict[int, list[IntelligenceItem]] = {}
            for item in self.items:
                if previous < item.observed_on <= held and item.status == ItemStatus.OPEN:
                    new.setdefault(item.provider_id, []).append(item)
            ranked = sorted(watched, key=lambda p: (-len(new.get(p.id, [])), p.id))
            chosen = [open_provider] + ranked[: rng.randint(2, 5)]
            recorded = _at(held + timedelta(days=1), 10)
            meeting.agenda_entries = [
                MeetingProvider(
                    provider=provider,
                    reason=minutes.watched_reason,
                    added_by_id=chair.id,
                    added_at=_at(held - timedelta(days=8), 9),
                )
                for provider in chosen[1:]
            ]
            meeting.attendees = [
                MeetingAttendee(agency=agency, name=user.name)
                for agency in meeting.agencies
                for user in self.users.values()
                if user.agency is agency and user.role in (Role.MEMBER, Role.CHAIR)
            ]
            for provider in chosen:
                items = new.get(provider.id, [])
                agencies = sorted({said_by[i.source_agency.code] for i in items})
                said = (
                    ", ".join(agencies[:-1]) + " and " + agencies[-1]
                    if len(agencies) > 1
                    else (agencies or ["no partner"])[0]
                )
                if provider is open_provider:
                    notes = minutes.open_discussions[number].format(
                        n_items=len(items), agencies=said, **story
                    )
                elif items:
                    # Ties go to the theme code: a set's order changes with the hash seed.
                    themes = sorted(
                        {t for i in items for t in i.theme_codes},
                        key=lambda t: (-sum(t in i.theme_codes for i in items), t),
                    )[:2]
                    top = max(i.score for i in items)
                    notes = (
                        f"{len(items)} new items since the last meeting from {said}, mainly "
                        f"about {' and '.join(theme_labels[t].lower() for t in themes)}. "
                        f"Highest item score {top} ({band_for(top)}). "
                        + rng.choice(minutes.discussion_extras)
                    )
                else:
                    notes = (
                        "No new items since the last meeting; discussed at the chair's "
                        "request. " + rng.choice(minutes.discussion_extras)
                    )
                meeting.discussions.append(
                    Discussion(
                        provider=provider,
                        notes=notes,
                        recorded_by_id=chair.id,
                        recorded_at=recorded,
                    )
                )
            meeting.decisions.append(
                Decision(
                    provider=open_provider,
                    text=minutes.open_decisions[number],
                    recorded_by_id=chair.id,
                    recorded_at=recorded,
                )
            )
            for provider in rng.sample(chosen[1:], rng.randint(0, min(2, len(chosen) - 1))):
                meeting.decisions.append(
                    Decision(
                        provider=provider,
                        text=rng.choice(minutes.decisions),
                        recorded_by_id=chair.id,
                        recorded_at=recorded,
                    )
                )
            for _ in range(rng.randint(2, 5)):
                meeting.actions.append(self._action(number, held, rng.choice(chosen), chair))
            meetings.append(meeting)
            previous = held
        self.held_meetings = list(meetings)
        planned = Meeting(
            held_on=_meeting_day(self.anchor),
            chair=chair,
            status=MeetingStatus.PLANNED,
            title=f"Joint Intelligence Group – {self.anchor:%B %Y}",
            location=minutes.locations[0],
            created_at=_at(self.meeting_dates[2], 16),
            agencies=[self.agencies[c] for c in codes],
        )
        planned.agenda_entries.append(
            MeetingProvider(
                provider=rng.choice(watched[4:]),
                reason=minutes.added_reason,
                added_by_id=chair.id,
                added_at=_at(self.anchor, 9, 30),
            )
        )
        meetings.append(planned)
        db.session.add_all(meetings)
        return len(meetings)

    def _action(self, number: int, held: date, provider: Provider, chair: User) -> Action:
        rng, side = self.rng, self.ctx[self.providers.index(provider)]["side"]
        actions = self.text.meetings.actions
        options = [a for a in actions if side == "south" or a.owner != "HWMERTON"]
        picked = rng.choice(options)
        owner, text = picked.owner, picked.text
        if side == "north":
            owner = {"MERTON": "HARROW", "SWLICB": "NWLICB"}.get(owner, owner)
        # Open, done, dropped: the older the meeting, the more of its actions are closed.
        weights = ((10, 80, 10), (45, 47, 8), (82, 15, 3))[number]
        status = rng.choices(list(ActionStatus), weights)[0]
        action = Action(
            provider=provider,
            description=text,
            owner_agency=self.agencies[owner],
            due_on=held + timedelta(days=rng.randint(14, 42)),
            status=status,
            created_by_id=chair.id,
            created_at=_at(held, 16, 30),
        )
        if status != ActionStatus.OPEN:
            done = min(held + timedelta(days=rng.randint(5, 40)), self.last_day)
            action.closed_at = _at(done, 11, 15)
            action.closed_by_id = chair.id
            notes = (
                self.text.meetings.closing_notes
                if status == ActionStatus.DONE
                else self.text.meetings.dropped_notes
            )
            action.closing_note = rng.choice(notes).format(date=_fmt(done))
        return action

    def _packs_and_minutes(self) -> None:
        """Each past meeting's pack, issued a week before it; the older two's minutes approved."""
        from portal.meetings import minutes, packs

        chair = self.chairs["MERTON"]
        past = db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.held_on.in_(self.meeting_dates))
            .order_by(Meeting.held_on)
        ).all()
        with _request_context():
            for number, meeting in enumerate(past):
                issued = meeting.held_on - timedelta(days=7)
                packs.issue_pack(chair, meeting, issued, via="demo", issued_at=_at(issued, 10))
                if number < 2:
                    approved = meeting.held_on + timedelta(days=12)
                    minutes.approve(chair, meeting, approved, approved_at=_at(approved, 14))

    # --- provider concerns and embargoes --------------------------------------------------

    def _concerns(self) -> None:
        rng, anchor, stories = self.rng, self.anchor, self.text.concerns
        # The open concern was decided at the first past meeting (its first decision).
        first_meeting = self.held_meetings[0]
        plans = (
            (
                self.open_index,
                self.chairs["MERTON"],
                stories["open"],
                {
                    ConcernStage.INITIATE: self.meeting_dates[0],
                    ConcernStage.INITIAL_MEETING: anchor - timedelta(days=43),
                    ConcernStage.FINDINGS_MEETING: anchor - timedelta(days=14),
                },
                (first_meeting, first_meeting.decisions[0]),
                (anchor - timedelta(days=42), None, None, 4),
            ),
            (
                self.closed_index,
                self.chairs["HARROW"],
                stories["closed"],
                {
                    stage: anchor - timedelta(days=days)
                    for stage, days in zip(
                        ConcernStage, (330, 318, 290, 245, 190, 160), strict=True
                    )
                },
                (None, None),
                (anchor - timedelta(days=317), None, anchor - timedelta(days=190), 3),
            ),
        )
        for index, chair, story, stages, (meeting, decision), embargo_plan in plans:
            provider, side = self.providers[index], self.ctx[index]["side"]
            starts, ends, lifted_on, told = embargo_plan
            closed = ConcernStage.CLOSURE in stages
            db.session.add(
                ProviderConcern(
                    provider=provider,
                    summary=story.summary,
                    opened_by=chair,
                    opened_at=_at(stages[ConcernStage.INITIATE], 15, 30),
                    status=ConcernStatus.CLOSED if closed else ConcernStatus.OPEN,
                    closed_on=stages.get(ConcernStage.CLOSURE),
                    decision=decision,
                    outcome=story.outcome if closed else "",
                    stages=[
                        ProviderConcernStage(
                            stage=s,
                            occurred_on=d,
                            note=story.stages[s.value],
                            recorded_by_id=chair.id,
                            recorded_at=_at(d, 17),
                            meeting=meeting if s is ConcernStage.INITIATE else None,
                        )
                        for s, d in stages.items()
                    ],
                )
            )
            boroughs = rng.sample(self.text.places.sides[side].neighbours, told)
            notices = [
                EmbargoNotice(
                    borough=b,
                    notified_on=starts + timedelta(days=rng.randint(0, 3)),
                    recorded_by_id=chair.id,
                )
                for b in boroughs
            ]
            if lifted_on is not None:
                # The boroughs told of the embargo are told of its lifting too.
                notices += [
                    EmbargoNotice(
                        borough=b,
                        notified_on=lifted_on + timedelta(days=rng.randint(0, 2)),
                        about_lifting=True,
                        recorded_by_id=chair.id,
                    )
                    for b in boroughs
                ]
            for notice in notices:
                notice.recorded_at = _at(notice.notified_on, 12)
            db.session.add(
                Embargo(
                    provider=provider,
                    starts_on=starts,
                    ends_on=ends,
                    reason=story.embargo,
                    created_by_id=chair.id,
                    created_at=_at(starts - timedelta(days=1), 16),
                    lifted_on=lifted_on,
                    lifted_at=_at(lifted_on, 16) if lifted_on else None,
                    lifted_by_id=chair.id if lifted_on else None,
                    lift_reason=story.lifted if lifted_on else "",
                    notices=sorted(notices, key=lambda n: n.notified_on),
                )
            )

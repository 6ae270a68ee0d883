"""The live server the browser drives, and the scene of data it starts with.

The portal runs in a thread (werkzeug's own server, threaded) on a free loopback port,
on the database the suite gives it; the scene is built with tests/factories.py, with
real password hashes, so people sign in through the form as they would in use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from portal import clock, create_app
from portal.auth.services import hash_password
from portal.config import PROJECT_ROOT
from portal.extensions import db
from portal.models import (
    KeyQuestion,
    Marking,
    Provider,
    ProviderRating,
    ProviderServiceType,
    Rating,
    RatingDomain,
    Role,
    User,
    utcnow,
)
from tests import factories
from tests.databases import empty_all_tables

CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
STATIC_CSS = PROJECT_ROOT / "portal" / "static" / "portal.css"
PASSWORD = "correct horse battery staple"  # noqa: S105 - every scene account's test password
#: Every scene account's authenticator secret: local accounts have a second factor.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - a test secret


@dataclass(frozen=True)
class Account:
    """Someone who signs in through the form."""

    email: str
    name: str
    agency: str
    password: str = PASSWORD
    totp_secret: str = TOTP_SECRET


@dataclass(frozen=True)
class Place:
    """A provider as a person knows it: by name and postcode."""

    id: int
    name: str
    postcode: str


@dataclass(frozen=True)
class Scene:
    """What the journeys start from (ids and words, not ORM objects: the server owns those)."""

    member: Account  # a council officer who logs intelligence
    police: Account  # a member of another agency
    chair: Account  # chairs the group's meetings (for the pack journey)
    viewer: Account  # a Healthwatch volunteer who may read but not log
    admin: Account  # the council's portal administrator
    cedar: Place  # the provider the journeys log about
    rosemary: Place  # has a RED item the police officer must not find, beside a GREEN one
    red_id: int
    red_title: str
    red_word: str  # a word only the RED item's body has
    green_title: str


@dataclass
class Site:
    """A running portal: its address, app and scene, and the kinds of page axe has passed."""

    url: str
    app: Flask
    scene: Scene
    checked_pages: set[str] = field(default_factory=set)

    def __call__(self, path: str) -> str:
        """The absolute URL of a path on the site."""
        return self.url + path


def _account(role: Role, agency: str, name: str, email: str) -> tuple[User, Account]:
    person = factories.user(
        role=role,
        agency=factories.agency(agency, name=AGENCY_NAMES[agency]),
        name=name,
        email=email,
        password_hash=hash_password(PASSWORD),
        totp_secret=TOTP_SECRET,
        totp_confirmed_at=utcnow(),
    )
    return person, Account(email=email, name=name, agency=agency)


AGENCY_NAMES = {
    "MERTON": "London Borough of Merton",
    "MPS": "Metropolitan Police Service",
    "CQC": "Care Quality Commission",
    "HWMERTON": "Healthwatch Merton",
}

#: Providers in real south-west London postcodes (made-up names): name, postcode, address,
#: service type, CQC overall rating, and the key question rated lower than that.
PROVIDERS = [
    (
        "Cedar Lodge Care Home",
        "SW19 2HL",
        "2 Cedar Road, Wimbledon",
        "care-home",
        Rating.REQUIRES_IMPROVEMENT,
        RatingDomain.SAFE,
    ),
    (
        "Rosemary Court Nursing Home",
        "SM4 5DX",
        "14 Rosemary Lane, Morden",
        "care-home-nursing",
        Rating.GOOD,
        RatingDomain.WELL_LED,
    ),
    (
        "Willow Bank Home Care",
        "CR4 3AA",
        "Unit 3, Willow Bank, Mitcham",
        "domiciliary",
        Rating.GOOD,
        None,
    ),
    (
        "The Beeches Residential Home",
        "SW20 8NE",
        "41 Beech Avenue, Raynes Park",
        "care-home",
        Rating.OUTSTANDING,
        None,
    ),
    (
        "Hollybrook House",
        "SW17 9QT",
        "7 Holly Walk, Colliers Wood",
        "care-home-nursing",
        Rating.INADEQUATE,
        RatingDomain.SAFE,
    ),
]
LOWER = {Rating.OUTSTANDING: Rating.GOOD, Rating.GOOD: Rating.REQUIRES_IMPROVEMENT}

#: Background items: (provider index, agency, title, body, key question, likelihood, impact, marking, days ago).
ITEMS = [
    (
        0,
        "CQC",
        "Medication records incomplete on night shift",
        "Three residents' MAR charts had gaps over a week of night shifts; the manager was told.",
        KeyQuestion.SAFE,
        3,
        4,
        Marking.AMBER,
        20,
    ),
    (
        0,
        "MERTON",
        "Complaint about missed lunchtime support",
        "A relative complained that her father was left without help to eat at lunch twice.",
        KeyQuestion.CARING,
        2,
        3,
        Marking.GREEN,
        45,
    ),
    (
        2,
        "MERTON",
        "Late and missed home-care visits",
        "Electronic call monitoring shows 14 late and 3 missed visits in the month.",
        KeyQuestion.RESPONSIVE,
        4,
        3,
        Marking.GREEN,
        12,
    ),
    (
        3,
        "CQC",
        "Registered manager has left",
        "The registered manager resigned; a deputy is acting while the post is advertised.",
        KeyQuestion.WELL_LED,
        3,
        2,
        Marking.CLEAR,
        60,
    ),
    (
        4,
        "MPS",
        "Police called to a disturbance",
        "Officers attended after a resident was assaulted by another resident; enquiries continue.",
        KeyQuestion.SAFE,
        3,
        5,
        Marking.AMBER,
        8,
    ),
    (
        4,
        "MERTON",
        "Falls not reported to the family",
        "Two falls in a month were not reported to the next of kin, as the care plan requires.",
        KeyQuestion.SAFE,
        4,
        4,
        Marking.GREEN,
        30,
    ),
]


def build_scene() -> Scene:
    """Agencies, people, providers and items (committed), in an app context."""
    member, member_account = _account(
        Role.MEMBER, "MERTON", "Fiona Doyle", "fiona.doyle@merton.gov.uk"
    )
    police, police_account = _account(Role.MEMBER, "MPS", "Lucy Kerr", "lucy.kerr@met.police.uk")
    _, chair_account = _account(Role.CHAIR, "MERTON", "Priya Shah", "priya.shah@merton.gov.uk")
    _, viewer_account = _account(
        Role.VIEWER, "HWMERTON", "George Mills", "george.mills@healthwatchmerton.co.uk"
    )
    _, admin_account = _account(
        Role.ADMIN, "MERTON", "Daniel Okafor", "daniel.okafor@merton.gov.uk"
    )
    cqc, _ = _account(Role.MEMBER, "CQC", "Claire Donovan", "claire.donovan@cqc.org.uk")
    authors = {"MERTON": member, "CQC": cqc, "MPS": police}
    today = clock.today()
    providers = [_provider(today, *listed) for listed in PROVIDERS]
    for index, agency, title, body, question, likelihood, impact, marking, days in ITEMS:
        factories.item(
            authors[agency],
            marking=marking,
            provider=providers[index],
            title=title,
            body=body,
            key_question=question,
            likelihood=likelihood,
            impact=impact,
            observed_on=today - timedelta(days=days),
        )
    rosemary = providers[1]
    red = factories.item(
        member,
        marking=Marking.RED,
        provider=rosemary,
        title="Safeguarding referral about the deputy manager",
        body="A whistleblower alleges the deputy manager took money from a resident; "
        "quillwort is the referral's code word.",
        likelihood=4,
        impact=5,
        observed_on=today - timedelta(days=3),
    )
    green = factories.item(
        member,
        marking=Marking.GREEN,
        provider=rosemary,
        title="Visiting hours restricted without notice",
        body="Families were told visits are limited to one hour a day while agency staff cover.",
        likelihood=3,
        impact=2,
        observed_on=today - timedelta(days=5),
    )
    db.session.commit()
    return Scene(
        member=member_account,
        police=police_account,
        chair=chair_account,
        viewer=viewer_account,
        admin=admin_account,
        cedar=_place(providers[0]),
        rosemary=_place(rosemary),
        red_id=red.id,
        red_title=red.title,
        red_word="quillwort",
        green_title=green.title,
    )


def _provider(
    today: date,
    name: str,
    postcode: str,
    address: str,
    service_type: str,
    overall: Rating,
    weaker: RatingDomain | None,
) -> Provider:
    """A provider in Merton, registered and rated by CQC."""
    provider = factories.provider(
        name=name,
        name_key=name.lower(),
        provider_name=f"{name.split()[0]} Care Group Ltd",
        postcode=postcode,
        local_authority="Merton",
        address=address,
        care_home=service_type.startswith("care-home"),
    )
    provider.service_types = [ProviderServiceType(service_type=service_type)]
    published = today - timedelta(days=200)
    provider.ratings = [
        ProviderRating(
            domain=domain,
            rating=LOWER.get(overall, overall) if domain is weaker else overall,
            published_on=published,
        )
        for domain in RatingDomain
    ]
    return provider


def _place(provider: Provider) -> Place:
    return Place(id=provider.id, name=provider.name, postcode=provider.postcode or "")


class _QuietRequests(WSGIRequestHandler):
    """No line per request in the test output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve the app in a thread on 127.0.0.1 and a free port; yield its address."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequests)
    thread = threading.Thread(target=server.serve_forever, name="live-portal", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def running_site(database_url: str, folder: Path) -> Iterator[Site]:
    """Serve the portal on 127.0.0.1 and a free port until the block ends; then empty the tables."""
    app = create_app(
        {"env": "test", "database_url": database_url, "instance_path": str(folder / "instance")}
    )
    try:
        with app.app_context():
            scene = build_scene()
            db.session.remove()
        with serving(app) as url:
            yield Site(url=url, app=app, scene=scene)
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables(db.engine, db.metadata)
            db.engine.dispose()

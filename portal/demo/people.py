"""The demo's partner agencies and the accounts to sign in with (people.toml)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.auth.services import create_agency, create_user
from portal.demo.text import demo_text
from portal.demo.world import Demo, at
from portal.extensions import db
from portal.models import Agency, Role, User

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (a published demo password)


def add_people(demo: Demo) -> None:
    """The agencies and accounts, kept where they are there already."""
    start = demo.anchor - timedelta(days=460)
    for listed in demo.text.people.agencies:
        agency = db.session.scalar(sa.select(Agency).where(Agency.code == listed.code))
        if agency is None:
            agency = create_agency(listed.code, listed.name, listed.kind, via="demo")
            agency.created_at = at(start, 9)
        demo.agencies[listed.code] = agency
    for number, account in enumerate(demo.text.people.accounts):
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
            user.created_at = at(start, 10, number)
        demo.users[account.email] = user
    demo.writers = {
        c: [
            u
            for u in demo.users.values()
            if u.agency.code == c and u.role in (Role.MEMBER, Role.CHAIR)
        ]
        for c in demo.agencies
    }
    demo.chairs = {u.agency.code: u for u in demo.users.values() if u.role == Role.CHAIR}
    demo.readers = [u for u in demo.users.values() if u.role in (Role.MEMBER, Role.CHAIR)]


def sign_ins() -> list[User]:
    """The demo's accounts, by role then email."""
    emails = [a.email for a in demo_text().people.accounts]
    users = db.session.scalars(sa.select(User).where(User.email.in_(emails))).all()
    return sorted(users, key=lambda u: (str(u.role), u.email))

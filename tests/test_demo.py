"""The demo data: realistic, big enough, idempotent, and the same on every run."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.demo import load_demo
from portal.extensions import db
from portal.models import (
    Action,
    Agency,
    AgencyKind,
    Embargo,
    IntelligenceItem,
    Marking,
    Meeting,
    Provider,
    ProviderConcern,
    Role,
    User,
)
from portal.postcodes import parse_postcode
from tests.databases import empty_all_tables

TODAY = date(2026, 11, 23)
AREAS = {"SW", "CR", "SM", "KT", "HA"}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


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


def test_the_demo_data_is_realistic_idempotent_and_repeatable(app):
    report = load_demo(TODAY)
    assert report.created

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
    concerns = db.session.scalars(sa.select(ProviderConcern)).all()
    assert any(c.status == "open" and c.current_stage for c in concerns)
    embargoes = db.session.scalars(sa.select(Embargo)).all()
    assert any(e.is_active(TODAY) for e in embargoes)

    before = snapshot()
    again = load_demo(TODAY)
    assert not again.created
    assert snapshot() == before
    assert len(again.sign_ins) == len(users)

    db.session.remove()
    empty_all_tables(db.engine, db.metadata)
    load_demo(TODAY)
    assert snapshot() == before


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
    second = subprocess.run([portal, "demo"], env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "already loaded" in second.stdout
    assert "priya.shah@merton.gov.uk" in second.stdout

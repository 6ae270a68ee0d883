"""Loading the demo data set: each part in a fixed order, then one commit (see `load_demo`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from portal import clock
from portal.demo.concerns import add_concerns
from portal.demo.items import add_items
from portal.demo.meetings import add_meetings, issue_packs_and_minutes
from portal.demo.monitoring import add_monitoring
from portal.demo.people import add_people, sign_ins
from portal.demo.providers import add_providers
from portal.demo.text import demo_text
from portal.demo.world import Demo
from portal.extensions import db
from portal.models import (
    Agency,
    CareVisit,
    ContractVisit,
    IntelligenceItem,
    Meeting,
    Provider,
    User,
)

#: The agency whose presence says the demo is loaded already.
MARKER_AGENCY = "MERTON"


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
            sign_ins=sign_ins(),
        )
    report = _build(Demo((today or clock.today()).replace(day=1), demo_text()))
    db.session.commit()
    report.sign_ins = sign_ins()
    return report


def _build(demo: Demo) -> DemoReport:
    """Every part in the order its random draws were recorded in."""
    add_people(demo)
    add_providers(demo)
    add_items(demo)
    meetings = add_meetings(demo)
    add_concerns(demo)
    db.session.flush()
    monitoring = add_monitoring(demo)
    issue_packs_and_minutes(demo)
    return DemoReport(
        True,
        len(demo.agencies),
        len(demo.users),
        len(demo.providers),
        len(demo.items) + monitoring.items,
        meetings,
        contract_visits=monitoring.contract_visits,
        care_visits=monitoring.care_visits,
    )

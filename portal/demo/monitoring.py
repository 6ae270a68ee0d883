"""The demo's council monitoring: contract visits with findings, and a year of ECM visit logs.

Made after the rest of the data set, with its own seeded generator, so the agencies,
providers and intelligence before it are unchanged. Every date is an offset from the first
day of the current month and every timestamp is set (none from the clock), so two runs in the
same month load identical data. The text, the weights of findings and the run of missed
visits are in portal/data/demo/monitoring.toml.

- Contract visits: the councils' monitoring officers visit some of their providers, one to
  three times a year; providers with concerns get more "not met" findings, each of which
  becomes an intelligence item, as a visit recorded on the page would.
- ECM: every home-care provider has a year of visit logs (a sample of 30 planned visits a
  month) with a few missed, late and short visits, and one has a clear run of missed visits
  in the last four months, which raised the threshold items the import would have raised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa

from portal.bulk import execute_many
from portal.demo.world import Demo, at, months_before
from portal.ecm.alerts import alert_item_fields
from portal.ecm.measures import MonthMeasures
from portal.extensions import db
from portal.intelligence.validation import ItemFields
from portal.models import (
    CareMonitoringAlert,
    CareVisit,
    ContractVisit,
    FindingResult,
    IntelligenceItem,
    IntelligenceRevision,
    ItemTheme,
    Marking,
    OverallJudgement,
    Provider,
    User,
    VisitFinding,
    VisitType,
)
from portal.visits.services import finding_item_fields
from portal.visits.validation import FindingFields, VisitFields, principles

SEED = 20_261_121
COUNCIL_BY_SIDE = {"south": "MERTON", "north": "HARROW"}
VISITS_PER_MONTH = 30
ECM_SUPPLIER = "demo-ecm"


@dataclass
class MonitoringCounts:
    """What was added."""

    contract_visits: int = 0
    care_visits: int = 0
    items: int = 0


def add_monitoring(demo: Demo) -> MonitoringCounts:
    """Contract visits first, then the ECM logs and the items they raised."""
    return _Monitoring(demo).build()


class _Monitoring:
    """Adds the monitoring data to a demo data set under construction."""

    def __init__(self, demo: Demo) -> None:
        self.rng = random.Random(SEED)
        self.anchor = demo.anchor
        self.providers = demo.providers
        self.plans = demo.plans
        self.writers = demo.writers
        self.text = demo.text.monitoring
        self.counts = MonitoringCounts()

    def build(self) -> MonitoringCounts:
        """Contract visits first, then the ECM logs and the items they raised."""
        self._contract_visits()
        self._care_monitoring()
        db.session.flush()
        return self.counts

    # --- contract visits -------------------------------------------------------------------

    def _contract_visits(self) -> None:
        rng = self.rng
        candidates = [
            i for i in range(len(self.providers)) if self.plans[i].primary != "shared-lives"
        ]
        chosen = sorted(rng.sample(candidates, 16))
        visits: list[tuple[date, int]] = []
        for index in chosen:
            for _ in range(rng.randint(1, 3)):
                visits.append((self.anchor - timedelta(days=rng.randint(7, 350)), index))
        for visited_on, index in sorted(visits):
            self._visit(index, visited_on)

    def _visit(self, index: int, visited_on: date) -> None:
        rng, provider, plan = self.rng, self.providers[index], self.plans[index]
        council = COUNCIL_BY_SIDE[plan.side]
        author = rng.choice(self.writers[council])
        weights = self.text.result_weights
        findings = self._findings(weights.get(plan.profile, weights["other"]))
        not_met = sum(f.result is FindingResult.NOT_MET for f in findings)
        overall = (
            OverallJudgement.POOR
            if not_met >= 3
            else OverallJudgement.REQUIRES_IMPROVEMENT
            if not_met or sum(f.result is FindingResult.PARTLY_MET for f in findings) >= 3
            else OverallJudgement.GOOD
        )
        marking = rng.choices([Marking.GREEN, Marking.AMBER, Marking.AMBER_STRICT], [2, 12, 1])[0]
        fields = VisitFields(
            provider=provider,
            visited_on=visited_on,
            visit_type=rng.choices(list(VisitType), [3, 6, 1])[0],
            spoke_to=sorted(rng.sample(self.text.spoke_to, 3)),
            overall=overall,
            summary=rng.choice(self.text.summaries[overall.value]),
            marking=marking,
            findings=findings,
        )
        recorded = at(visited_on, 17, rng.randint(0, 59))
        visit = ContractVisit(
            provider=provider,
            agency_id=author.agency_id,
            author_id=author.id,
            visited_on=visited_on,
            visit_type=fields.visit_type,
            spoke_to=",".join(fields.spoke_to),
            overall=overall,
            summary=fields.summary,
            marking=marking,
            recorded_at=recorded,
        )
        db.session.add(visit)
        for position, finding in enumerate(findings):
            item = None
            if finding.result is FindingResult.NOT_MET:
                item = self._item(author, finding_item_fields(fields, finding), recorded)
            visit.findings.append(
                VisitFinding(
                    principle=finding.principle.code,
                    position=position,
                    result=finding.result,
                    evidence=finding.evidence,
                    item=item,
                )
            )
        self.counts.contract_visits += 1

    def _findings(self, weights: tuple[int, ...]) -> list[FindingFields]:
        """A result for each principle of care, with the evidence for those not fully met."""
        findings = []
        for principle in principles():
            result = self.rng.choices(list(FindingResult), weights)[0]
            evidence = ""
            if result is FindingResult.NOT_MET:
                evidence = self.text.not_met[principle.code]
            elif result is FindingResult.PARTLY_MET:
                evidence = self.text.partly_met[principle.code]
            findings.append(
                FindingFields(principle, result, evidence, principle.likelihood, principle.impact)
            )
        return findings

    def _item(self, author: User, fields: ItemFields, logged_at: datetime) -> IntelligenceItem:
        """An item as log_item saves one, with the demo's own timestamps."""
        item = IntelligenceItem(
            provider=fields.provider,
            source_agency_id=author.agency_id,
            author=author,
            observed_on=fields.observed_on,
            logged_at=logged_at,
            updated_at=logged_at,
            title=fields.title,
            body=fields.body,
            key_question=fields.key_question,
            likelihood=fields.likelihood,
            impact=fields.impact,
            source_evaluation=fields.source_evaluation,
            intelligence_assessment=fields.intelligence_assessment,
            handling_code=fields.handling_code,
            handling_conditions=fields.handling_conditions,
            marking=fields.marking,
            themes=[ItemTheme(theme=t) for t in fields.themes],
        )
        db.session.add(item)
        db.session.flush()
        item.revisions = [
            IntelligenceRevision(
                number=1, edited_by=author, edited_at=logged_at, content=item.snapshot()
            )
        ]
        self.counts.items += 1
        return item

    # --- electronic care monitoring --------------------------------------------------------

    def _care_monitoring(self) -> None:
        rng = self.rng
        home_care = [
            i
            for i, provider in enumerate(self.providers)
            if "domiciliary" in provider.service_type_codes
        ]
        merton = [
            i
            for i in home_care
            if self.plans[i].side == "south" and self.plans[i].profile != "closed"
        ]
        troubled = rng.choice(merton)
        table = cast(sa.Table, CareVisit.__table__)
        imported_at = at(self.anchor, 6)
        run = self.text.missed_run
        for index in home_care:
            provider, council = self.providers[index], COUNCIL_BY_SIDE[self.plans[index].side]
            agency_id = self.writers[council][0].agency_id
            rows = []
            for back in range(12, 0, -1):
                month = months_before(self.anchor, back)
                # At most one missed visit in 30 (3.3%), except the run: missed visits climb
                # over the last four months to a fifth of them.
                if index == troubled and back <= len(run):
                    missed_count = run[-back]
                else:
                    missed_count = rng.choice((0, 0, 1))
                missed = set(rng.sample(range(VISITS_PER_MONTH), missed_count))
                for n in range(VISITS_PER_MONTH):
                    rows.append(
                        self._care_visit(provider, month, n, n in missed, agency_id, imported_at)
                    )
            execute_many(sa.insert(table), table, rows)
            self.counts.care_visits += len(rows)
            if index == troubled:
                self._alerts(provider, rows, imported_at)

    def _care_visit(
        self,
        provider: Provider,
        month: date,
        n: int,
        missed: bool,
        agency_id: int,
        imported_at: datetime,
    ) -> dict[str, Any]:
        rng = self.rng
        planned = at(month + timedelta(days=n % 28), rng.choice((7, 8, 12, 13, 17, 20)))
        minutes = rng.choice((30, 30, 45, 60))
        start = end = None
        delay = stay = None
        if not missed:
            delay = rng.choice((-5, 0, 0, 5, 10, 15, 20, 45)) * 60
            stay = int(minutes * 60 * rng.choice((1.0, 1.0, 0.9, 1.1, 0.6)))
            start = planned + timedelta(seconds=delay)
            end = start + timedelta(seconds=stay)
        return {
            "supplier": ECM_SUPPLIER,
            "visit_ref": f"{provider.cqc_location_id}-{month:%Y%m}-{n:03d}",
            "provider_id": provider.id,
            "month": f"{month:%Y-%m}",
            "planned_start": planned,
            "planned_minutes": minutes,
            "actual_start": start,
            "actual_end": end,
            "start_delay_seconds": delay,
            "actual_seconds": stay,
            "source_agency_id": agency_id,
            "marking": Marking.AMBER,
            "imported_at": imported_at,
        }

    def _alerts(
        self, provider: Provider, rows: list[dict[str, Any]], imported_at: datetime
    ) -> None:
        """The items the import raises for months over the threshold (more than 5% missed)."""
        author = self.writers["MERTON"][0]
        by_month: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_month.setdefault(row["month"], []).append(row)
        for month, visits in sorted(by_month.items()):
            missed = sum(v["actual_start"] is None for v in visits)
            late = sum((v["start_delay_seconds"] or 0) > 30 * 60 for v in visits)
            measures = MonthMeasures(month, len(visits), missed, late)
            if missed * 100 <= len(visits) * 5:
                continue
            raised = at(date.fromisoformat(f"{month}-01") + timedelta(days=32), 6).replace(day=2)
            fields = alert_item_fields(provider, measures, Marking.AMBER)
            item = self._item(author, fields, min(raised, imported_at))
            db.session.add(
                CareMonitoringAlert(
                    provider_id=provider.id, month=month, item=item, raised_at=item.logged_at
                )
            )

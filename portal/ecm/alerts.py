"""The intelligence item an ECM import raises when a provider's month crosses the threshold.

After an import, each provider and month the import wrote is measured over the visits of the
importing agency with the import's marking (so the item, which carries that marking, says
nothing its readers could not read in the data itself). A month whose missed visits are more
than ``ecm_missed_alert_percent`` of its visits raises one item, theme "missed or late
visits"; a CareMonitoringAlert row records it, so no later import raises it again.
"""

from __future__ import annotations

from datetime import date
from itertools import islice

import sqlalchemy as sa

from portal.ecm.measures import MonthMeasures, measure_columns, thresholds
from portal.ecm.report import EcmReport
from portal.extensions import db
from portal.intelligence.services import log_item
from portal.intelligence.validation import ItemFields
from portal.models import (
    Agency,
    CareMonitoringAlert,
    CareVisit,
    HandlingCode,
    IntelligenceAssessment,
    KeyQuestion,
    Marking,
    Provider,
    SourceEvaluation,
    User,
)
from portal.policy import chairs_first, intelligence_loggers_clause

THEME = "missed-visits"
# A missed visit leaves someone without care they were assessed as needing: likely to
# recur while the pattern lasts (4), with a significant impact (3). Editable afterwards.
LIKELIHOOD, IMPACT = 4, 3
CHUNK = 500


def alert_author(agency: Agency, user: User | None) -> User | None:
    """Who the item is logged as: the importing user, else the agency's first chair or member."""
    if user is not None and user.agency_id == agency.id:
        return user
    return db.session.scalar(
        sa.select(User)
        .where(
            User.agency_id == agency.id,
            User.active.is_(True),
            intelligence_loggers_clause(),
        )
        .order_by(chairs_first(), User.id)
        .limit(1)
    )


def months_over_threshold(
    pairs: set[tuple[int, str]], agency_id: int, marking: Marking
) -> list[tuple[int, MonthMeasures]]:
    """(provider id, measures) for each pair whose missed share is over the threshold."""
    limit = thresholds().missed_alert_percent
    over: list[tuple[int, MonthMeasures]] = []
    ordered = iter(sorted(pairs))
    while chunk := list(islice(ordered, CHUNK)):
        providers = sorted({pid for pid, _ in chunk})
        months = sorted({month for _, month in chunk})
        query = (
            sa.select(CareVisit.provider_id, CareVisit.month, *measure_columns())
            .where(
                CareVisit.provider_id.in_(providers),
                CareVisit.month.in_(months),
                CareVisit.source_agency_id == agency_id,
                CareVisit.marking == marking,
            )
            .group_by(CareVisit.provider_id, CareVisit.month)
        )
        wanted = set(chunk)
        for row in db.session.execute(query):
            measures = MonthMeasures(
                row.month, int(row.visits), int(row.missed or 0), int(row.late or 0)
            )
            if (row.provider_id, row.month) in wanted and measures.missed * 100 > (
                measures.visits * limit
            ):
                over.append((row.provider_id, measures))
    return over


def alert_item_fields(provider: Provider, measures: MonthMeasures, marking: Marking) -> ItemFields:
    """The item a month over the threshold raises: what it says, graded and marked."""
    share = measures.missed_share or 0.0
    limit = thresholds().missed_alert_percent
    return ItemFields(
        provider=provider,
        observed_on=date.fromisoformat(f"{measures.month}-01"),
        title=f"Missed care visits in {measures.label}: {share:.1f}%"[:200],
        body=(
            f"Electronic care monitoring for {measures.label} shows {measures.missed} of "
            f"{measures.visits} planned visits missed ({share:.1f}%), above the {limit}% "
            f"threshold. {measures.late} visits started late. Raised automatically by the "
            "ECM import; check with the provider whether people went without care."
        ),
        key_question=KeyQuestion.SAFE,
        themes=[THEME],
        likelihood=LIKELIHOOD,
        impact=IMPACT,
        source_evaluation=SourceEvaluation.RELIABLE,
        intelligence_assessment=IntelligenceAssessment.A,
        handling_code=HandlingCode.PERMITTED,
        handling_conditions="",
        marking=marking,
        recipients=[],
    )


def raise_alerts(report: EcmReport, agency: Agency, marking: Marking, user: User | None) -> None:
    """Raise one item per provider and month over the threshold, never twice (commits each)."""
    over = months_over_threshold(report.touched, agency.id, marking)
    if not over:
        return
    raised = set(
        db.session.execute(
            sa.select(CareMonitoringAlert.provider_id, CareMonitoringAlert.month).where(
                CareMonitoringAlert.provider_id.in_(sorted({pid for pid, _ in over}))
            )
        ).all()
    )
    pending = [(pid, m) for pid, m in over if (pid, m.month) not in raised]
    if not pending:
        return
    author = alert_author(agency, user)
    if author is None:
        report.alert_note = (
            f"{len(pending)} months crossed the missed-visit threshold, but {agency.code} has no "
            "active member or chair to raise intelligence items as."
        )
        return
    for provider_id, measures in pending:
        provider = db.session.get(Provider, provider_id)
        if provider is None:
            continue
        # The item and the record that it was raised commit together: never raised twice.
        item = log_item(author, alert_item_fields(provider, measures, marking), via="ecm-import")
        db.session.add(
            CareMonitoringAlert(provider_id=provider_id, month=measures.month, item_id=item.id)
        )
        db.session.commit()
        report.alert_item_ids.append(item.id)

"""Recording and reading contract monitoring visits: the work behind the pages and the API.

A visit and the intelligence items its "not met" findings become are saved in one
transaction. Reads go through the policy (``readable_contract_visits_clause`` for lists,
``can_read_contract_visit`` for one visit): a visit the user may not read is answered exactly
as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup

from portal import audit
from portal.config import labels
from portal.extensions import db
from portal.intelligence.services import log_item
from portal.intelligence.validation import ItemFields
from portal.models import (
    ContractVisit,
    FindingResult,
    HandlingCode,
    IntelligenceAssessment,
    SourceEvaluation,
    User,
    VisitFinding,
)
from portal.pdf import PrintedDocument, render_document
from portal.policy import (
    Reader,
    can_read_contract_visit,
    can_record_monitoring,
    readable_contract_visits_clause,
)
from portal.visits.grid import findings_grid
from portal.visits.validation import (
    FindingFields,
    VisitFields,
    principle_named,
    principles,
    validate_visit,
)

#: The visits shown on a provider page and in its grid, newest first.
PROVIDER_PAGE_VISITS = 6
NOT_A_COUNCIL = "Only members and chairs of a council record contract visits."


class RecordingRefused(PermissionError):
    """The user may not record contract visits (the page answers 403, the API 403)."""


def ensure_may_record(user: Reader) -> None:
    """Refuse anyone but a council's members and chairs (policy.can_record_monitoring)."""
    if not can_record_monitoring(user):
        raise RecordingRefused(NOT_A_COUNCIL)


def finding_item_fields(visit: VisitFields, finding: FindingFields) -> ItemFields:
    """The intelligence item a \"not met\" finding becomes: the principle's key question and theme."""
    principle = finding.principle
    return ItemFields(
        provider=visit.provider,
        observed_on=visit.visited_on,
        title=f"Contract monitoring: {principle.label.lower()} not met"[:200],
        body=(
            f"{principle.label} was not met at the {visit.visit_type} contract monitoring "
            f"visit on {visit.visited_on:%-d %B %Y} ({principle.description}).\n\n"
            f"Evidence: {finding.evidence}"
        ),
        key_question=principle.key_question,
        themes=[principle.theme],
        likelihood=finding.likelihood,
        impact=finding.impact,
        source_evaluation=SourceEvaluation.RELIABLE,
        intelligence_assessment=IntelligenceAssessment.A,
        handling_code=HandlingCode.PERMITTED,
        handling_conditions="",
        marking=visit.marking,
        recipients=[],
    )


def record_submitted_visit(
    author: User, data: object, today: date, via: str = "form"
) -> ContractVisit:
    """The one rule for recording a visit, for the page and the API alike: who may
    (ensure_may_record, RecordingRefused), what is valid (validate_visit, ValidationFailed),
    then record_visit."""
    ensure_may_record(author)
    return record_visit(author, validate_visit(data, today), via)


def record_visit(author: User, fields: VisitFields, via: str = "form") -> ContractVisit:
    """Save the visit, and an intelligence item per "not met" finding; audited."""
    visit = ContractVisit(
        provider=fields.provider,
        agency_id=author.agency_id,
        author_id=author.id,
        visited_on=fields.visited_on,
        visit_type=fields.visit_type,
        spoke_to=",".join(fields.spoke_to),
        overall=fields.overall,
        summary=fields.summary,
        marking=fields.marking,
    )
    db.session.add(visit)
    not_met = 0
    for position, finding in enumerate(fields.findings):
        item = None
        if finding.result is FindingResult.NOT_MET:
            item = log_item(author, finding_item_fields(fields, finding), via="contract-visit")
            not_met += 1
        visit.findings.append(
            VisitFinding(
                principle=finding.principle.code,
                position=position,
                result=finding.result,
                evidence=finding.evidence,
                item_id=item.id if item else None,
            )
        )
    db.session.flush()
    audit.record(
        "contract-visit-recorded",
        user=author,
        object_type="contract-visit",
        object_id=visit.id,
        marking=str(fields.marking),
        not_met=not_met,
        via=via,
    )
    return visit


def readable_visit(user: Reader, visit_id: int) -> ContractVisit | None:
    """The visit if the user may read it; None when it does not exist or they may not."""
    visit = db.session.get(ContractVisit, visit_id)
    return visit if can_read_contract_visit(user, visit) else None


def record_read(user: User, visit: ContractVisit, what: str = "contract-visit-read") -> None:
    """Audit one read of a visit (the page, the API or the report)."""
    audit.record(what, user=user, object_type="contract-visit", object_id=visit.id)


@dataclass(frozen=True)
class FindingLine:
    """A finding as the visit page and report show it."""

    code: str
    label: str
    description: str
    result: str
    evidence: str
    item_id: int | None


def finding_lines(visit: ContractVisit) -> list[FindingLine]:
    """The visit's findings in the taxonomy's order, with the principles' names."""
    lines = []
    for finding in visit.findings:
        principle = principle_named(finding.principle)
        lines.append(
            FindingLine(
                code=finding.principle,
                label=principle.label if principle else finding.principle,
                description=principle.description if principle else "",
                result=str(finding.result),
                evidence=finding.evidence,
                item_id=finding.item_id,
            )
        )
    return lines


def spoke_to_labels(visit: ContractVisit) -> list[str]:
    """Who was spoken to, as people read it."""
    known = labels("visit_contacts")
    return [known.get(code, code) for code in visit.spoke_to_codes]


@dataclass(frozen=True)
class ProviderVisits:
    """A provider's readable visits, newest first, and the principle x visit grid."""

    visits: list[ContractVisit]
    grid: Markup | None


def provider_visits(user: Reader, provider_id: int) -> ProviderVisits:
    """The newest visits to the provider the user may read (two queries), with the grid."""
    visits = list(
        db.session.scalars(
            sa.select(ContractVisit)
            .where(ContractVisit.provider_id == provider_id, readable_contract_visits_clause(user))
            .order_by(ContractVisit.visited_on.desc(), ContractVisit.id.desc())
            .limit(PROVIDER_PAGE_VISITS)
        )
    )
    grid = findings_grid(list(reversed(visits)), principles()) if visits else None
    return ProviderVisits(visits=visits, grid=grid)


def visit_report(visit: ContractVisit) -> PrintedDocument:
    """The visit report to send to the provider: HTML preview and PDF from one template."""
    return render_document(
        "visits/report.html",
        visit=visit,
        findings=finding_lines(visit),
        spoke_to=spoke_to_labels(visit),
    )


def visit_json(visit: ContractVisit) -> dict[str, Any]:
    """A visit as the API gives it."""
    return {
        "id": visit.id,
        "provider": {
            "id": visit.provider.id,
            "name": visit.provider.name,
            "cqc_location_id": visit.provider.cqc_location_id,
        },
        "agency": visit.agency.code,
        "visited_on": visit.visited_on.isoformat(),
        "visit_type": str(visit.visit_type),
        "spoke_to": visit.spoke_to_codes,
        "overall": str(visit.overall),
        "summary": visit.summary,
        "marking": str(visit.marking),
        "recorded_at": visit.recorded_at.isoformat(timespec="seconds") + "Z",
        "findings": [
            {
                "principle": f.principle,
                "result": str(f.result),
                "evidence": f.evidence,
                "intelligence_item_id": f.item_id,
            }
            for f in visit.findings
        ],
    }

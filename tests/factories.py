"""Data builders for tests: sensible defaults, override what the test is about."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from portal import clock
from portal.extensions import db
from portal.models import (
    Agency,
    AgencyKind,
    ConcernStage,
    ContractVisit,
    Embargo,
    EmbargoNotice,
    FindingResult,
    HandlingCode,
    IntelligenceAssessment,
    IntelligenceItem,
    IntelligenceRevision,
    ItemRecipient,
    ItemTheme,
    Job,
    JobState,
    KeyQuestion,
    Marking,
    OverallJudgement,
    Provider,
    ProviderConcern,
    ProviderConcernStage,
    Role,
    SourceEvaluation,
    User,
    VisitFinding,
    VisitType,
)

_sequence = itertools.count(1)

KIND_BY_CODE = {
    "MERTON": AgencyKind.COUNCIL,
    "HARROW": AgencyKind.COUNCIL,
    "CQC": AgencyKind.CQC,
    "SWLICB": AgencyKind.NHS,
    "MPS": AgencyKind.POLICE,
    "HWMERTON": AgencyKind.HEALTHWATCH,
}


def agency(code: str = "MERTON", **fields: Any) -> Agency:
    """The agency with this code, made if it does not exist yet."""
    existing = db.session.scalar(sa.select(Agency).where(Agency.code == code))
    if existing is not None:
        return existing
    fields.setdefault("name", f"{code.title()} agency")
    fields.setdefault("kind", KIND_BY_CODE.get(code, AgencyKind.OTHER))
    made = Agency(code=code, **fields)
    db.session.add(made)
    db.session.flush()
    return made


def user(role: Role = Role.MEMBER, agency: Agency | None = None, **fields: Any) -> User:
    """A user (no password unless password_hash is given)."""
    n = next(_sequence)
    made = User(
        email=fields.pop("email", f"user{n}@example.gov.uk"),
        name=fields.pop("name", f"Test User {n}"),
        agency=agency or globals()["agency"](),
        role=role,
        **fields,
    )
    db.session.add(made)
    db.session.flush()
    return made


def provider(**fields: Any) -> Provider:
    """A care home in Wimbledon unless told otherwise."""
    n = next(_sequence)
    fields.setdefault("name", f"Test Care Home {n}")
    fields.setdefault("name_key", fields["name"].lower())
    fields.setdefault("cqc_location_id", f"1-{100000000 + n}")
    fields.setdefault("postcode", "SW19 2HL")
    fields.setdefault(
        "postcode_district", fields["postcode"].split()[0] if fields["postcode"] else None
    )
    fields.setdefault("local_authority", "Merton")
    made = Provider(**fields)
    db.session.add(made)
    db.session.flush()
    return made


def item(
    author: User,
    marking: Marking = Marking.GREEN,
    provider: Provider | None = None,
    recipients: list[User] = (),  # type: ignore[assignment]
    themes: list[str] = ("staffing",),  # type: ignore[assignment]
    **fields: Any,
) -> IntelligenceItem:
    """An open intelligence item by the author, with its first revision."""
    n = next(_sequence)
    made = IntelligenceItem(
        provider=provider or globals()["provider"](),
        source_agency_id=author.agency_id,
        author=author,
        observed_on=fields.pop("observed_on", date(2026, 10, 1)),
        title=fields.pop("title", f"Test item {n}"),
        body=fields.pop("body", "Staff rota showed two carers on nights for 30 residents."),
        key_question=fields.pop("key_question", KeyQuestion.SAFE),
        likelihood=fields.pop("likelihood", 3),
        impact=fields.pop("impact", 3),
        source_evaluation=fields.pop("source_evaluation", SourceEvaluation.RELIABLE),
        intelligence_assessment=fields.pop("intelligence_assessment", IntelligenceAssessment.A),
        handling_code=fields.pop("handling_code", HandlingCode.PERMITTED),
        marking=marking,
        **fields,
    )
    made.themes = [ItemTheme(theme=t) for t in themes]
    made.recipients = [ItemRecipient(user=r) for r in recipients]
    db.session.add(made)
    db.session.flush()
    db.session.add(
        IntelligenceRevision(item=made, number=1, edited_by=author, content=made.snapshot())
    )
    db.session.flush()
    return made


def concern(
    provider: Provider,
    by: User,
    stages: Sequence[ConcernStage] = (ConcernStage.INITIATE,),
    first_on: date | None = None,
) -> ProviderConcern:
    """An open provider concern at the last of the stages given, a week apart."""
    start = first_on or clock.today() - timedelta(days=60)
    made = ProviderConcern(provider=provider, summary="Pattern of missed calls", opened_by=by)
    made.stages = [
        ProviderConcernStage(
            stage=stage,
            occurred_on=start + timedelta(days=7 * n),
            note=f"Note at {stage.value}",
            recorded_by_id=by.id,
        )
        for n, stage in enumerate(stages)
    ]
    db.session.add(made)
    db.session.flush()
    return made


def embargo(
    provider: Provider,
    by: User,
    starts_on: date | None = None,
    ends_on: date | None = None,
    boroughs: Sequence[str] = (),
) -> Embargo:
    """An embargo on new placements (in force from ten days ago unless told otherwise)."""
    start = starts_on or clock.today() - timedelta(days=10)
    made = Embargo(
        provider=provider,
        starts_on=start,
        ends_on=ends_on,
        reason="Unsafe night staffing",
        created_by_id=by.id,
        notices=[EmbargoNotice(borough=b, notified_on=start) for b in boroughs],
    )
    db.session.add(made)
    db.session.flush()
    return made


def contract_visit(
    author: User,
    provider: Provider | None = None,
    marking: Marking = Marking.GREEN,
    findings: dict[str, tuple[str, str]] | None = None,
    **fields: Any,
) -> ContractVisit:
    """A contract monitoring visit by the author; findings: principle -> (result, evidence)."""
    made = ContractVisit(
        provider=provider or globals()["provider"](),
        agency_id=author.agency_id,
        author_id=author.id,
        visited_on=fields.pop("visited_on", date(2026, 10, 6)),
        visit_type=fields.pop("visit_type", VisitType.UNANNOUNCED),
        spoke_to=fields.pop("spoke_to", "residents,staff"),
        overall=fields.pop("overall", OverallJudgement.REQUIRES_IMPROVEMENT),
        summary=fields.pop("summary", "Visited at lunchtime."),
        marking=marking,
        **fields,
    )
    for position, (code, (result, evidence)) in enumerate((findings or {}).items()):
        made.findings.append(
            VisitFinding(
                principle=code, position=position, result=FindingResult(result), evidence=evidence
            )
        )
    db.session.add(made)
    db.session.flush()
    return made


def job(starter: User, state: JobState = JobState.DONE, **fields: Any) -> Job:
    """A job the user started (an issued pack's, by default: version 1), not queued."""
    made = Job(
        id=fields.pop("id", f"{next(_sequence):032x}"),
        kind=fields.pop("kind", "issue-pack"),
        title=fields.pop("title", "Issuing the pack, version 1: December meeting"),
        user_id=starter.id,
        state=state,
        params=fields.pop("params", {"meeting_id": 1}),
        result=fields.pop(
            "result", {"meeting_id": 1, "version": 1, "sha256": "0" * 64, "correction": False}
        ),
        **fields,
    )
    db.session.add(made)
    db.session.flush()
    return made

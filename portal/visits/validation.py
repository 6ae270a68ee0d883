"""Checking a contract monitoring visit: one function for the web form and the API.

The principles of care come from config/taxonomy.toml (``[[principles]]``), each with the key
question and theme its "not met" finding is logged under and a proposed likelihood and impact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from portal import clock
from portal.config import labels, taxonomy
from portal.intelligence.validation import (
    FieldCheck,
    Reading,
    _choice,
    _scale,
    _text,
    choice_field,
    marking_code,
    past_date_field,
    provider_field,
    read_fields,
    text_field,
)
from portal.models import FindingResult, KeyQuestion, Marking, OverallJudgement, Provider, VisitType
from portal.policy import MONITORING_MARKINGS
from portal.unit_of_work import ValidationFailed

MAX_SUMMARY = 10_000
MAX_EVIDENCE = 5_000
FIELDS = (
    "provider_id",
    "cqc_location_id",
    "visited_on",
    "visit_type",
    "spoke_to",
    "overall",
    "summary",
    "marking",
    "findings",
)
FINDING_FIELDS = ("result", "evidence", "likelihood", "impact")


@dataclass(frozen=True)
class Principle:
    """A principle of care, and how a finding of "not met" is logged."""

    code: str
    label: str
    description: str
    key_question: KeyQuestion
    theme: str
    likelihood: int
    impact: int


@cache
def principles() -> tuple[Principle, ...]:
    """The principles of care, in the taxonomy's order."""
    return tuple(
        Principle(
            code=entry["code"],
            label=entry["label"],
            description=entry["description"],
            key_question=KeyQuestion(entry["key_question"]),
            theme=entry["theme"],
            likelihood=int(entry["likelihood"]),
            impact=int(entry["impact"]),
        )
        for entry in taxonomy()["principles"]
    )


def principle_named(code: str) -> Principle | None:
    """The principle with this code, or None."""
    return next((p for p in principles() if p.code == code), None)


@dataclass(frozen=True)
class FindingFields:
    """One checked finding."""

    principle: Principle
    result: FindingResult
    evidence: str
    likelihood: int
    impact: int


@dataclass(frozen=True)
class VisitFields:
    """A visit's fields once checked: ready to save."""

    provider: Provider
    visited_on: date
    visit_type: VisitType
    spoke_to: list[str]
    overall: OverallJudgement
    summary: str
    marking: Marking
    findings: list[FindingFields]


def _spoke_to(reading: Reading) -> list[str]:
    """Who was spoken to, as codes in the taxonomy's order."""
    value, errors = reading.data.get("spoke_to"), reading.errors
    known = labels("visit_contacts")
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors["spoke_to"] = "Who was spoken to must be a list of " + ", ".join(known)
        return []
    unknown = [v for v in value if v not in known]
    if unknown:
        errors["spoke_to"] = (
            f"“{str(unknown[0])[:40]}” is not one of " + ", ".join(known) + " (who was spoken to)"
        )
        return []
    return [code for code in known if code in value]


def _finding(principle: Principle, value: Any, errors: dict[str, str]) -> FindingFields | None:
    key = f"findings.{principle.code}"
    if value is None:
        value = {"result": FindingResult.NOT_SEEN.value}
    if not isinstance(value, Mapping):
        errors[key] = f"The finding for {principle.label.lower()} must be an object"
        return None
    found: dict[str, str] = {}
    unknown = sorted(set(value) - set(FINDING_FIELDS))
    for name in unknown[:5]:
        found[f"{key}.{str(name)[:40]}"] = "Unknown field"
    result = _choice(
        value,
        "result",
        FindingResult,
        found,
        missing=f"Choose a finding for {principle.label.lower()}",
        invalid="A finding must be met, partly met, not met or not seen",
        normalise=str.lower,
    )
    evidence = _text(value, "evidence", "Evidence", found, None, MAX_EVIDENCE)
    if result is FindingResult.NOT_MET and not evidence and "evidence" not in found:
        found["evidence"] = (
            f"Enter the evidence for {principle.label.lower()} not being met "
            "(it becomes an intelligence item)"
        )
    scales = {
        name: (value.get(name) if value.get(name) not in (None, "") else default)
        for name, default in (("likelihood", principle.likelihood), ("impact", principle.impact))
    }
    likelihood = _scale(scales, "likelihood", "Likelihood", found, "Choose the likelihood")
    impact = _scale(scales, "impact", "Impact", found, "Choose the impact")
    for name, message in found.items():
        errors[name if name.startswith(key) else f"{key}.{name}"] = message
    if found:
        return None
    return FindingFields(principle, result, evidence, likelihood, impact)  # type: ignore[arg-type]


def _marking(reading: Reading) -> Marking | None:
    """The visit's marking (AMBER when none is given); a visit names no readers, so never RED."""
    marking_data = {"marking": reading.data.get("marking") or Marking.AMBER.value}
    marking = _choice(
        marking_data,
        "marking",
        Marking,
        reading.errors,
        missing="Choose a sharing marking",
        invalid="Marking must be one of CLEAR, GREEN, AMBER or AMBER+STRICT",
        normalise=marking_code,
    )
    if marking is not None and marking not in MONITORING_MARKINGS:
        reading.errors["marking"] = (
            "A visit cannot be marked RED (it names no recipients): choose CLEAR, GREEN, "
            "AMBER or AMBER+STRICT"
        )
    return marking


def _findings(reading: Reading) -> list[FindingFields]:
    """One finding per principle of care (a principle left out is "not seen")."""
    raw_findings, errors = reading.data.get("findings"), reading.errors
    findings: list[FindingFields] = []
    if raw_findings is not None and not isinstance(raw_findings, Mapping):
        errors["findings"] = "Findings must be an object keyed by principle of care"
        return findings
    raw_findings = raw_findings or {}
    unknown = [k for k in raw_findings if principle_named(str(k)) is None]
    if unknown:
        errors["findings"] = f"“{str(unknown[0])[:40]}” is not a principle of care"
    for principle in principles():
        finding = _finding(principle, raw_findings.get(principle.code), errors)
        if finding is not None:
            findings.append(finding)
    return findings


#: A visit's fields in the order they are checked (and their messages listed), by VisitFields name.
VISIT_CHECKS: tuple[tuple[str, FieldCheck[Reading]], ...] = (
    ("provider", provider_field),
    ("visited_on", past_date_field("visited_on", "Date of the visit")),
    (
        "visit_type",
        choice_field(
            "visit_type",
            VisitType,
            missing="Choose the type of visit",
            invalid="Type of visit must be announced, unannounced or desktop review",
            normalise=str.lower,
        ),
    ),
    ("spoke_to", _spoke_to),
    (
        "overall",
        choice_field(
            "overall",
            OverallJudgement,
            missing="Choose the overall judgement",
            invalid="Overall judgement must be good, requires improvement or poor",
            normalise=str.lower,
        ),
    ),
    ("summary", text_field("summary", "Summary", None, MAX_SUMMARY)),
    ("marking", _marking),
    ("findings", _findings),
)


def validate_visit(data: object, today: date | None = None) -> VisitFields:
    """Check every field; the clean values, or ValidationFailed with one message per bad field."""
    if not isinstance(data, Mapping):
        raise ValidationFailed({"request": "Send the visit as a JSON object"})
    reading = Reading(data, today or clock.today())
    values = read_fields(reading, VISIT_CHECKS)
    for key in sorted(set(data) - set(FIELDS))[:10]:
        reading.errors[str(key)[:50]] = "Unknown field"
    if reading.errors:
        raise ValidationFailed(reading.errors)
    return VisitFields(**values)

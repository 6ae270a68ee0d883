"""The contract monitoring visit form: it renders and carries the CSRF token.

Like the intelligence form, it holds no validators: the form and the API check their input
with one function (``validation.validate_visit``), whose messages are put back on the fields.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from wtforms import Field, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from portal.config import labels, taxonomy
from portal.forms import ServiceCheckedForm
from portal.models import FindingResult, Marking, OverallJudgement, VisitType
from portal.policy import MARKING_AUDIENCE, MONITORING_MARKINGS
from portal.visits.validation import Principle, principles


def _graded(section: str) -> list[tuple[str, str]]:
    return [(str(code), f"{code} – {meaning}") for code, meaning in taxonomy()[section].items()]


class VisitForm(ServiceCheckedForm):
    """A contract monitoring visit: when, how, who was seen, the findings and the marking."""

    visited_day = StringField("Day", id="visited_on")
    visited_month = StringField("Month", id="visited_on-month")
    visited_year = StringField("Year", id="visited_on-year")
    visit_type = RadioField(
        "Type of visit", choices=[(t.value, t.value.capitalize()) for t in VisitType]
    )
    spoke_to = SelectMultipleField("Who did you speak to?", choices=[])
    overall = RadioField(
        "Overall judgement", choices=[(j.value, j.value.capitalize()) for j in OverallJudgement]
    )
    summary = TextAreaField(
        "Summary",
        description="What the provider should know from the visit; it goes into the report.",
    )
    marking = RadioField(
        "Sharing marking",
        choices=[(m.value, m.label) for m in MONITORING_MARKINGS],
        default=Marking.AMBER.value,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spoke_to.choices = list(labels("visit_contacts").items())

    @property
    def marking_hints(self) -> dict[str, str]:
        """Who will be able to read a visit with each marking."""
        return {m.value: MARKING_AUDIENCE[m] for m in MONITORING_MARKINGS}

    def finding_fields(self) -> list[tuple[Any, Field, Field, Field, Field]]:
        """(principle, result, evidence, likelihood, impact) fields, in the taxonomy's order."""
        return [
            (
                p,
                self[f"{p.code}-result"],
                self[f"{p.code}-evidence"],
                self[f"{p.code}-likelihood"],
                self[f"{p.code}-impact"],
            )
            for p in principles()
        ]

    def submitted_data(self, provider_id: int) -> dict[str, Any]:
        """The typed values in the shape validate_visit reads (the API's shape)."""
        return {
            "provider_id": provider_id,
            "visited_on": {
                "day": self.visited_day.data or "",
                "month": self.visited_month.data or "",
                "year": self.visited_year.data or "",
            },
            "visit_type": self.visit_type.data,
            "spoke_to": self.spoke_to.data or [],
            "overall": self.overall.data,
            "summary": self.summary.data,
            "marking": self.marking.data,
            "findings": {
                p.code: {
                    "result": result.data,
                    "evidence": evidence.data,
                    "likelihood": likelihood.data,
                    "impact": impact.data,
                }
                for p, result, evidence, likelihood, impact in self.finding_fields()
            },
        }

    def field_for_error(self, key: str) -> Field | None:
        """A finding's message on its box, the date's and provider's on the day box, and a
        message no field shows on the summary."""
        name = {"visited_on": "visited_day", "provider_id": "visited_day"}.get(key, key)
        if name.startswith("findings."):
            parts = name.split(".")
            name = f"{parts[1]}-{parts[2]}" if len(parts) > 2 else f"{parts[1]}-result"
        return self._fields.get(name) or self._fields.get("summary")


def _named(words: str, principle: Principle) -> Markup:
    """A label that shows its words alone (the principle is named once, by its details block's
    summary) and gives screen readers the principle too."""
    return Markup('{}<span class="govuk-visually-hidden"> ({})</span>').format(
        words, principle.label.lower()
    )


def _add_finding_fields() -> None:
    """One result, evidence, likelihood and impact field per principle of care."""
    results = [(r.value, r.value.capitalize()) for r in FindingResult]
    for principle in principles():
        setattr(
            VisitForm,
            f"{principle.code}-result",
            RadioField(
                _named("Finding", principle),
                choices=results,
                default=FindingResult.NOT_SEEN.value,
            ),
        )
        setattr(
            VisitForm,
            f"{principle.code}-evidence",
            TextAreaField(_named("Evidence", principle)),
        )
        setattr(
            VisitForm,
            f"{principle.code}-likelihood",
            SelectField(
                _named("Likelihood, if not met", principle),
                choices=_graded("likelihood"),
                default=str(principle.likelihood),
            ),
        )
        setattr(
            VisitForm,
            f"{principle.code}-impact",
            SelectField(
                _named("Impact, if not met", principle),
                choices=_graded("impact"),
                default=str(principle.impact),
            ),
        )


_add_finding_fields()

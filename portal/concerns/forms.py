"""The forms of the concerns and embargo pages: they render and carry the CSRF token.

They hold no validators: the services (portal.concerns.process, embargoes and notices)
check the input in one place, and their messages are put back on the fields here
(``show_errors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from portal.concerns.process import NOTE_AUDIENCE
from portal.forms import ServiceCheckedForm

#: Each date is typed into three boxes; the day's box carries the date's id and messages.
DATE_FIELDS = ("occurred_on", "starts_on", "ends_on", "lifted_on", "notified_on")


def _date_parts(form: FlaskForm, name: str) -> dict[str, str]:
    return {
        part: str(getattr(form, f"{name}_{part}").data or "") for part in ("day", "month", "year")
    }


class ConcernsForm(ServiceCheckedForm):
    """The shared behaviour: the service's input shape, and its messages shown on fields."""

    def as_data(self) -> dict[str, Any]:
        """The submitted values in the shape the services read (dates as their three parts)."""
        data: dict[str, Any] = {}
        for name in DATE_FIELDS:
            if hasattr(self, f"{name}_day"):
                data[name] = _date_parts(self, name)
        for field in self:
            if field.type in ("CSRFTokenField",) or field.name.endswith(
                ("_day", "_month", "_year")
            ):
                continue
            data[field.name] = field.data
        return data


def _date(label: str, name: str) -> tuple[StringField, StringField, StringField]:
    return (
        StringField("Day", id=name),
        StringField("Month", id=f"{name}-month"),
        StringField("Year", id=f"{name}-year"),
    )


class StartConcernForm(ConcernsForm):
    """Start the provider concerns process: the decision to initiate."""

    summary = TextAreaField(
        "Summary of the concern",
        description="What the pattern of concern is, in a sentence or two. " + NOTE_AUDIENCE,
    )
    occurred_on_day, occurred_on_month, occurred_on_year = _date("Date", "occurred_on")
    decision_id = RadioField(
        "Meeting decision it was started from", choices=[], validate_choice=False
    )
    meeting_id = SelectField("Meeting where it was decided", choices=[], validate_choice=False)
    note = TextAreaField("Note", description=NOTE_AUDIENCE)

    def set_choices(
        self, meetings: Sequence[tuple[str, str]], decisions: Sequence[tuple[str, str]]
    ) -> None:
        """The meetings and decisions the chair may link."""
        self.meeting_id.choices = [("", "No meeting"), *meetings]
        self.decision_id.choices = [("", "Not started from a decision"), *decisions]


class StageForm(ConcernsForm):
    """Record the next stage of a provider concern."""

    after = HiddenField()
    stage = RadioField("Stage reached", choices=[], validate_choice=False)
    occurred_on_day, occurred_on_month, occurred_on_year = _date("Date", "occurred_on")
    meeting_id = SelectField("Meeting", choices=[], validate_choice=False)
    note = TextAreaField("Note", description=NOTE_AUDIENCE)
    outcome = TextAreaField(
        "Outcome",
        description="Only for closure: what the process concluded, for example that routine "
        "contract monitoring resumes. " + NOTE_AUDIENCE,
    )

    def set_choices(
        self, stages: Sequence[tuple[str, str]], meetings: Sequence[tuple[str, str]]
    ) -> None:
        """The stages that may come next, and the meetings the chair may link."""
        self.stage.choices = list(stages)
        self.meeting_id.choices = [("", "No meeting"), *meetings]


class EmbargoForm(ConcernsForm):
    """Place an embargo on new placements."""

    starts_on_day, starts_on_month, starts_on_year = _date("Start date", "starts_on")
    ends_on_day, ends_on_month, ends_on_year = _date("Planned end date", "ends_on")
    reason = TextAreaField(
        "Reason",
        description="It is printed on the notice to other boroughs. " + NOTE_AUDIENCE,
    )
    notice_contacts = TextAreaField(
        "E-mail addresses of the boroughs' contacts (optional)",
        description="The notice (PDF) is e-mailed to each now, and again when the embargo is "
        "lifted. One a line.",
    )


class LiftForm(ConcernsForm):
    """Lift an embargo."""

    lifted_on_day, lifted_on_month, lifted_on_year = _date("Date lifted", "lifted_on")
    reason = TextAreaField("Why is it lifted?", description=NOTE_AUDIENCE)


class NoticesForm(ConcernsForm):
    """Record the boroughs told of an embargo, or of its lifting."""

    subject = RadioField(
        "What were they told?",
        choices=[("embargo", "Of the embargo"), ("lifting", "That the embargo is lifted")],
        default="embargo",
        validate_choice=False,
    )
    boroughs = SelectMultipleField(
        "London boroughs told",
        choices=[],
        validate_choice=False,
    )
    others = TextAreaField(
        "Other authorities told",
        description="For example Surrey County Council. One a line.",
    )
    notified_on_day, notified_on_month, notified_on_year = _date("Date told", "notified_on")

    def set_choices(self, boroughs: Sequence[str]) -> None:
        """The London boroughs."""
        self.boroughs.choices = [(b, b) for b in boroughs]

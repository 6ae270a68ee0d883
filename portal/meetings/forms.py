"""The meeting pages' forms (Flask-WTF, so each carries its CSRF token)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from portal.forms import ServiceCheckedForm
from portal.inputs import parse_id
from portal.intelligence.validation import parse_date
from portal.models import ActionStatus, Agency

REASON = [
    DataRequired("Enter the reason"),
    Length(max=2000, message="Use 2,000 characters or fewer"),
]


class DateParts:
    """Mixin: a GOV.UK date input of three boxes, read into a date with clear messages."""

    day: StringField
    month: StringField
    year: StringField

    def date_value(self, label: str, required: bool) -> date | None:
        """The date typed, or None with the message put on the day box."""
        errors: dict[str, str] = {}
        parts = {"day": self.day.data, "month": self.month.data, "year": self.year.data}
        value = parse_date(parts, "date", label, errors, required=required)
        if errors:
            self.day.errors = [*self.day.errors, errors["date"]]
        return value


class MeetingForm(FlaskForm, DateParts):
    """A new meeting: date, title, location and the agencies invited."""

    day = StringField("Day", id="held_on")
    month = StringField("Month", id="held_on-month")
    year = StringField("Year", id="held_on-year")
    title = StringField(
        "Title", description="For example, “Joint Intelligence Group – December 2026”."
    )
    location = StringField("Location", description="A room, an address or “Microsoft Teams”.")
    agencies = SelectMultipleField("Agencies invited", choices=[], validate_choice=False)

    def set_agencies(self, agencies: list[Agency]) -> None:
        """Offer the active agencies."""
        self.agencies.choices = [(a.code, f"{a.name} ({a.code})") for a in agencies]


class AddProviderForm(FlaskForm):
    """Add a provider to the agenda, with the reason."""

    provider_id = HiddenField()
    reason = TextAreaField("Why should the group discuss this provider?", validators=REASON)


class RemoveProviderForm(FlaskForm):
    """Take a proposed provider off the agenda, with the reason."""

    reason = TextAreaField("Why is it coming off the agenda?", validators=REASON)


class MoveForm(FlaskForm):
    """Move a provider up or down the agenda (the button pressed says which)."""

    direction = HiddenField()


class AgendaListForm(ServiceCheckedForm):
    """The discussion list: a checkbox and an order box per provider, one reason for removal.

    Its buttons send it to save the order, to move the selected providers to the noting
    list, or to take them off the agenda with the reason. The order boxes are named
    ``position-<provider id>``; the services read and check them (portal.meetings.agenda).
    """

    provider_id = SelectMultipleField("Select", choices=[], validate_choice=False)
    reason = TextAreaField(
        "Why are the selected providers coming off the agenda?",
        description="One reason for every provider you selected; it is shown beside each.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Every message the service gave, by key (the order boxes' too), for the page.
        self.refused: dict[str, str] = {}

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Keep every message for the page, and put each on its field where it has one."""
        super().show_errors(errors)
        self.refused |= dict(errors)


class ListForm(FlaskForm):
    """Move one provider to the discussion or the noting list (the button says which)."""

    listed_for = HiddenField()


class PlainForm(FlaskForm):
    """A button that only needs its CSRF token: issue a pack, approve the minutes, restore."""


class IssuePackForm(ServiceCheckedForm):
    """Issue the next version: with the items' full texts in an appendix or not, and once the
    meeting is held the reason for the correction (portal.meetings.packs.checked_reason
    checks it)."""

    appendix = BooleanField("Include the items’ full texts in an appendix")
    reason = TextAreaField(
        "Why is a new version needed?",
        description="The meeting has been held, so this version is a correction. The reason is "
        "shown on its cover and in the meeting’s list of versions.",
    )


class AttendeeForm(FlaskForm):
    """Someone who attended, and the agency they attended for."""

    name = StringField(
        "Name",
        validators=[
            DataRequired("Enter the name of the person who attended"),
            Length(max=200, message="Use 200 characters or fewer"),
        ],
    )
    agency = SelectField("Agency", choices=[], validate_choice=False)


class DiscussionForm(FlaskForm):
    """The discussion note about a provider, and a decision."""

    notes = TextAreaField(
        "Discussion",
        description="What partners reported and said. Leave it as it is to add only a decision.",
        validators=[Length(max=20_000, message="Use 20,000 characters or fewer")],
    )
    decision = TextAreaField(
        "Add a decision",
        description="One decision the group took about this provider.",
        validators=[Length(max=5_000, message="Use 5,000 characters or fewer")],
    )


class ActionForm(FlaskForm, DateParts):
    """An action agreed at the meeting."""

    provider_id = SelectField("Provider", choices=[], validate_choice=False)
    description = TextAreaField(
        "Action",
        validators=[
            DataRequired("Enter what is to be done"),
            Length(max=5_000, message="Use 5,000 characters or fewer"),
        ],
    )
    owner = SelectField("Owner agency", choices=[], validate_choice=False)
    day = StringField("Day", id="due_on")
    month = StringField("Month", id="due_on-month")
    year = StringField("Year", id="due_on-year")


class ActionUpdateForm(FlaskForm):
    """An action's status, with a note when it is done or dropped."""

    status = RadioField(
        "Status",
        choices=[],
        validators=[InputRequired("Choose the action's status")],
        validate_choice=False,
    )
    note = TextAreaField(
        "Closing note",
        description="Required when the action is done or dropped: what was done, or why not.",
        validators=[Length(max=5_000, message="Use 5,000 characters or fewer")],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [(s.value, s.value.capitalize()) for s in ActionStatus]

    def checked_status(self) -> ActionStatus | None:
        """The status chosen, with messages put on the fields when it cannot be used."""
        try:
            status = ActionStatus(self.status.data)
        except ValueError:
            self.status.errors = [*self.status.errors, "Choose the action's status"]
            return None
        if status is not ActionStatus.OPEN and not (self.note.data or "").strip():
            self.note.errors = [*self.note.errors, "Enter a closing note"]
            return None
        return status


def choice_id(value: Any, allowed: set[int]) -> int | None:
    """An id chosen from a select, if it is one of those offered."""
    number = parse_id(value)
    return number if number in allowed else None

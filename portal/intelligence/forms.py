"""The forms of the intelligence pages: they render and carry the CSRF token.

They hold no validators on purpose: the form and the API check their input with
the one function, ``services.validate_item``, whose messages are put back on the
fields here (``show_errors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from portal.config import labels, taxonomy
from portal.forms import ServiceCheckedForm
from portal.intelligence.recipients import PeopleChoices
from portal.models import IntelligenceItem, KeyQuestion, Marking
from portal.policy import MARKING_AUDIENCE, MARKING_SHARING_RULE

#: Service keys whose message shows on a differently named field.
_FIELD_FOR_KEY = {"observed_on": "observed_day", "cqc_location_id": "provider_id"}


def _graded(section: str) -> list[tuple[str, str]]:
    """Radio choices "1", "A"... labelled with their meaning from the taxonomy."""
    return [(str(code), f"{code} – {meaning}") for code, meaning in taxonomy()[section].items()]


class ItemForm(ServiceCheckedForm):
    """An intelligence item: what was learnt, how it is graded and who may read it."""

    provider_id = HiddenField()
    observed_day = StringField("Day", id="observed_on")
    observed_month = StringField("Month", id="observed_on-month")
    observed_year = StringField("Year", id="observed_on-year")
    title = StringField(
        "Title", description="A short summary, for example “Night staffing below safe levels”."
    )
    body = TextAreaField(
        "What you learnt",
        description="What happened or what you were told, when and by whom. "
        "Do not include people’s names unless they are needed.",
    )
    key_question = RadioField("Which key question is it about?", choices=[])
    themes = SelectMultipleField("Themes", choices=[])
    likelihood = RadioField("How likely is it to happen again?", choices=[])
    impact = RadioField("How much harm could it cause?", choices=[])
    source_evaluation = RadioField("Source evaluation", choices=[])
    intelligence_assessment = RadioField("Intelligence assessment", choices=[])
    handling_code = RadioField("Handling code", choices=[])
    handling_conditions = TextAreaField(
        "Handling conditions",
        description="Required with handling code C: the conditions on sharing it further.",
    )
    marking = RadioField("Sharing marking", choices=[])
    recipients = SelectMultipleField(
        "Recipients",
        choices=[],
        description="The people who may read it, besides you, chosen by name; "
        "each is listed with their agency.",
    )
    attachments = MultipleFileField(
        "Attachments",
        description="PDF, Word, Excel, images (PNG, JPEG, GIF), text or CSV files and e-mails "
        "(.eml, .msg). You can choose several files.",
    )
    reason = TextAreaField(
        "Reason for the change",
        description="Shown in the item’s history beside this revision.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people: PeopleChoices = []
        self.key_question.choices = [(kq.value, kq.label) for kq in KeyQuestion]
        self.themes.choices = list(labels("themes").items())
        self.likelihood.choices = _graded("likelihood")
        self.impact.choices = _graded("impact")
        self.source_evaluation.choices = _graded("source_evaluation")
        self.intelligence_assessment.choices = _graded("intelligence_assessment")
        self.handling_code.choices = _graded("handling_code")
        self.marking.choices = [(m.value, m.label) for m in Marking]

    @property
    def marking_hints(self) -> dict[str, tuple[str, str]]:
        """Each marking's sharing rule for readers, and who the portal lets read it."""
        return {
            m.value: (
                MARKING_SHARING_RULE[m],
                f"Who can read it in the portal: {MARKING_AUDIENCE[m]}",
            )
            for m in Marking
        }

    def offer_people(self, people: PeopleChoices) -> None:
        """The people to choose recipients from, by agency (the select's groups)."""
        self.people = people
        self.recipients.choices = dict(people)

    def submitted_data(self) -> dict[str, Any]:
        """The typed values in the shape services.validate_item reads (the API's shape)."""
        return {
            "provider_id": self.provider_id.data,
            "observed_on": {
                "day": self.observed_day.data or "",
                "month": self.observed_month.data or "",
                "year": self.observed_year.data or "",
            },
            "title": self.title.data,
            "body": self.body.data,
            "key_question": self.key_question.data,
            "themes": self.themes.data or [],
            "likelihood": self.likelihood.data,
            "impact": self.impact.data,
            "source_evaluation": self.source_evaluation.data,
            "intelligence_assessment": self.intelligence_assessment.data,
            "handling_code": self.handling_code.data,
            "handling_conditions": self.handling_conditions.data,
            "marking": self.marking.data,
            "recipient_ids": self.recipients.data or [],
        }

    def field_for_error(self, key: str) -> Field | None:
        """The field that shows the message for a service key."""
        return super().field_for_error(_FIELD_FOR_KEY.get(key, key))

    def fill_from(self, item: IntelligenceItem) -> None:
        """Pre-fill the form with the item as it stands (for editing)."""
        self.provider_id.data = str(item.provider_id)
        self.observed_day.data = str(item.observed_on.day)
        self.observed_month.data = str(item.observed_on.month)
        self.observed_year.data = str(item.observed_on.year)
        self.title.data = item.title
        self.body.data = item.body
        self.key_question.data = str(item.key_question)
        self.themes.data = item.theme_codes
        self.likelihood.data = str(item.likelihood)
        self.impact.data = str(item.impact)
        self.source_evaluation.data = str(item.source_evaluation)
        self.intelligence_assessment.data = str(item.intelligence_assessment)
        self.handling_code.data = str(item.handling_code)
        self.handling_conditions.data = item.handling_conditions
        self.marking.data = str(item.marking)
        self.recipients.data = [str(uid) for uid in sorted(item.recipient_ids)]


class WithdrawForm(FlaskForm):
    """Why an item is being withdrawn."""

    reason = TextAreaField(
        "Why are you withdrawing it?",
        description="For example: logged against the wrong provider, or found to be untrue.",
    )


class ListFilterForm(ServiceCheckedForm):
    """The filters of the intelligence lists (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    provider = StringField("Provider", description="Name, CQC location ID or postcode")
    key_question = SelectField("Key question", choices=[])
    theme = SelectField("Theme", choices=[])
    marking = SelectField("Marking", choices=[])
    agency = SelectField("Agency", choices=[])
    from_day = StringField("Day", id="from")
    from_month = StringField("Month", id="from-month")
    from_year = StringField("Year", id="from-year")
    to_day = StringField("Day", id="to")
    to_month = StringField("Month", id="to-month")
    to_year = StringField("Year", id="to-year")

    def __init__(self, *args: Any, agencies: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_question.choices = [("", "Any")] + [(kq.value, kq.label) for kq in KeyQuestion]
        self.theme.choices = [("", "Any"), *labels("themes").items()]
        self.marking.choices = [("", "Any")] + [(m.value, m.label) for m in Marking]
        self.agency.choices = [("", "Any"), *agencies]

"""Forms of the provider register: list filters, a provider's details, a CQC file upload."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.config import labels
from portal.models import Rating
from portal.postcodes import InvalidPostcode, parse_postcode
from portal.providers.names import cqc_id
from portal.providers.search import MAX_QUERY_LENGTH


class ProviderFilterForm(FlaskForm):
    """The list's filters: a GET form, so no CSRF token and every filter is in the URL."""

    class Meta:
        csrf = False

    q = StringField(
        "Name, CQC ID or postcode",
        description="For example St George’s, 1-1234567890, SW19 2HL or SW19",
        validators=[Optional(), Length(max=MAX_QUERY_LENGTH)],
    )
    local_authority = SelectField("Local authority", choices=[], validate_choice=False)
    service_type = SelectField("Service type", choices=[], validate_choice=False)
    rating = SelectField("CQC overall rating", choices=[], validate_choice=False)
    open_concern = BooleanField("Has an open provider concern", false_values=("", "n", "no"))
    active_embargo = BooleanField("Has an active embargo", false_values=("", "n", "no"))

    def set_choices(self, local_authorities: list[str]) -> None:
        """Fill the select boxes; an unknown value in the URL is treated as no filter."""
        self.local_authority.choices = [("", "Any")] + [(la, la) for la in local_authorities]
        self.service_type.choices = [("", "Any"), *labels("service_types").items()]
        self.rating.choices = [
            ("", "Any"),
            *[(r.value, r.value) for r in Rating],
            ("none", "Not rated"),
        ]
        for select in (self.local_authority, self.service_type, self.rating):
            if select.data not in {choice[0] for choice in select.choices or []}:
                select.data = ""


class MultiCheckboxField(SelectMultipleField):
    """Several choices as GOV.UK checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


Validator = Callable[[FlaskForm, StringField], None]


def _cqc_identifier(message: str) -> Validator:
    def check(form: FlaskForm, field: StringField) -> None:
        if field.data and cqc_id(field.data) is None:
            raise ValidationError(message)

    return check


def _full_postcode(form: FlaskForm, field: StringField) -> None:
    if not field.data:
        return
    try:
        postcode = parse_postcode(field.data)
    except InvalidPostcode as invalid:
        raise ValidationError(invalid.message) from None
    if postcode.level != "unit":
        raise ValidationError("Enter the full postcode, like SW19 2HL")


def _coordinate(name: str, limit: int) -> Validator:
    def check(form: FlaskForm, field: StringField) -> None:
        if not field.data:
            return
        try:
            value = float(field.data)
        except ValueError:
            raise ValidationError(f"{name} must be a number, like {limit / 3:.4f}") from None
        if not -limit <= value <= limit:
            raise ValidationError(f"{name} must be between -{limit} and {limit}")

    return check


class ProviderForm(FlaskForm):
    """A provider's details, as administrators create and edit them."""

    name = StringField(
        "Name",
        validators=[InputRequired("Enter the provider’s name"), Length(max=300)],
    )
    cqc_location_id = StringField(
        "CQC location ID",
        description="1- followed by digits, like 1-1234567890. Leave blank if not registered.",
        validators=[
            Optional(),
            Length(max=20),
            _cqc_identifier("Enter a CQC location ID in the right format, like 1-1234567890"),
        ],
    )
    cqc_provider_id = StringField(
        "CQC provider ID",
        description="The organisation running it, like 1-101234567",
        validators=[
            Optional(),
            Length(max=20),
            _cqc_identifier("Enter a CQC provider ID in the right format, like 1-101234567"),
        ],
    )
    provider_name = StringField("Organisation name", validators=[Optional(), Length(max=300)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])
    postcode = StringField("Postcode", validators=[Optional(), _full_postcode])
    local_authority = StringField("Local authority", validators=[Optional(), Length(max=100)])
    region = StringField("Region", validators=[Optional(), Length(max=100)])
    latitude = StringField(
        "Latitude",
        description="Decimal degrees, like 51.4183",
        validators=[Optional(), _coordinate("Latitude", 90)],
    )
    longitude = StringField(
        "Longitude",
        description="Decimal degrees, like -0.1970",
        validators=[Optional(), _coordinate("Longitude", 180)],
    )
    service_types = MultiCheckboxField("Service types", choices=[], validate_choice=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service_types.choices = list(labels("service_types").items())

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Check each field, then that latitude and longitude come together or not at all."""
        valid = super().validate(extra_validators)
        if bool(self.latitude.data) != bool(self.longitude.data):
            missing = self.longitude if self.latitude.data else self.latitude
            if not missing.errors:
                missing.errors = [*missing.errors, "Enter both latitude and longitude, or neither"]
            return False
        return valid


class ImportForm(FlaskForm):
    """A CQC location file to import."""

    file = FileField(
        "CQC locations file (CSV)",
        description=(
            "The care directory with filters, the weekly care directory or the latest "
            "ratings file, saved as CSV"
        ),
        validators=[FileRequired("Choose a CSV file to import")],
    )

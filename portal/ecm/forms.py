"""The ECM upload form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField

from portal.ecm.services import MARKING_CHOICES, mapping_choices
from portal.models import Marking


class EcmImportForm(FlaskForm):
    """A visit log to import, its layout and its marking."""

    file = FileField(
        "Visit log (CSV)",
        description="An export of planned and actual care visits, saved as CSV",
        validators=[FileRequired("Choose a CSV file to import")],
    )
    mapping = RadioField("Layout of the file", choices=[], default="portal")
    marking = RadioField("Marking", choices=MARKING_CHOICES, default=Marking.AMBER.value)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.mapping.choices = mapping_choices()

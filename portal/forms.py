"""What the portal's forms share: a service checks the input, the form shows its messages.

The forms hold no validators of their own; a service answers one message per bad field
(field key to message), and ``show_errors`` puts each beside the field it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import Field


class ServiceCheckedForm(FlaskForm):
    """A form whose input a service checks, and which shows the service's messages."""

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Put each message on the field it belongs to (a field shows every message it is given)."""
        for key, message in errors.items():
            field = self.field_for_error(key)
            if field is not None:
                field.errors = [*field.errors, message]

    def field_for_error(self, key: str) -> Field | None:
        """The field that shows a key's message: a date's day box, else the field so named."""
        day = self._fields.get(f"{key}_day")
        return day if day is not None else self._fields.get(key)

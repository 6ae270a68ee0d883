"""The e-mail preferences form: one choice per kind of message a person can receive."""

from __future__ import annotations

from collections.abc import Mapping

from wtforms import RadioField

from portal.forms import ServiceCheckedForm
from portal.mail.preferences import CHOICE_LABELS
from portal.models import CHOSEN_KINDS, MailChoice, MailKind


def field_name(kind: MailKind) -> str:
    """The form field of a kind: pack-issued -> pack_issued."""
    return kind.value.replace("-", "_")


def _choice(kind: MailKind) -> RadioField:
    return RadioField(
        CHOSEN_KINDS[kind],
        choices=[(c.value, label) for c, label in CHOICE_LABELS.items()],
        validate_choice=False,
    )


class MailPreferencesForm(ServiceCheckedForm):
    """How each kind of message reaches me (the service checks the values)."""

    pack_issued = _choice(MailKind.PACK_ISSUED)
    action_given = _choice(MailKind.ACTION_GIVEN)
    action_overdue = _choice(MailKind.ACTION_OVERDUE)
    red_recipient = _choice(MailKind.RED_RECIPIENT)

    def fill(self, choices: Mapping[MailKind, MailChoice]) -> None:
        """Show the person's current choices (on a page that was not posted)."""
        for kind, choice in choices.items():
            self[field_name(kind)].data = choice.value

    def as_data(self, kinds: list[MailKind]) -> dict[str, object]:
        """The posted choices keyed by kind, for the kinds the person can receive."""
        return {kind.value: self[field_name(kind)].data for kind in kinds}

    def show_kind_errors(self, errors: Mapping[str, str]) -> None:
        """The service's messages (keyed by kind) on their fields."""
        self.show_errors({key.replace("-", "_"): message for key, message in errors.items()})

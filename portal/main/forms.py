"""The dashboard's heatmap filters: a GET form, so every choice is in the URL."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField

from portal.config import labels

#: The periods, in months, the key question heatmap and the matrix can cover.
PERIOD_MONTHS = (1, 3, 6, 12)


def period_label(months: int) -> str:
    """ "Last month", "Last 3 months"."""
    return "Last month" if months == 1 else f"Last {months} months"


class DashboardFilterForm(FlaskForm):
    """Local authority, service type and period for the heatmaps (no CSRF: it only reads)."""

    class Meta:
        csrf = False

    local_authority = SelectField("Local authority", choices=[], validate_choice=False)
    service_type = SelectField("Service type", choices=[], validate_choice=False)
    period = SelectField(
        "Period",
        choices=[],
        validate_choice=False,
        description="For the key question heatmap and the likelihood and impact matrix",
    )

    def set_choices(self, local_authorities: list[str], window_months: int) -> None:
        """Fill the select boxes; a value not on the list is read as no filter."""
        self.local_authority.choices = [("", "Any")] + [(la, la) for la in local_authorities]
        self.service_type.choices = [("", "Any"), *labels("service_types").items()]
        periods = sorted({*PERIOD_MONTHS, window_months})
        self.period.choices = [(str(n), period_label(n)) for n in periods]
        for select in (self.local_authority, self.service_type):
            if select.data not in {choice[0] for choice in select.choices or []}:
                select.data = ""
        if self.period.data not in {choice[0] for choice in self.period.choices or []}:
            self.period.data = str(window_months)

    @property
    def months(self) -> int:
        """The period chosen, in months (after set_choices)."""
        return int(self.period.data)

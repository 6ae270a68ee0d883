"""The dashboard: what members and chairs (and viewers, read-only) see on the home page.

Providers of highest current risk with their trend, new intelligence since the last visit,
the agency's open actions, open provider concerns, active embargoes and the three heatmaps.
Scores and counts come from portal.risk, so only what the user may read feeds them. The page
costs a fixed number of queries whatever the data, and hands the template everything loaded
(templates never query).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from portal import heatmap as heatmaps
from portal.concerns.embargoes import embargoed_among
from portal.config import labels
from portal.main.forms import DashboardFilterForm, period_label
from portal.main.worklists import (
    ActionRow,
    ConcernRow,
    EmbargoRow,
    MinutesDueRow,
    active_embargoes,
    minutes_due,
    new_items_for,
    new_since,
    open_actions,
    open_concerns,
    provider_url,
)
from portal.models import IntelligenceItem, User
from portal.policy import Reader, can_see_dashboard
from portal.providers.services import local_authorities
from portal.risk import (
    EXPLANATION,
    MONTH_EXPLANATION,
    WINDOW_EXPLANATION,
    ProviderRisk,
    RiskFilters,
    Trend,
    current_risks,
    end_of_previous_month,
    highest_risk_providers,
    last_months,
    matrix_counts,
    month_bounds,
    provider_key_question_scores,
    provider_month_scores,
    risk_trend,
    window_months,
    window_start,
)
from portal.templating import optional_url

TOP_RISKS = 10
HEATMAP_ROWS = 20


def shows_dashboard(user: Reader) -> bool:
    """Whether the home page is the dashboard for this user (as the policy decides)."""
    return can_see_dashboard(user)


@dataclass(frozen=True)
class RiskRow:
    """A provider of highest current risk, with its trend against last month."""

    name: str
    url: str | None
    risk: ProviderRisk
    previous: ProviderRisk | None
    trend: Trend
    embargoed: bool = False


@dataclass
class Dashboard:
    """Everything the dashboard shows, loaded."""

    today: date
    window_months: int
    top_risks: list[RiskRow]
    new_since: datetime
    new_since_last_visit: bool
    new_items: list[IntelligenceItem]
    new_items_total: int
    actions: list[ActionRow]
    actions_total: int
    concerns: list[ConcernRow]
    embargoes: list[EmbargoRow]
    filters: RiskFilters
    period: str
    months_heatmap: heatmaps.Heatmap
    key_question_heatmap: heatmaps.Heatmap
    matrix: heatmaps.Heatmap
    items_url: str | None
    heatmap_rows: int = HEATMAP_ROWS
    #: Held meetings the user runs whose minutes wait for approval (chairs only).
    minutes_due: list[MinutesDueRow] = field(default_factory=list)

    @property
    def explanations(self) -> list[str]:
        """How scores are worked out, in the words chairs use to explain them."""
        return [
            EXPLANATION,
            WINDOW_EXPLANATION.format(months=self.window_months),
            MONTH_EXPLANATION,
        ]

    @property
    def filtered(self) -> bool:
        """Whether the heatmaps are narrowed to a local authority or service type."""
        return bool(self.filters.local_authority or self.filters.service_type)

    @property
    def filter_description(self) -> str:
        """The heatmaps' filters in words: "Showing providers in Merton registered for ..."."""
        words = "Showing providers"
        if self.filters.local_authority:
            words += f" in {self.filters.local_authority}"
        if self.filters.service_type:
            service = labels("service_types").get(self.filters.service_type, "")
            words += f" registered for: {service}"
        return words + "."


def dashboard(user: User, form: DashboardFilterForm, today: date) -> Dashboard:
    """The dashboard for this user on this day, filtered as the form says (fixed queries)."""
    months = window_months()
    form.set_choices(local_authorities(), months)
    filters = RiskFilters(
        local_authority=form.local_authority.data or "",
        service_type=form.service_type.data or "",
    )
    period_start = window_start(today, form.months)
    period = f"{period_label(form.months).lower()} ({heatmaps.period_text(period_start, today)})"
    since, since_last_visit = new_since(user, today)
    new_items, new_total = new_items_for(user, since)
    actions, actions_total = open_actions(user, today)
    return Dashboard(
        today=today,
        window_months=months,
        top_risks=top_risks(user, today, months),
        new_since=since,
        new_since_last_visit=since_last_visit,
        new_items=new_items,
        new_items_total=new_total,
        actions=actions,
        actions_total=actions_total,
        concerns=open_concerns(today),
        embargoes=active_embargoes(today),
        filters=filters,
        period=period,
        months_heatmap=months_heatmap(user, filters, today),
        key_question_heatmap=key_question_heatmap(user, filters, period_start, today, period),
        matrix=heatmaps.matrix_heatmap(
            "heatmap-matrix", matrix_counts(user, filters, period_start, today), period
        ),
        items_url=optional_url("intelligence.list_items"),
        minutes_due=minutes_due(user, today),
    )


def top_risks(user: Reader, today: date, months: int) -> list[RiskRow]:
    """The providers of highest current risk, with current risk at the end of last month."""
    ranked = highest_risk_providers(
        user, RiskFilters(), window_start(today, months), today, TOP_RISKS
    )
    before = current_risks(user, [p.id for p in ranked], end_of_previous_month(today), months)
    embargoed = embargoed_among([p.id for p in ranked], today)
    return [
        RiskRow(
            name=p.name,
            url=provider_url(p.id),
            risk=p.risk,
            previous=before.get(p.id),
            trend=risk_trend(p.risk, before.get(p.id)),
            embargoed=p.id in embargoed,
        )
        for p in ranked
    ]


def months_heatmap(user: Reader, filters: RiskFilters, today: date) -> heatmaps.Heatmap:
    """Providers of highest score over the last 12 months x those months (two queries)."""
    months = last_months(today, 12)
    start = month_bounds(months[0])[0]
    ranked = highest_risk_providers(user, filters, start, today, HEATMAP_ROWS)
    scores = provider_month_scores(user, [p.id for p in ranked], months)
    return heatmaps.month_heatmap(
        "heatmap-months", [(p.id, p.name) for p in ranked], months, scores, provider_url
    )


def key_question_heatmap(
    user: Reader, filters: RiskFilters, start: date, today: date, period: str
) -> heatmaps.Heatmap:
    """Providers of highest score in the period x the five key questions (two queries)."""
    ranked = highest_risk_providers(user, filters, start, today, HEATMAP_ROWS)
    scores = provider_key_question_scores(user, [p.id for p in ranked], start, today)
    return heatmaps.key_question_heatmap(
        "heatmap-key-questions", [(p.id, p.name) for p in ranked], scores, period, provider_url
    )

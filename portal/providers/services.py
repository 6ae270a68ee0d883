"""The provider register's pages and API answers: lists of providers, and one provider.

Each function runs a fixed number of queries whatever the number of providers or items, and
returns everything its template shows already loaded (templates never query).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from portal.config import labels
from portal.ecm.chart import CareMonitoringFigure, care_monitoring_figure
from portal.ecm.measures import MonthMeasures, care_monitoring, thresholds
from portal.extensions import db
from portal.models import (
    Embargo,
    IntelligenceItem,
    KeyQuestion,
    Provider,
    ProviderConcern,
    ProviderConcernStage,
    ProviderRating,
    Rating,
    RatingDomain,
)
from portal.paging import clamp_page, page_count, page_offset
from portal.policy import Reader, readable_items_clause
from portal.postcodes import Postcode
from portal.providers.search import (
    Distance,
    Kind,
    clean_query,
    load_providers,
    match_providers,
    postcode_matches,
)
from portal.risk import WINDOW_EXPLANATION, ProviderRisk, current_risks, window_months
from portal.visits.services import ProviderVisits, provider_visits

DISTANCE_NOTE = (
    "Distances are approximate: where a provider's exact location is not known, they are "
    "measured from the centre of its postcode district (or of the district searched for)."
)


# --- the list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderFilters:
    """What the list is narrowed by; blank means no filter."""

    q: str = ""
    local_authority: str = ""
    service_type: str = ""
    rating: str = ""
    open_concern: bool = False
    active_embargo: bool = False

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any(
            (
                self.q,
                self.local_authority,
                self.service_type,
                self.rating,
                self.open_concern,
                self.active_embargo,
            )
        )

    def query_args(self) -> dict[str, Any]:
        """The filters as URL arguments, for paging links."""
        args = {
            "q": self.q,
            "local_authority": self.local_authority,
            "service_type": self.service_type,
            "rating": self.rating,
            "open_concern": "y" if self.open_concern else "",
            "active_embargo": "y" if self.active_embargo else "",
        }
        return {key: value for key, value in args.items() if value}


def open_concern_exists(today: date) -> sa.ColumnElement[bool]:
    """SQL: the provider has a provider concern open today (ProviderConcern.open_on)."""
    return (
        sa.select(ProviderConcern.id)
        .where(ProviderConcern.provider_id == Provider.id, ProviderConcern.open_on(today))
        .exists()
    )


def active_embargo_exists(today: date) -> sa.ColumnElement[bool]:
    """SQL: the provider has an embargo in force today (Embargo.in_force_on: not lifted)."""
    return (
        sa.select(Embargo.id)
        .where(Embargo.provider_id == Provider.id, Embargo.in_force_on(today))
        .exists()
    )


def filter_conditions(filters: ProviderFilters, today: date) -> list[sa.ColumnElement[bool]]:
    """SQL conditions on Provider for the filters other than the search text."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.local_authority:
        conditions.append(Provider.local_authority == filters.local_authority)
    if filters.service_type:
        conditions.append(Provider.registered_for(filters.service_type))
    if filters.rating:
        overall = sa.select(ProviderRating.id).where(
            ProviderRating.provider_id == Provider.id,
            ProviderRating.domain == RatingDomain.OVERALL,
        )
        if filters.rating == "none":
            conditions.append(~overall.exists())
        elif filters.rating in {r.value for r in Rating}:
            conditions.append(overall.where(ProviderRating.rating == filters.rating).exists())
    if filters.open_concern:
        conditions.append(open_concern_exists(today))
    if filters.active_embargo:
        conditions.append(active_embargo_exists(today))
    return conditions


def local_authorities() -> list[str]:
    """The local authorities providers are in, for the filter (one query)."""
    return list(
        db.session.scalars(
            sa.select(Provider.local_authority)
            .where(Provider.local_authority.is_not(None), Provider.local_authority != "")
            .distinct()
            .order_by(Provider.local_authority)
        )
    )


@dataclass(frozen=True)
class ProviderRow:
    """One provider as the list shows it."""

    provider: Provider
    distance: Distance | None
    risk: ProviderRisk | None
    open_concern: bool
    active_embargo: bool


@dataclass
class ProviderList:
    """One page of the provider list."""

    rows: list[ProviderRow]
    total: int
    page: int
    per_page: int
    kind: str
    message: str | None = None
    postcode: str | None = None

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return page_count(self.total, self.per_page)

    @property
    def shows_distance(self) -> bool:
        """Whether any row has a distance (a postcode search)."""
        return any(row.distance for row in self.rows)


@dataclass
class FoundProviders:
    """One page of the providers a search found, in order, with what paging needs."""

    providers: list[Provider]
    distances: dict[int, Distance]
    total: int
    page: int
    per_page: int
    kind: Kind
    message: str | None = None
    postcode: Postcode | None = None


def find_provider_page(
    text: str,
    page: int,
    per_page: int,
    *,
    conditions: Sequence[sa.ColumnElement[bool]] = (),
    postcode: Postcode | None = None,
    clamp: bool = True,
) -> FoundProviders:
    """A page of providers: by relevance, nearest the postcode, or else by name (fixed queries).

    With ``postcode``, the providers there nearest first, narrowed to those the text also
    matches. ``clamp`` brings a page past the last back to the last; without it such a page
    is empty.
    """
    if postcode is not None:
        matches = postcode_matches(postcode, conditions)
        if clean_query(text):
            wanted = set(match_providers(text, conditions).ids)
            matches.ids = [i for i in matches.ids if i in wanted]
    else:
        matches = match_providers(text, conditions)
    if matches.kind == "all":
        total = int(
            db.session.scalar(sa.select(sa.func.count(Provider.id)).where(*conditions)) or 0
        )
        if clamp:
            page = clamp_page(page, total, per_page)
        ids = list(
            db.session.scalars(
                sa.select(Provider.id)
                .where(*conditions)
                .order_by(Provider.name_key, Provider.id)
                .limit(per_page)
                .offset(page_offset(page, per_page))
            )
        )
    else:
        total = len(matches.ids)
        if clamp:
            page = clamp_page(page, total, per_page)
        start = page_offset(page, per_page)
        ids = matches.ids[start : start + per_page]
    return FoundProviders(
        providers=load_providers(ids),
        distances=matches.distances,
        total=total,
        page=page,
        per_page=per_page,
        kind=matches.kind,
        message=matches.message,
        postcode=matches.postcode,
    )


def provider_list(
    user: Reader, filters: ProviderFilters, page: int, per_page: int, today: date
) -> ProviderList:
    """A page of providers matching the filters, each with risk, concern and embargo."""
    found = find_provider_page(
        filters.q, page, per_page, conditions=filter_conditions(filters, today)
    )
    return ProviderList(
        rows=provider_rows(user, found.providers, found.distances, today),
        total=found.total,
        page=found.page,
        per_page=per_page,
        kind=found.kind,
        message=found.message,
        postcode=str(found.postcode) if found.postcode else None,
    )


def provider_rows(
    user: Reader, providers: Sequence[Provider], distances: dict[int, Distance], today: date
) -> list[ProviderRow]:
    """These providers, in order, with risk, concern and embargo (fixed queries)."""
    if not providers:
        return []
    ids = [p.id for p in providers]
    risks = current_risks(user, ids, today, window_months())
    concerns = set(
        db.session.scalars(
            sa.select(ProviderConcern.provider_id).where(
                ProviderConcern.provider_id.in_(ids), ProviderConcern.open_on(today)
            )
        )
    )
    embargoed = set(
        db.session.scalars(
            sa.select(Embargo.provider_id).where(
                Embargo.provider_id.in_(ids), Embargo.in_force_on(today)
            )
        )
    )
    return [
        ProviderRow(
            provider=p,
            distance=distances.get(p.id),
            risk=risks.get(p.id),
            open_concern=p.id in concerns,
            active_embargo=p.id in embargoed,
        )
        for p in providers
    ]


# --- one provider --------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingLine:
    """A CQC rating as the provider page lists it."""

    label: str
    rating: str | None
    published_on: date | None


@dataclass
class ProviderPage:
    """Everything the provider page shows, loaded."""

    provider: Provider
    ratings: list[RatingLine]
    concern: ProviderConcern | None
    concern_stage: str | None
    embargo: Embargo | None
    risk: ProviderRisk | None
    risk_explanation: str
    timeline: list[IntelligenceItem] = field(default_factory=list)
    service_types: list[str] = field(default_factory=list)
    care_monitoring: CareMonitoringFigure | None = None
    visits: ProviderVisits | None = None


def rating_lines(provider: Provider) -> list[RatingLine]:
    """Overall, then the five key questions, each with its rating and date (or none)."""
    lines = []
    for domain in RatingDomain:
        rating = provider.rating_for(domain)
        label = "Overall" if domain is RatingDomain.OVERALL else KeyQuestion(domain.value).label
        lines.append(
            RatingLine(
                label=label,
                rating=str(Rating(rating.rating)) if rating else None,
                published_on=rating.published_on if rating else None,
            )
        )
    return lines


def open_concern(provider_id: int, today: date) -> ProviderConcern | None:
    """The provider concern open today (ProviderConcern.open_on; the latest, should there be
    several)."""
    return db.session.scalar(
        sa.select(ProviderConcern)
        .where(ProviderConcern.provider_id == provider_id, ProviderConcern.open_on(today))
        .order_by(ProviderConcern.opened_at.desc(), ProviderConcern.id.desc())
        .limit(1)
    )


def active_embargo(provider_id: int, today: date) -> Embargo | None:
    """The embargo in force today (Embargo.in_force_on), if any (the latest to start)."""
    return db.session.scalar(
        sa.select(Embargo)
        .where(Embargo.provider_id == provider_id, Embargo.in_force_on(today))
        .order_by(Embargo.starts_on.desc(), Embargo.id.desc())
        .limit(1)
    )


def readable_timeline(user: Reader, provider_id: int) -> list[IntelligenceItem]:
    """The provider's intelligence this user may read, newest observed first (one query+)."""
    return list(
        db.session.scalars(
            sa.select(IntelligenceItem)
            .where(IntelligenceItem.provider_id == provider_id, readable_items_clause(user))
            .order_by(IntelligenceItem.observed_on.desc(), IntelligenceItem.id.desc())
        )
    )


def concern_stage_label(stage: ProviderConcernStage | None) -> str | None:
    """The label of a concern's stage, from the taxonomy."""
    if stage is None:
        return None
    return labels("concern_stages").get(str(stage.stage), str(stage.stage))


@dataclass
class ProviderDetail:
    """One provider with everything about it this user may see, loaded."""

    provider: Provider
    risk: ProviderRisk | None
    concern: ProviderConcern | None
    #: The concern's stage today (ProviderConcern.stage_on).
    stage: ProviderConcernStage | None
    embargo: Embargo | None
    items: list[IntelligenceItem]
    window_months: int
    care_monitoring: list[MonthMeasures] = field(default_factory=list)


def provider_detail(user: Reader, provider_id: int, today: date) -> ProviderDetail | None:
    """The provider with its current risk, open concern, embargo and readable items; or None."""
    providers = load_providers([provider_id])
    if not providers:
        return None
    months = window_months()
    concern = open_concern(provider_id, today)
    return ProviderDetail(
        provider=providers[0],
        risk=current_risks(user, [provider_id], today, months).get(provider_id),
        concern=concern,
        stage=concern.stage_on(today) if concern else None,
        embargo=active_embargo(provider_id, today),
        items=readable_timeline(user, provider_id),
        window_months=months,
        care_monitoring=care_monitoring(user, provider_id, today),
    )


def provider_page(user: Reader, provider_id: int, today: date) -> ProviderPage | None:
    """The provider page: the provider's detail with its ratings and labels; or None."""
    detail = provider_detail(user, provider_id, today)
    if detail is None:
        return None
    provider = detail.provider
    service_labels = labels("service_types")
    return ProviderPage(
        provider=provider,
        ratings=rating_lines(provider),
        concern=detail.concern,
        concern_stage=concern_stage_label(detail.stage),
        embargo=detail.embargo,
        risk=detail.risk,
        risk_explanation=WINDOW_EXPLANATION.format(months=detail.window_months),
        timeline=detail.items,
        service_types=[service_labels.get(c, c) for c in provider.service_type_codes],
        care_monitoring=care_monitoring_figure(
            detail.care_monitoring, thresholds().missed_alert_percent
        ),
        visits=provider_visits(user, provider_id),
    )

"""Builders for the provider register's tests: named providers, concerns and embargoes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.extensions import db
from portal.models import (
    ConcernStage,
    Embargo,
    EmbargoNotice,
    ProviderConcern,
    ProviderConcernStage,
    ProviderRating,
    ProviderServiceType,
    Rating,
    RatingDomain,
    Role,
    User,
)
from portal.providers.names import name_key
from tests import factories


def named_provider(name: str, ratings: dict[str, str] | None = None, service_types=(), **fields):
    """A provider whose name_key is made as the importer makes it, with ratings if given."""
    made = factories.provider(name=name, name_key=name_key(name), **fields)
    for domain, rating in (ratings or {}).items():
        made.ratings.append(
            ProviderRating(
                domain=RatingDomain(domain), rating=Rating(rating), published_on=date(2025, 6, 30)
            )
        )
    made.service_types = [ProviderServiceType(service_type=code) for code in service_types]
    db.session.flush()
    return made


def open_concern(provider, by: User, stages=(ConcernStage.INITIATE, ConcernStage.INITIAL_MEETING)):
    """An open provider concern at its last stage given."""
    concern = ProviderConcern(provider=provider, summary="Medication errors", opened_by=by)
    db.session.add(concern)
    for n, stage in enumerate(stages):
        db.session.add(
            ProviderConcernStage(
                concern=concern,
                stage=stage,
                occurred_on=date(2026, 9, 1) + timedelta(days=n),
                recorded_by_id=by.id,
            )
        )
    db.session.flush()
    return concern


def embargo(provider, by: User, starts_on: date, ends_on: date | None = None, boroughs=()):
    """An embargo on placements, with the boroughs told."""
    made = Embargo(
        provider=provider,
        starts_on=starts_on,
        ends_on=ends_on,
        reason="Unsafe staffing levels at night",
        created_by_id=by.id,
    )
    db.session.add(made)
    for borough in boroughs:
        db.session.add(EmbargoNotice(embargo=made, borough=borough, notified_on=starts_on))
    db.session.flush()
    return made


@pytest.fixture
def chair(app) -> User:
    """A chair who runs concerns and embargoes (not the signed-in user)."""
    return factories.user(Role.CHAIR, factories.agency("MERTON"))

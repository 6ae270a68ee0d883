"""Providers (CQC-registered care locations) and their ratings."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Base
from portal.models.base import Rating, RatingDomain, enum_column, utcnow


class Provider(Base):
    """One registered care service location."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    cqc_location_id: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    cqc_provider_id: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    # Lower case, punctuation removed: what name search compares.
    name_key: Mapped[str] = mapped_column(sa.String(300), index=True, default="")
    provider_name: Mapped[str | None] = mapped_column(sa.String(300))
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    # Normalised "SW19 2HL"; district kept apart for cheap postcode searches.
    postcode: Mapped[str | None] = mapped_column(sa.String(10), index=True)
    postcode_district: Mapped[str | None] = mapped_column(sa.String(5), index=True)
    local_authority: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    region: Mapped[str | None] = mapped_column(sa.String(100))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    care_home: Mapped[bool] = mapped_column(default=False)
    beds: Mapped[int | None]
    registered_manager: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    dormant: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    service_types: Mapped[list[ProviderServiceType]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", lazy="selectin"
    )
    ratings: Mapped[list[ProviderRating]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def service_type_codes(self) -> list[str]:
        """The codes of the service types this location is registered for."""
        return sorted(st.service_type for st in self.service_types)

    @classmethod
    def registered_for(cls, service_type: str) -> sa.ColumnElement[bool]:
        """SQL: the location is registered for this service type (a taxonomy code)."""
        return (
            sa.select(ProviderServiceType.provider_id)
            .where(
                ProviderServiceType.provider_id == cls.id,
                ProviderServiceType.service_type == service_type,
            )
            .exists()
        )

    def rating_for(self, domain: RatingDomain | str) -> ProviderRating | None:
        """The current rating for the whole service or one key question."""
        for rating in self.ratings:
            if rating.domain == domain:
                return rating
        return None

    def __repr__(self) -> str:
        return f"<Provider {self.cqc_location_id} {self.name}>"


class ProviderServiceType(Base):
    """A service type a location is registered for (codes from the taxonomy)."""

    __tablename__ = "provider_service_types"

    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"), primary_key=True)
    service_type: Mapped[str] = mapped_column(sa.String(50), primary_key=True, index=True)

    provider: Mapped[Provider] = relationship(back_populates="service_types")


class ProviderRating(Base):
    """A provider's current CQC rating for the whole service or one key question."""

    __tablename__ = "provider_ratings"
    __table_args__ = (sa.UniqueConstraint("provider_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("providers.id"))
    domain: Mapped[RatingDomain] = mapped_column(enum_column(RatingDomain))
    rating: Mapped[Rating] = mapped_column(enum_column(Rating, length=30), index=True)
    published_on: Mapped[date | None]

    provider: Mapped[Provider] = relationship(back_populates="ratings")

    #: The overall ratings that put a provider before the group.
    POOR = (Rating.INADEQUATE, Rating.REQUIRES_IMPROVEMENT)

    @classmethod
    def poor_published_between(cls, since: date, as_of: date) -> sa.ColumnElement[bool]:
        """SQL: a poor overall rating published after `since`, by `as_of` (the agenda's rule
        and the pack's "what changed" page read this one)."""
        return sa.and_(
            cls.domain == RatingDomain.OVERALL,
            cls.rating.in_(cls.POOR),
            cls.published_on > since,
            cls.published_on <= as_of,
        )

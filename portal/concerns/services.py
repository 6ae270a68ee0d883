"""The provider page's section on concerns and embargoes, and who may change them.

The work itself is in portal.concerns.process (the six stages of a provider concern),
portal.concerns.embargoes (placing and lifting) and portal.concerns.notices (telling other
boroughs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.concerns.embargoes import embargo_status, embargoes_of
from portal.concerns.process import ConcernView, concerns_about
from portal.models import Embargo
from portal.policy import Reader, can_run_concerns


def can_chair(user: Reader) -> bool:
    """Chairs run the provider concerns process and embargoes; nobody else changes them."""
    return can_run_concerns(user)


@dataclass
class ProviderPanel:
    """The provider page's section on provider concerns and embargoes."""

    concerns: list[ConcernView]
    embargoes: list[Embargo]
    today: date
    can_chair: bool
    current_embargo: Embargo | None = None
    statuses: dict[int, str] = field(default_factory=dict)

    @property
    def open_concern(self) -> ConcernView | None:
        """The open concern, if any (listed first)."""
        first = self.concerns[0] if self.concerns else None
        return first if first is not None and first.is_open else None

    @property
    def past_concerns(self) -> list[ConcernView]:
        """Closed concerns, newest first."""
        return [c for c in self.concerns if not c.is_open]


def provider_panel(user: Reader, provider_id: int, today: date) -> ProviderPanel:
    """Concerns and embargoes about the provider, and whether the user may change them."""
    embargoes = embargoes_of(provider_id)
    current = next((e for e in embargoes if not e.is_over(today)), None)
    return ProviderPanel(
        concerns=concerns_about(provider_id, today),
        embargoes=embargoes,
        today=today,
        can_chair=can_chair(user),
        current_embargo=current,
        statuses={e.id: embargo_status(e, today) for e in embargoes},
    )

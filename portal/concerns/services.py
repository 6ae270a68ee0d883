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
from portal.policy import Reader, can_act_on_concern, can_act_on_embargo, can_run_concerns


@dataclass
class ProviderPanel:
    """The provider page's section on provider concerns and embargoes."""

    concerns: list[ConcernView]
    embargoes: list[Embargo]
    today: date
    #: Whether the user may start a concern or place an embargo (a chair of a council).
    can_open: bool
    current_embargo: Embargo | None = None
    statuses: dict[int, str] = field(default_factory=dict)
    #: Whether the user acts on the open concern and the current embargo (their agency's).
    can_act_on_open_concern: bool = False
    can_act_on_current_embargo: bool = False

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
    panel = ProviderPanel(
        concerns=concerns_about(provider_id, today, user),
        embargoes=embargoes,
        today=today,
        can_open=can_run_concerns(user),
        current_embargo=current,
        statuses={e.id: embargo_status(e, today) for e in embargoes},
        can_act_on_current_embargo=can_act_on_embargo(user, current),
    )
    opened = panel.open_concern
    panel.can_act_on_open_concern = opened is not None and can_act_on_concern(user, opened.concern)
    return panel

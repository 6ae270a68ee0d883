"""Signed-in sessions as the server knows them, so signing out ends them everywhere."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Base
from portal.models.base import utcnow


class SignInSession(Base):
    """One sign-in on one browser: the session cookie carries its id.

    The cookie is signed, so it cannot be forged; but a copy of it could be replayed after
    the person signed out. A session whose row has ended is refused on every server.
    """

    __tablename__ = "sign_in_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    method: Mapped[str] = mapped_column(sa.String(40))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))
    # A single sign-on's provider and ID token, for the provider's sign-out (id_token_hint);
    # the token is forgotten when the session ends.
    identity_provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("identity_providers.id"))
    id_token: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def live(self) -> bool:
        """Whether the session has not ended."""
        return self.ended_at is None

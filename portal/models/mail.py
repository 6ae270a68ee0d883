"""The mail outbox and each person's choice of what they receive.

A message is added to the outbox in the same unit of work as the pack, action, item, embargo
or invitation it is about, so a message is never lost to a crash between the two; a job
(portal.mail.outbox.deliver_due) sends what is due and keeps what fails, with a later attempt.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Base
from portal.models.agency import User
from portal.models.base import enum_column, utcnow


class MailKind(enum.StrEnum):
    """What a message is about."""

    PACK_ISSUED = "pack-issued"
    ACTION_GIVEN = "action-given"
    ACTION_OVERDUE = "action-overdue"
    RED_RECIPIENT = "red-recipient"
    EMBARGO_NOTICE = "embargo-notice"
    SET_UP_LINK = "set-up-link"
    SECOND_FACTOR_RESET = "second-factor-reset"
    DIGEST = "digest"


#: The kinds a person chooses to receive (off, at once, or in a daily digest), with their
#: labels; the rest (set-up links, resets, digests, notices to boroughs) always go at once.
CHOSEN_KINDS: dict[MailKind, str] = {
    MailKind.PACK_ISSUED: "A meeting pack is issued for a meeting your agency is invited to",
    MailKind.ACTION_GIVEN: "An action is given to your agency",
    MailKind.ACTION_OVERDUE: "An action of your agency falls overdue",
    MailKind.RED_RECIPIENT: "You are named as a recipient of a TLP:RED item",
}


class MailChoice(enum.StrEnum):
    """How a person receives one kind of message."""

    OFF = "off"
    NOW = "now"
    DIGEST = "digest"


class MailState(enum.StrEnum):
    """Where a message in the outbox has got to."""

    # Due at next_attempt_at (again after each failed attempt, with a longer wait).
    PENDING = "pending"
    # Waiting for the person's daily digest.
    DIGEST = "digest"
    SENT = "sent"
    # Sent inside a digest message.
    DIGESTED = "digested"
    # Not sent: the person's account (or agency) was deactivated before it went.
    CANCELLED = "cancelled"


class OutboxMessage(Base):
    """One message to one address, kept until it is sent (and afterwards, as the record)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        sa.Index("ix_mail_outbox_due", "state", "next_attempt_at"),
        sa.Index("ix_mail_outbox_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailKind] = mapped_column(enum_column(MailKind, length=30))
    state: Mapped[MailState] = mapped_column(enum_column(MailState), default=MailState.PENDING)
    # The person it is for, when it is for one of the portal's users.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    # The page the message points to (a daily digest lists each message's subject and link).
    link: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # A body holding a one-time link is blanked once sent, so the outbox keeps no live secret.
    secret: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    attachment_name: Mapped[str | None] = mapped_column(sa.String(200))
    attachment_sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("blobs.sha256"))
    # What the message is about (as on audit events): "meeting", "action", "embargo", ...
    object_type: Mapped[str | None] = mapped_column(sa.String(30))
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    sent_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()


class MailPreference(Base):
    """A person's choice for one kind of message; without a row, the kind goes at once."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    kind: Mapped[MailKind] = mapped_column(enum_column(MailKind, length=30), primary_key=True)
    choice: Mapped[MailChoice] = mapped_column(enum_column(MailChoice))

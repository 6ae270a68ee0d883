"""Embargoes on new placements with a provider: placing, lifting, and what the pages show.

An embargo is placed with a start, an optional planned end and a reason; a chair may lift it
sooner. Every signed-in user reads embargoes on provider pages. Every change is an audit
event; the notice to other boroughs is portal.concerns.notices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.concerns.fields import MAX_REASON, Errors, free_text, long_date, past_date
from portal.concerns.notices import email_notice
from portal.extensions import db
from portal.intelligence.validation import clean_text, parse_date
from portal.mail.outbox import OutboxMessage
from portal.models import Embargo, Provider, User, utcnow
from portal.unit_of_work import ValidationFailed


def current_embargo_for(provider_id: int, today: date) -> Embargo | None:
    """The embargo in force or still to come (neither lifted nor ended), if any."""
    return db.session.scalar(
        sa.select(Embargo)
        .where(Embargo.provider_id == provider_id, Embargo.not_over_on(today))
        .order_by(Embargo.starts_on.desc(), Embargo.id.desc())
        .limit(1)
    )


def embargoed_among(provider_ids: Sequence[int], today: date) -> frozenset[int]:
    """Those of the providers with an embargo in force today (one query; none for no ids)."""
    if not provider_ids:
        return frozenset()
    return frozenset(
        db.session.scalars(
            sa.select(Embargo.provider_id).where(
                Embargo.provider_id.in_(provider_ids), Embargo.in_force_on(today)
            )
        )
    )


#: The most contacts an embargo's notice is e-mailed to.
MAX_CONTACTS = 50
MAX_ADDRESS = 254


def notice_contacts(raw: object, errors: Errors) -> list[str]:
    """The contacts' addresses typed (one a line, or separated by commas), checked, no repeats."""
    if raw is None:
        return []
    if not isinstance(raw, str):
        errors["notice_contacts"] = "The contacts' addresses must be text"
        return []
    found: list[str] = []
    for part in raw.replace(",", "\n").replace(";", "\n").splitlines():
        address = part.strip()
        if not address:
            continue
        try:
            if len(address) > MAX_ADDRESS:
                raise EmailNotValidError("too long")
            found.append(validate_email(address, check_deliverability=False).normalized)
        except EmailNotValidError:
            shown = clean_text(address)[:60]
            errors["notice_contacts"] = (
                f"Enter each contact as an e-mail address: {shown!r} is not one"
            )
            return []
    unique = list(dict.fromkeys(found))
    if len(unique) > MAX_CONTACTS:
        errors["notice_contacts"] = f"Enter at most {MAX_CONTACTS} contacts"
        return []
    return unique


def place_embargo(user: User, provider: Provider, data: Mapping[str, Any], today: date) -> Embargo:
    """Place an embargo on new placements with the provider; ValidationFailed if refused."""
    errors: Errors = {}
    if current_embargo_for(provider.id, today) is not None:
        raise ValidationFailed(
            {
                "starts_on": f"{provider.name} already has an embargo that is in force or to "
                "come: lift it before placing another"
            }
        )
    starts_on = parse_date(data.get("starts_on"), "starts_on", "Start date", errors, True)
    ends_on = parse_date(data.get("ends_on"), "ends_on", "Planned end date", errors)
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "Planned end date must be on or after the start date"
    elif ends_on is not None and ends_on < today:
        errors["ends_on"] = "Planned end date must be today or later"
    reason = free_text(
        data.get("reason"),
        "reason",
        "Reason",
        errors,
        MAX_REASON,
        "Enter the reason for the embargo",
    )
    contacts = notice_contacts(data.get("notice_contacts"), errors)
    if errors or starts_on is None:
        raise ValidationFailed(errors)
    embargo = Embargo(
        provider_id=provider.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_by_id=user.id,
        notice_contacts=contacts,
    )
    db.session.add(embargo)
    db.session.flush()
    audit.record(
        "embargo-placed",
        user=user,
        object_type="embargo",
        object_id=embargo.id,
        provider_id=provider.id,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat() if ends_on else None,
    )
    email_notice(user, embargo, today)
    return embargo


def lift_embargo(user: User, embargo: Embargo, data: Mapping[str, Any], today: date) -> None:
    """Lift the embargo from a day (today or earlier), with a reason; ValidationFailed if refused."""
    if embargo.is_over(today):
        raise ValidationFailed({"lifted_on": "This embargo has already been lifted or has ended"})
    errors: Errors = {}
    lifted_on = past_date(data.get("lifted_on"), "lifted_on", "Date lifted", errors, today)
    earliest = min(embargo.starts_on, today)
    if lifted_on is not None and lifted_on < earliest:
        errors["lifted_on"] = f"Date lifted must be on or after {long_date(earliest)}"
    reason = free_text(
        data.get("reason"),
        "reason",
        "Reason",
        errors,
        MAX_REASON,
        "Enter why the embargo is lifted",
    )
    if errors or lifted_on is None:
        raise ValidationFailed(errors)
    embargo.lifted_on = lifted_on
    embargo.lifted_at = utcnow()
    embargo.lifted_by_id = user.id
    embargo.lift_reason = reason
    audit.record(
        "embargo-lifted",
        user=user,
        object_type="embargo",
        object_id=embargo.id,
        provider_id=embargo.provider_id,
        lifted_on=lifted_on.isoformat(),
    )
    email_notice(user, embargo, today)


def notices_emailed(embargo: Embargo) -> list[OutboxMessage]:
    """The notices e-mailed about the embargo, oldest first: to whom, and sent or waiting."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.object_type == "embargo", OutboxMessage.object_id == str(embargo.id)
            )
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )


def load_embargo(embargo_id: int) -> Embargo | None:
    """The embargo with its provider, people and notices (fixed queries)."""
    return db.session.scalar(
        sa.select(Embargo)
        .where(Embargo.id == embargo_id)
        .options(
            selectinload(Embargo.provider),
            selectinload(Embargo.created_by).selectinload(User.agency),
            selectinload(Embargo.lifted_by),
            selectinload(Embargo.notices),
        )
    )


def embargoes_of(provider_id: int) -> list[Embargo]:
    """Every embargo on the provider, latest start first, with their notices (one query)."""
    return list(
        db.session.scalars(
            sa.select(Embargo)
            .where(Embargo.provider_id == provider_id)
            .options(joinedload(Embargo.notices))
            .order_by(Embargo.starts_on.desc(), Embargo.id.desc())
        ).unique()
    )


def embargo_status(embargo: Embargo, today: date) -> str:
    """In words, by the model's rules (Embargo.is_active, is_over): in force, lifted, ended
    or to start."""
    if embargo.is_active(today):
        return "In force"
    if embargo.lifted:
        return "Lifted"
    return "Ended" if embargo.is_over(today) else "To start"

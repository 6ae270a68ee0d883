"""Each person's choice of what they receive: off, at once, or in one daily digest.

Without a choice recorded a kind goes at once. Set-up links, second-factor resets and the
digests themselves always go at once; notices to boroughs go to addresses, not to users.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.models import CHOSEN_KINDS, MailChoice, MailKind, MailPreference, User
from portal.policy import can_update_agency_actions
from portal.unit_of_work import ValidationFailed

CHOICE_LABELS = {
    MailChoice.NOW: "At once",
    MailChoice.DIGEST: "In one daily digest",
    MailChoice.OFF: "Off",
}
#: Kinds only those who attend meetings can receive.
MEETING_KINDS = frozenset({MailKind.PACK_ISSUED, MailKind.ACTION_GIVEN, MailKind.ACTION_OVERDUE})


def kinds_for(user: User) -> list[MailKind]:
    """The kinds of message the person can receive, so can choose about."""
    # Members and chairs: those who attend meetings and update their agency's actions.
    attends = can_update_agency_actions(user)
    return [kind for kind in CHOSEN_KINDS if attends or kind not in MEETING_KINDS]


def choices_of(user: User) -> dict[MailKind, MailChoice]:
    """The person's choice for each kind they can receive (at once when none is recorded)."""
    recorded = {
        p.kind: p.choice
        for p in db.session.scalars(
            sa.select(MailPreference).where(MailPreference.user_id == user.id)
        )
    }
    return {kind: recorded.get(kind, MailChoice.NOW) for kind in kinds_for(user)}


def choices_for(user_ids: Iterable[int], kind: MailKind) -> dict[int, MailChoice]:
    """Each user's choice for one kind (one query); at once for those without one."""
    ids = sorted(set(user_ids))
    if kind not in CHOSEN_KINDS or not ids:
        return dict.fromkeys(ids, MailChoice.NOW)
    rows = db.session.execute(
        sa.select(MailPreference.user_id, MailPreference.choice).where(
            MailPreference.kind == kind, MailPreference.user_id.in_(ids)
        )
    )
    recorded: dict[int, MailChoice] = dict(rows.all())
    return {uid: recorded.get(uid, MailChoice.NOW) for uid in ids}


def set_choices(user: User, data: Mapping[str, object]) -> int:
    """Record the person's choices from a form or call (field = kind); how many changed.

    ValidationFailed, changing nothing, for a value that is not one of the choices.
    """
    current = choices_of(user)
    wanted: dict[MailKind, MailChoice] = {}
    errors: dict[str, str] = {}
    for kind in current:
        raw = data.get(kind.value)
        if raw is None:
            continue
        try:
            wanted[kind] = MailChoice(str(raw))
        except ValueError:
            errors[kind.value] = "Choose at once, in one daily digest, or off"
    if errors:
        raise ValidationFailed(errors)
    changes = {k.value: [current[k].value, c.value] for k, c in wanted.items() if current[k] != c}
    for kind_value, (_old, new) in changes.items():
        preference = db.session.get(MailPreference, (user.id, MailKind(kind_value)))
        if preference is None:
            db.session.add(
                MailPreference(user_id=user.id, kind=MailKind(kind_value), choice=MailChoice(new))
            )
        else:
            preference.choice = MailChoice(new)
    if changes:
        audit.record(
            "mail-preferences-changed",
            user=user,
            object_type="user",
            object_id=user.id,
            changes=changes,
        )
    return len(changes)

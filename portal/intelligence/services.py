"""Logging, reading, editing and withdrawing intelligence: the work behind the pages and API.

Reads go through the policy (``can_read_item``): an item the user may not read
is answered exactly as one that does not exist. Nothing is ever deleted: an
edit adds a revision, a withdrawal labels the item and adds a revision too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.config import labels, taxonomy
from portal.extensions import db
from portal.inputs import parse_id
from portal.intelligence import attachments
from portal.intelligence.validation import ItemFields, clean_text
from portal.mail import triggers
from portal.models import (
    Attachment,
    IntelligenceItem,
    IntelligenceRevision,
    ItemRecipient,
    ItemStatus,
    ItemTheme,
    KeyQuestion,
    Marking,
    Provider,
    User,
    utcnow,
)
from portal.policy import Reader, can_edit_item, can_read_item
from portal.risk_bands import band_for
from portal.unit_of_work import ValidationFailed

MAX_REASON = 2_000

#: Who may read an item with each marking, said of the item (the policy decides; this tells).
ITEM_AUDIENCE = {
    Marking.CLEAR: "Everyone who can sign in to the portal.",
    Marking.GREEN: "Everyone who can sign in to the portal.",
    Marking.AMBER: "Members and chairs of every partner agency, and viewers in {agency}.",
    Marking.AMBER_STRICT: "Everyone in {agency}, and meeting chairs.",
    Marking.RED: "Only the author and the people named as recipients.",
}


# --- Saving -------------------------------------------------------------------------


def _apply(item: IntelligenceItem, fields: ItemFields) -> None:
    """Copy the checked fields onto the item, keeping theme and recipient rows that stay."""
    item.provider = fields.provider
    item.observed_on = fields.observed_on
    item.title = fields.title
    item.body = fields.body
    item.key_question = fields.key_question
    item.likelihood = fields.likelihood
    item.impact = fields.impact
    item.source_evaluation = fields.source_evaluation
    item.intelligence_assessment = fields.intelligence_assessment
    item.handling_code = fields.handling_code
    item.handling_conditions = fields.handling_conditions
    item.marking = fields.marking
    wanted_themes = set(fields.themes)
    item.themes = [t for t in item.themes if t.theme in wanted_themes] + [
        ItemTheme(theme=code) for code in sorted(wanted_themes - set(item.theme_codes))
    ]
    wanted_users = {u.id for u in fields.recipients}
    item.recipients = [r for r in item.recipients if r.user_id in wanted_users] + [
        ItemRecipient(user_id=uid) for uid in sorted(wanted_users - item.recipient_ids)
    ]


def log_item(author: User, fields: ItemFields, via: str = "form") -> IntelligenceItem:
    """Save a new item with its first revision and attachments; audited, flushed for its id."""
    item = IntelligenceItem(source_agency_id=author.agency_id, author_id=author.id)
    _apply(item, fields)
    db.session.add(item)
    db.session.flush()
    db.session.add(
        IntelligenceRevision(item=item, number=1, edited_by_id=author.id, content=item.snapshot())
    )
    for upload in fields.uploads:
        attachments.store(item, upload, author)
    audit.record(
        "intelligence-logged",
        user=author,
        object_type="intelligence",
        object_id=item.id,
        marking=str(item.marking),
        attachments=len(fields.uploads),
        via=via,
    )
    if item.marking is Marking.RED:
        triggers.red_recipients(item, item.recipient_ids)
    return item


def _named_on_red(item: IntelligenceItem) -> set[int]:
    """Who the item names as recipients while it is TLP:RED (nobody otherwise)."""
    return item.recipient_ids if item.marking is Marking.RED else set()


def edit_item(item: IntelligenceItem, editor: User, fields: ItemFields, reason: str) -> bool:
    """Save an edit as a new revision (and any new files); False when nothing changed."""
    before = item.snapshot()
    named_before = _named_on_red(item)
    _apply(item, fields)
    db.session.flush()
    after = item.snapshot()
    changed = before != after
    triggers.red_recipients(item, _named_on_red(item) - named_before)
    if changed:
        item.revision_count += 1
        item.updated_at = utcnow()
        db.session.add(
            IntelligenceRevision(
                item=item,
                number=item.revision_count,
                edited_by_id=editor.id,
                reason=clean_text(reason)[:MAX_REASON],
                content=after,
            )
        )
    for upload in fields.uploads:
        attachments.store(item, upload, editor)
    if changed or fields.uploads:
        audit.record(
            "intelligence-edited",
            user=editor,
            object_type="intelligence",
            object_id=item.id,
            revision=item.revision_count,
            marking=str(item.marking),
            attachments=len(fields.uploads),
        )
    return changed or bool(fields.uploads)


def check_withdrawal_reason(raw: Any) -> str:
    """The reason for a withdrawal, or ValidationFailed saying what is wrong with it."""
    reason = clean_text(raw) if isinstance(raw, str) else ""
    if not reason:
        raise ValidationFailed({"reason": "Enter why you are withdrawing it"})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": f"The reason must be {MAX_REASON:,} characters or fewer"})
    return reason


def withdraw_item(item: IntelligenceItem, user: User, reason: str) -> None:
    """Withdraw an item: it stays, labelled, out of risk and packs; audited."""
    item.status = ItemStatus.WITHDRAWN
    item.withdrawn_at = utcnow()
    item.withdrawn_by_id = user.id
    item.withdrawn_reason = reason
    item.updated_at = item.withdrawn_at
    item.revision_count += 1
    db.session.add(
        IntelligenceRevision(
            item=item,
            number=item.revision_count,
            edited_by_id=user.id,
            reason=f"Withdrawn: {reason}",
            content=item.snapshot(),
        )
    )
    audit.record(
        "intelligence-withdrawn",
        user=user,
        object_type="intelligence",
        object_id=item.id,
        reason=reason,
    )


# --- Reading ------------------------------------------------------------------------


def readable_item(user: Reader, item_id: int, for_update: bool = False) -> IntelligenceItem | None:
    """The item if it exists and the user may read it, else None (the two are not told apart)."""
    query = (
        sa.select(IntelligenceItem)
        .where(IntelligenceItem.id == item_id)
        .options(
            joinedload(IntelligenceItem.author),
            selectinload(IntelligenceItem.recipients).joinedload(ItemRecipient.user),
            selectinload(IntelligenceItem.attachments),
            selectinload(IntelligenceItem.revisions).joinedload(IntelligenceRevision.edited_by),
        )
    )
    if for_update:
        # Two edits at once must not both take the same revision number.
        query = query.with_for_update(of=IntelligenceItem).execution_options(populate_existing=True)
    item = db.session.scalar(query)
    return item if can_read_item(user, item) else None


def editable_item(
    user: Reader, item_id: int, for_update: bool = False
) -> tuple[IntelligenceItem | None, bool]:
    """The item (None if unreadable) and whether this user may change it."""
    item = readable_item(user, item_id, for_update=for_update)
    return item, item is not None and can_edit_item(user, item)


def record_read(user: User, item: IntelligenceItem, revision: int | None = None) -> None:
    """Audit one read of an item (the page, a revision, or the API)."""
    audit.record(
        "intelligence-read",
        user=user,
        object_type="intelligence",
        object_id=item.id,
        revision=revision or item.revision_count,
    )


def readable_attachment(user: Reader, item_id: int, attachment_id: int) -> Attachment | None:
    """An attachment of an item the user may read, else None."""
    item = db.session.get(IntelligenceItem, item_id)
    if not can_read_item(user, item):
        return None
    attachment = db.session.get(Attachment, attachment_id)
    return attachment if attachment is not None and attachment.item_id == item_id else None


def record_download(user: User, attachment: Attachment) -> bytes:
    """Audit the download and give the content."""
    audit.record(
        "attachment-downloaded",
        user=user,
        object_type="attachment",
        object_id=attachment.id,
        item_id=attachment.item_id,
        sha256=attachment.sha256,
    )
    return attachments.content_of(attachment)


def provider_by_id(raw: Any) -> Provider | None:
    """The provider with this id (from a query string), or None."""
    number = parse_id(raw)
    return db.session.get(Provider, number) if number is not None else None


def provider_url(provider_id: int) -> str | None:
    """The provider's page, when the providers area serves one."""
    if "providers.view_provider" in current_app.view_functions:
        return url_for("providers.view_provider", provider_id=provider_id)
    return None


def recipient_emails(item: IntelligenceItem) -> list[str]:
    """The e-mail addresses of the item's recipients, sorted."""
    return sorted(r.user.email for r in item.recipients)


# --- What the pages show ------------------------------------------------------------


def meaning(section: str, code: Any) -> str:
    """The taxonomy's meaning of a grade: likelihood 3 -> "Possible: ..."."""
    return str(taxonomy()[section].get(str(code), ""))


def audience(marking: Marking | str, agency_name: str) -> str:
    """Who may read an item with this marking from this agency, in plain English."""
    return ITEM_AUDIENCE[Marking(marking)].format(agency=agency_name)


def paragraphs(text: str) -> list[list[str]]:
    """Text as paragraphs (split on blank lines) of lines, for templates to show as typed."""
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return [block.strip("\n").split("\n") for block in blocks]


@dataclass(frozen=True)
class Grading:
    """An item's (or a revision's) grades, each with its meaning."""

    rows: list[tuple[str, str]]
    short: str


def grading(content: dict[str, Any]) -> Grading:
    """The 3x5x2 grading and the risk inputs, with their meanings, from a snapshot."""
    se, ia, hc = (
        content["source_evaluation"],
        content["intelligence_assessment"],
        content["handling_code"],
    )
    rows = [
        ("Likelihood", f"{content['likelihood']} – {meaning('likelihood', content['likelihood'])}"),
        ("Impact", f"{content['impact']} – {meaning('impact', content['impact'])}"),
        ("Source evaluation", f"{se} – {meaning('source_evaluation', se)}"),
        ("Intelligence assessment", f"{ia} – {meaning('intelligence_assessment', ia)}"),
        ("Handling code", f"{hc} – {meaning('handling_code', hc)}"),
    ]
    return Grading(rows=rows, short=f"{se}{ia}{hc}")


def theme_labels(codes: list[str]) -> list[str]:
    """The labels of theme codes (an unknown code shows as itself)."""
    known = labels("themes")
    return [known.get(code, code) for code in codes]


@dataclass(frozen=True)
class RevisionView:
    """One revision as its page shows it."""

    item: IntelligenceItem
    revision: IntelligenceRevision
    content: dict[str, Any]
    provider: Provider | None
    recipients: list[User]
    key_question: str
    themes: list[str]
    grading: Grading
    score: int
    band: str


def revision_view(user: Reader, item_id: int, number: int) -> RevisionView | None:
    """A revision of an item the user may read now (by its current marking), else None."""
    item = readable_item(user, item_id)
    revision = next((r for r in item.revisions if r.number == number), None) if item else None
    if item is None or revision is None:
        return None
    content = dict(revision.content)
    provider = provider_by_id(content.get("provider_id"))
    ids = [int(i) for i in content.get("recipient_ids", [])]
    recipients = (
        list(db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.name)))
        if ids
        else []
    )
    score = int(content["likelihood"]) * int(content["impact"])
    return RevisionView(
        item=item,
        revision=revision,
        content=content,
        provider=provider,
        recipients=recipients,
        key_question=KeyQuestion(content["key_question"]).label,
        themes=theme_labels(list(content.get("themes", []))),
        grading=grading(content),
        score=score,
        band=str(band_for(score)),
    )


def withdrawn_by(item: IntelligenceItem) -> User | None:
    """Who withdrew the item, if anyone."""
    return db.session.get(User, item.withdrawn_by_id) if item.withdrawn_by_id else None

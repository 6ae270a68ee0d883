"""Issuing a meeting pack: version N built, its PDF stored by SHA-256, and frozen.

Issuing stores the PDF by its SHA-256 in the database (a Blob, as attachments are) with the
HTML, the agenda and the items shown, as version N; an issued version is never built again,
so later changes to the data never change it. What the pack holds is
portal.meetings.pack_content; how it is laid out, portal.meetings.pack_rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from portal import audit
from portal.blobs import blob_content, store_blob
from portal.extensions import db
from portal.mail import triggers

# Modules, not names: the area packages still import one another while they load.
from portal.meetings import pack_content, pack_rendering
from portal.models import Meeting, MeetingPack, MeetingStatus, User, utcnow
from portal.unit_of_work import ValidationFailed

#: The longest reason for a correction (a version issued after the meeting was held).
MAX_REASON = 2_000
REASON_NEEDED = "Enter the reason for the correction"
NO_MORE_PACKS = "The minutes are approved: no more packs"


def correction_needed(meeting: Meeting, today: date) -> bool:
    """Whether a new version would be a correction: the meeting is held (Meeting.is_held)."""
    return meeting.is_held(today)


def checked_reason(meeting: Meeting, today: date, reason: object) -> str:
    """The correction's reason to store ("" before the meeting is held), or ValidationFailed.

    After the minutes are approved no version may be issued; after the meeting is held a
    version needs a reason of up to MAX_REASON characters.
    """
    if meeting.minutes_approved:
        raise ValidationFailed({"meeting": NO_MORE_PACKS})
    if not correction_needed(meeting, today):
        return ""
    if reason is not None and not isinstance(reason, str):
        raise ValidationFailed({"reason": "reason must be text"})
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed({"reason": REASON_NEEDED})
    if len(text) > MAX_REASON:
        raise ValidationFailed({"reason": f"The reason must be {MAX_REASON:,} characters or fewer"})
    return text


def issue_pack(
    user: User,
    meeting: Meeting,
    today: date,
    via: str = "web",
    issued_at: datetime | None = None,
    *,
    appendix: bool = False,
    correction_reason: str = "",
    notify: bool = True,
    job_id: str | None = None,
    progress: Callable[[str], None] = lambda _text: None,
) -> MeetingPack:
    """Issue the next version: build it, store its PDF and HTML, freeze it; audited.

    `appendix` adds the items' full texts at the end. Once the meeting is held the version is
    a correction and needs `correction_reason` (checked_reason; ValidationFailed otherwise).
    With `notify` the meeting's readers are e-mailed (portal.mail.triggers.pack_issued).
    `job_id` keys the version by its job (unique); `progress` is told each stage.
    """
    reason = checked_reason(meeting, today, correction_reason)
    version = next_version(meeting)
    issued_at = issued_at or utcnow()
    progress(f"Issuing version {version}: gathering the agenda and the intelligence")
    content = pack_content.build_pack(meeting, today, version, issued_at, user, appendix=appendix)
    content.correction_reason = reason
    html = pack_rendering.render_pack(content, for_pdf=False)
    progress(f"Issuing version {version}: laying out pages")
    pdf, pages = pack_rendering.render_pdf(content)
    progress(f"Issuing version {version}: storing the PDF")
    sha256 = store_blob(pdf, issued_at)
    pack = MeetingPack(
        meeting_id=meeting.id,
        version=version,
        issued_at=issued_at,
        issued_by_id=user.id,
        pdf_sha256=sha256,
        html=html,
        agenda=[
            {"provider_id": e.provider_id, "name": e.name, "reason": e.reason}
            for e in content.agenda.entries
        ],
        item_ids=content.item_ids,
        pages=pages,
        appendix=appendix,
        correction_reason=reason,
        job_id=job_id,
    )
    meeting.packs.append(pack)  # the meeting's list holds it before anything commits
    if meeting.status is MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.PACK_ISSUED
    db.session.flush()
    _announce(user, meeting, pack, via, notify)
    return pack


def _announce(user: User, meeting: Meeting, pack: MeetingPack, via: str, notify: bool) -> None:
    """Audit the version issued and, with `notify`, e-mail the meeting's readers."""
    audit.record(
        "pack-built",
        user=user,
        object_type="meeting",
        object_id=meeting.id,
        version=pack.version,
        sha256=pack.pdf_sha256,
        via=via,
    )
    if notify:
        triggers.pack_issued(meeting, pack)


def next_version(meeting: Meeting) -> int:
    """The number the next version of the meeting's pack will have."""
    return (meeting.packs[-1].version if meeting.packs else 0) + 1


def issued_pack(meeting: Meeting, version: int) -> MeetingPack | None:
    """An issued version of the meeting's pack."""
    return next((p for p in meeting.packs if p.version == version), None)


def pack_pdf(user: User, meeting: Meeting, pack: MeetingPack, via: str = "web") -> bytes:
    """The issued PDF's bytes, exactly as stored; the download is audited."""
    audit.record(
        "pack-downloaded",
        user=user,
        object_type="meeting",
        object_id=meeting.id,
        version=pack.version,
        format="pdf",
        via=via,
    )
    return blob_content(pack.pdf_sha256) or b""


def record_html_read(user: User, meeting: Meeting, pack: MeetingPack) -> None:
    """Reading an issued version in the browser is a download too."""
    audit.record(
        "pack-downloaded",
        user=user,
        object_type="meeting",
        object_id=meeting.id,
        version=pack.version,
        format="html",
        via="web",
    )

"""Issuing a meeting pack: version N built, its PDF stored by SHA-256, and frozen.

Issuing stores the PDF by its SHA-256 in the database (a Blob, as attachments are) with the
HTML, the agenda and the items shown, as version N; an issued version is never built again,
so later changes to the data never change it. What the pack holds is
portal.meetings.pack_content; how it is laid out, portal.meetings.pack_rendering.
"""

from __future__ import annotations

from datetime import date, datetime

from portal import audit
from portal.blobs import blob_content, store_blob
from portal.extensions import db

# Modules, not names: the area packages still import one another while they load.
from portal.meetings import pack_content, pack_rendering
from portal.models import Meeting, MeetingPack, MeetingStatus, User, utcnow


def issue_pack(
    user: User,
    meeting: Meeting,
    today: date,
    via: str = "web",
    issued_at: datetime | None = None,
    *,
    appendix: bool = False,
) -> MeetingPack:
    """Issue the next version: build it, store its PDF and HTML, freeze it; audited.

    With `appendix` (the chair's choice) the pack ends with the new items' full texts.
    """
    version = (meeting.packs[-1].version if meeting.packs else 0) + 1
    issued_at = issued_at or utcnow()
    content = pack_content.build_pack(meeting, today, version, issued_at, user, appendix=appendix)
    html = pack_rendering.render_pack(content, for_pdf=False)
    pdf, pages = pack_rendering.render_pdf(content)
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
    )
    meeting.packs.append(pack)  # the meeting's list holds it before anything commits
    if meeting.status is MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.PACK_ISSUED
    db.session.flush()
    audit.record(
        "pack-built",
        user=user,
        object_type="meeting",
        object_id=meeting.id,
        version=version,
        sha256=sha256,
        via=via,
    )
    return pack


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

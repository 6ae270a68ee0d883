"""Telling other boroughs of an embargo (or of its lifting): the notice, and who was told.

One template, ``templates/concerns/notice.html`` (extending the printed document), serves the
browser preview and the PDF through portal.pdf; each print is an audit event. Each borough
told is recorded, with the day it was told.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response

from portal import audit, pdf
from portal.concerns.fields import Errors, past_date
from portal.config import taxonomy
from portal.intelligence.attachments import content_disposition
from portal.intelligence.validation import clean_text
from portal.mail import triggers
from portal.mail.outbox import Attachment
from portal.models import Embargo, EmbargoNotice, User, utcnow
from portal.unit_of_work import ValidationFailed

TEMPLATE = "concerns/notice.html"
MAX_BOROUGHS = 50
MAX_BOROUGH_NAME = 100


@dataclass(frozen=True)
class Notice:
    """What the notice says: the embargo, who sends it, and on what day."""

    embargo: Embargo
    sender: User
    issued_on: date

    @property
    def about_lifting(self) -> bool:
        """A notice that the embargo is lifted, once it is."""
        return self.embargo.lifted

    @property
    def ended(self) -> bool:
        """An embargo that ran to its planned end without being lifted (Embargo.is_over)."""
        return not self.embargo.lifted and self.embargo.is_over(self.issued_on)

    @property
    def title(self) -> str:
        """The document's title (and the PDF's)."""
        what = "Embargo lifted" if self.about_lifting else "Embargo on new placements"
        return f"{what}: {self.embargo.provider.name}"

    @property
    def filename(self) -> str:
        """A file name that says what it is: embargo-notice-cedar-lodge-2026-11-23.pdf."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.embargo.provider.name.lower()).strip("-")
        kind = "embargo-lifted" if self.about_lifting else "embargo-notice"
        return f"{kind}-{slug[:60]}-{self.issued_on.isoformat()}.pdf"


def _context(user: User, embargo: Embargo, today: date) -> dict[str, Any]:
    return {"notice": Notice(embargo=embargo, sender=user, issued_on=today)}


def _printed(user: User, embargo: Embargo, form: str) -> None:
    audit.record(
        "embargo-notice-printed",
        user=user,
        object_type="embargo",
        object_id=embargo.id,
        format=form,
        about_lifting=embargo.lifted,
    )


def notice_html(user: User, embargo: Embargo, today: date) -> str:
    """The notice as the browser previews it."""
    html = pdf.render_html(TEMPLATE, **_context(user, embargo, today))
    _printed(user, embargo, "html")
    return html


def notice_document(user: User, embargo: Embargo, today: date) -> pdf.PrintedDocument:
    """The notice, laid out as HTML and PDF from the one template."""
    return pdf.render_document(TEMPLATE, **_context(user, embargo, today))


def notice_pdf_response(user: User, embargo: Embargo, today: date) -> Response:
    """The notice's PDF as a download."""
    notice = Notice(embargo=embargo, sender=user, issued_on=today)
    document = notice_document(user, embargo, today)
    _printed(user, embargo, "pdf")
    return Response(
        document.pdf,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": content_disposition(notice.filename),
            "X-Content-Type-Options": "nosniff",
        },
    )


def email_notice(user: User, embargo: Embargo, today: date) -> int:
    """E-mail the notice (of the embargo, or of its lifting) to the contacts recorded on it."""
    if not embargo.notice_contacts:
        return 0
    notice = Notice(embargo=embargo, sender=user, issued_on=today)
    document = notice_document(user, embargo, today)
    return triggers.embargo_notice(
        embargo, user, Attachment(notice.filename, document.pdf), notice.title
    )


# --- the boroughs told ---------------------------------------------------------------------


def london_boroughs() -> list[str]:
    """The boroughs a notice may be sent to, from the taxonomy."""
    return list(taxonomy()["embargo_notices"]["boroughs"])


def _boroughs(data: Mapping[str, Any], errors: Errors) -> list[str]:
    """The boroughs ticked and the other authorities typed (one a line), without repeats."""
    known = set(london_boroughs())
    ticked = data.get("boroughs") or []
    if isinstance(ticked, str):
        ticked = [ticked]
    chosen: list[str] = []
    for name in ticked:
        if not isinstance(name, str) or name not in known:
            errors["boroughs"] = "Choose boroughs from the list"
            return []
        chosen.append(name)
    others = data.get("others") or ""
    if not isinstance(others, str):
        errors["others"] = "Other authorities must be text"
        return []
    for line in others.replace(",", "\n").splitlines():
        name = clean_text(line)
        if len(name) > MAX_BOROUGH_NAME:
            errors["others"] = (
                f"Each authority's name must be {MAX_BOROUGH_NAME} characters or fewer"
            )
            return []
        if name:
            chosen.append(name)
    unique = list(dict.fromkeys(chosen))
    if not unique:
        errors["boroughs"] = "Choose at least one borough, or type another authority"
    elif len(unique) > MAX_BOROUGHS:
        errors["others"] = f"Record at most {MAX_BOROUGHS} authorities at once"
    return unique


def record_notices(user: User, embargo: Embargo, data: Mapping[str, Any], today: date) -> int:
    """Record the boroughs told of the embargo (or of its lifting) and when; how many."""
    errors: Errors = {}
    boroughs = _boroughs(data, errors)
    notified_on = past_date(data.get("notified_on"), "notified_on", "Date told", errors, today)
    subject = data.get("subject") or "embargo"
    if subject not in ("embargo", "lifting") or (subject == "lifting" and not embargo.lifted):
        errors["subject"] = "Choose what the boroughs were told"
    if errors or notified_on is None:
        raise ValidationFailed(errors)
    about_lifting = subject == "lifting"
    now = utcnow()
    for borough in boroughs:
        embargo.notices.append(
            EmbargoNotice(
                borough=borough,
                notified_on=notified_on,
                about_lifting=about_lifting,
                recorded_by_id=user.id,
                recorded_at=now,
            )
        )
    audit.record(
        "embargo-notices-recorded",
        user=user,
        object_type="embargo",
        object_id=embargo.id,
        boroughs=boroughs,
        notified_on=notified_on.isoformat(),
        about_lifting=about_lifting,
    )
    return len(boroughs)

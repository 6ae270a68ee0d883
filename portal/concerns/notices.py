"""The notice of an embargo (or of its lifting) to other boroughs, as HTML and as PDF.

One template, ``templates/concerns/notice.html`` (extending the printed document), serves the
browser preview and the PDF through portal.pdf; each print is an audit event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response

from portal import audit, pdf
from portal.extensions import db
from portal.intelligence.attachments import content_disposition
from portal.models import Embargo, User

TEMPLATE = "concerns/notice.html"


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
    db.session.commit()


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

"""A meeting pack laid out: the browser's HTML, and the PDF's, from one template.

templates/meetings/pack.html makes both; portal.pdf turns the PDF's HTML into pages.
"""

from __future__ import annotations

from datetime import date

from flask import render_template

from portal.config import labels

# A module, not names: the area packages still import one another while they load.
from portal.meetings import pack_content
from portal.models import Meeting
from portal.pdf import pdf_with_pages

TEMPLATE = "meetings/pack.html"


def render_pack(content: pack_content.PackContent, for_pdf: bool) -> str:
    """The pack's HTML: the browser preview, or the PDF's source."""
    return render_template(
        TEMPLATE,
        for_pdf=for_pdf,
        pack=content,
        key_question_labels=labels("key_questions"),
    )


def render_pdf(content: pack_content.PackContent) -> tuple[bytes, int]:
    """The pack as a PDF, and its number of pages."""
    return pdf_with_pages(render_pack(content, for_pdf=True))


def preview(meeting: Meeting, today: date) -> str:
    """The pack as it would be issued now, as HTML (nothing is stored)."""
    return render_pack(pack_content.build_pack(meeting, today), for_pdf=False)

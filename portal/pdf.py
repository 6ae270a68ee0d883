"""Printed documents (meeting packs, minutes, notices, visit reports) as PDF.

One set of templates serves the HTML preview and the PDF: a document extends
`templates/print/document.html`, and WeasyPrint lays out the same HTML with the
print stylesheet `portal/assets/print.css` (which the preview links from static/).
Every page carries the OFFICIAL-SENSITIVE marking in its header and footer, and
page numbers. The PDF is tagged (PDF/UA-1) with its title and language set.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import render_template
from weasyprint import CSS, HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher

PRINT_CSS = Path(__file__).resolve().parent / "assets" / "print.css"
STATIC = Path(__file__).resolve().parent / "static"
PDF_VARIANT = "pdf/ua-1"
# fontTools stamps each embedded font subset with the time it was made unless this is set:
# with it, the same HTML always gives the same bytes (an issued document can be re-checked).
os.environ.setdefault("SOURCE_DATE_EPOCH", "0")


class ExternalResourceRefused(FatalURLFetchingError):
    """A printed document asked for something outside the portal's own static files."""


class LocalFilesOnly(URLFetcher):
    """Fetch only data: URLs and the portal's static files; never the network."""

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        """The resource, if it is the portal's own; ExternalResourceRefused stops the document."""
        if url.startswith("file://"):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if path.is_relative_to(STATIC) or path == PRINT_CSS:
                return super().fetch(url, headers)
        elif url.startswith("data:"):
            return super().fetch(url, headers)
        raise ExternalResourceRefused(f"a printed document may not load {url[:100]}")


@dataclass(frozen=True)
class PrintedDocument:
    """A rendered document: its HTML (as previewed) and its PDF bytes with their SHA-256."""

    html: str
    pdf: bytes

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the PDF bytes, as recorded when a document is issued."""
        return hashlib.sha256(self.pdf).hexdigest()


def render_html(template: str, **context: Any) -> str:
    """The document's HTML for the browser preview (the print stylesheet linked from static/)."""
    return render_template(template, for_pdf=False, **context)


def layout(html: str) -> Any:
    """Lay out HTML rendered with for_pdf=True into pages (a WeasyPrint Document)."""
    document = HTML(string=html, base_url=str(STATIC) + "/", url_fetcher=LocalFilesOnly())
    return document.render(stylesheets=[CSS(filename=str(PRINT_CSS))], pdf_variant=PDF_VARIANT)


def draw(laid_out: Any) -> bytes:
    """Write laid-out pages as a tagged PDF."""
    pdf: bytes = laid_out.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf


def html_to_pdf(html: str) -> bytes:
    """Lay out HTML rendered with for_pdf=True as a tagged PDF with the print stylesheet."""
    return pdf_with_pages(html)[0]


#: The last few documents made, by the SHA-256 of their HTML: the same HTML always gives
#: the same bytes, so a document made again (an unchanged pack re-issued, the demo loaded
#: afresh) costs nothing. A few megabytes at most.
_RECENT: OrderedDict[str, tuple[bytes, int]] = OrderedDict()
_RECENT_SIZE = 8
_RECENT_LOCK = threading.Lock()


def pdf_with_pages(html: str) -> tuple[bytes, int]:
    """The PDF of HTML rendered with for_pdf=True, and its number of pages."""
    key = hashlib.sha256(html.encode("utf-8", "surrogatepass")).hexdigest()
    with _RECENT_LOCK:
        if key in _RECENT:
            _RECENT.move_to_end(key)
            return _RECENT[key]
    laid_out = layout(html)
    made = (draw(laid_out), len(laid_out.pages))
    with _RECENT_LOCK:
        _RECENT[key] = made
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return made


def render_document(template: str, **context: Any) -> PrintedDocument:
    """The document as previewed in the browser and as PDF, from the same template."""
    html = render_template(template, for_pdf=False, **context)
    pdf = html_to_pdf(render_template(template, for_pdf=True, **context))
    return PrintedDocument(html=html, pdf=pdf)

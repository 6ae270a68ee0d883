"""Printed documents: the same template makes the preview and a tagged PDF, marked on every page."""

from __future__ import annotations

import io

import pytest
from flask import render_template_string
from pypdf import PdfReader

from portal.pdf import ExternalResourceRefused, html_to_pdf, render_document

# Run once, on SQLite: the documents are laid out from fixed HTML: nothing is read from the database.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

DOCUMENT = """{% extends "print/document.html" %}
{% block title %}Joint Intelligence Group pack{% endblock %}
{% block content %}<h1>Pack</h1>{% for n in range(pages) %}
<section class="print-section"><h2>Section {{ n }}</h2><p>Canary word {{ word }}.</p></section>
{% endfor %}{% endblock %}"""


def pdf_text(pdf: bytes) -> list[str]:
    """The text of each page of a PDF."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_page_is_marked_and_numbered(app):
    with app.test_request_context():
        html = render_template_string(DOCUMENT, for_pdf=True, pages=3, word="quokka")
        pages = pdf_text(html_to_pdf(html))
    assert len(pages) == 4
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") == 2
        assert f"Page {number} of 4" in text
    assert "quokka" in pages[1]


def test_the_pdf_is_tagged_with_its_title_and_language(app):
    with app.test_request_context():
        pdf = html_to_pdf(render_template_string(DOCUMENT, for_pdf=True, pages=1, word="x"))
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "Joint Intelligence Group pack"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]


def test_the_preview_links_the_print_stylesheet_and_shows_the_marking(app):
    with app.test_request_context():
        html = render_template_string(DOCUMENT, for_pdf=False, pages=1, word="x")
    assert "/static/print.css" in html
    assert html.count("OFFICIAL-SENSITIVE") == 2


def test_a_document_never_loads_anything_from_the_network(app):
    with app.test_request_context(), pytest.raises(ExternalResourceRefused):
        html_to_pdf('<img src="http://169.254.169.254/latest">')


def test_render_document_gives_the_preview_and_the_pdf_from_one_template(app, tmp_path):
    template = tmp_path / "doc.html"
    template.write_text(DOCUMENT)
    from jinja2 import ChoiceLoader, FileSystemLoader

    app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, FileSystemLoader(str(tmp_path))])
    with app.test_request_context():
        document = render_document("doc.html", pages=2, word="wombat")
    assert "wombat" in document.html and "/static/print.css" in document.html
    assert "wombat" in "".join(pdf_text(document.pdf))
    assert len(document.sha256) == 64

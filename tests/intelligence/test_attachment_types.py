"""What a file is comes from its bytes: accepted types, refusals, safe names and headers."""

from __future__ import annotations

import pytest

from portal.intelligence.attachments import (
    Upload,
    check_uploads,
    clean_filename,
    content_disposition,
    detect_type,
)
from tests.intelligence.helpers import (
    EML_BYTES,
    GIF_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    compound_file,
    ooxml,
)

ACCEPTED = [
    ("report.pdf", PDF_BYTES, "application/pdf"),
    ("photo.png", PNG_BYTES, "image/png"),
    ("photo.jpg", JPEG_BYTES, "image/jpeg"),
    ("photo.gif", GIF_BYTES, "image/gif"),
    (
        "letter.docx",
        ooxml("word"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "figures.xlsx",
        ooxml("xl"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("letter.doc", compound_file("WordDocument", "1Table"), "application/msword"),
    ("figures.xls", compound_file("Workbook"), "application/vnd.ms-excel"),
    (
        "complaint.msg",
        compound_file("__substg1.0_0037001F", "__properties_version1.0"),
        "application/vnd.ms-outlook",
    ),
    ("complaint.eml", EML_BYTES, "message/rfc822"),
    ("notes.txt", "Visited 5 October – café closed.\n".encode(), "text/plain; charset=utf-8"),
    ("rota.csv", b"date,staff\n2026-10-05,2\n", "text/csv; charset=utf-8"),
    ("old.txt", "Caf\u00e9 r\u00e9sidents".encode("cp1252"), "text/plain; charset=windows-1252"),
]


@pytest.mark.parametrize(("name", "content", "expected"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_each_accepted_type_is_recognised_from_its_content(name, content, expected):
    assert detect_type(content, name).content_type == expected


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),  # a Windows program named .pdf
        ("notes.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("picture.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 40),  # a broken ZIP
        ("macro.docx", ooxml("word", macros=True)),
        ("macro.doc", compound_file("WordDocument", "Macros")),
        ("thing.doc", compound_file("SomethingElse")),
        ("data.bin", bytes(range(256))),
        ("empty.txt", b""),
        ("term.log", b"\x1b[31mred\x1b[0m"),
    ],
)
def test_anything_else_is_refused_whatever_its_name(name, content):
    assert detect_type(content, name) is None


def test_a_name_only_tells_csv_from_plain_text_never_the_type():
    assert detect_type(PDF_BYTES, "looks.csv").content_type == "application/pdf"
    assert detect_type(b"a,b\n", "data.txt").content_type.startswith("text/plain")


def test_refusals_name_each_file_and_say_what_is_accepted():
    big = Upload("huge scan.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    bad = Upload("setup.exe", b"MZ\x90\x00")
    good = Upload("notes.txt", b"fine")
    checked, message = check_uploads([good, big, bad], max_mb=1)
    assert checked == []
    assert "huge scan.pdf is larger than 1 MB" in message
    assert "setup.exe is not a type of file the portal accepts" in message
    assert "PDF, Word or Excel" in message


def test_good_files_pass_with_their_detected_type():
    checked, message = check_uploads([Upload("a.pdf", PDF_BYTES)], max_mb=1)
    assert message is None
    assert checked[0].file_type.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("C:\\Users\\jo\\report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("line\r\nbreak.txt", "linebreak.txt"),
        ('"><img src=x onerror=alert(1)>.txt', '"><img src=x onerror=alert(1)>.txt'),
        ("%22quoted%22 name.pdf", '"quoted" name.pdf'),
        ("", "attachment"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_file_names_lose_folders_and_control_characters(raw, kept):
    assert clean_filename(raw) == kept


def test_the_download_name_is_safe_in_the_header_and_exact_for_browsers():
    header = content_disposition('rapport d’été "final"; v2.pdf')
    assert header.startswith('attachment; filename="rapport d__t_ _final__ v2.pdf"')
    assert "filename*=UTF-8''rapport%20d%E2%80%99%C3%A9t%C3%A9%20%22final%22%3B%20v2.pdf" in header
    assert "\r" not in content_disposition("a\r\nSet-Cookie: x.txt")

"""Builders the intelligence tests share: files of each type, attachments, form posts."""

from __future__ import annotations

import io
import struct
import zipfile
from typing import Any

from portal.extensions import db
from portal.intelligence.attachments import CheckedUpload, detect_type, store
from portal.models import Attachment, IntelligenceItem, User

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
GIF_BYTES = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 10 + b";"
EML_BYTES = (
    b"From: Jo Bloggs <jo@example.org>\r\nTo: team@example.gov.uk\r\n"
    b"Subject: Concern about night staffing\r\nDate: Tue, 6 Oct 2026 09:12:00 +0100\r\n"
    b"Message-ID: <1@example.org>\r\n\r\nTwo carers on nights for 30 residents.\r\n"
)


def ooxml(kind: str, macros: bool = False) -> bytes:
    """A minimal Office Open XML package: "word" (DOCX) or "xl" (XLSX)."""
    main = "word/document.xml" if kind == "word" else "xl/workbook.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("_rels/.rels", "<Relationships/>")
        package.writestr(main, "<document/>")
        if macros:
            package.writestr(f"{kind}/vbaProject.bin", b"\x00" * 16)
    return buffer.getvalue()


def compound_file(*stream_names: str) -> bytes:
    """A minimal OLE compound file (version 3) whose directory names these empty streams."""
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 76, 0)  # the FAT is sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, free)
    names = ["Root Entry", *stream_names]
    directory_sectors = -(-len(names) // 4)
    fat = [fat_sector] + [i + 2 for i in range(1, directory_sectors)] + [end]
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat) + struct.pack("<I", free) * (128 - len(fat))
    entries = b""
    for index, name in enumerate(names):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[: len(encoded)] = encoded
        struct.pack_into("<HBB", entry, 64, len(encoded), 5 if index == 0 else 2, 1)
        struct.pack_into(
            "<III", entry, 68, free, free, 1 if index == 0 and len(names) > 1 else free
        )
        struct.pack_into("<IQ", entry, 116, end, 0)
        entries += bytes(entry)
    entries += bytes(128) * (directory_sectors * 4 - len(names))
    return bytes(header) + fat_bytes + entries


def attach(item: IntelligenceItem, user: User, filename: str, content: bytes) -> Attachment:
    """Store a file on an item as the upload would (committed)."""
    file_type = detect_type(content, filename)
    assert file_type is not None, f"{filename} is not an accepted type"
    attachment = store(item, CheckedUpload(filename, content, file_type), user)
    db.session.commit()
    return attachment


def attachment_url(world: Any) -> str:
    """The download address of a text file attached to the world's TLP:GREEN item."""
    from portal.models import Marking

    item = world.items[Marking.GREEN]
    attachment = attach(item, world.officer, "notes.txt", b"Rota for the week of 5 October.\n")
    return f"/intelligence/{item.id}/attachments/{attachment.id}"


def form_fields(provider_id: int, **overrides: Any) -> dict[str, Any]:
    """A complete, valid intelligence form as a browser would post it."""
    fields: dict[str, Any] = {
        "provider_id": str(provider_id),
        "observed_day": "5",
        "observed_month": "10",
        "observed_year": "2026",
        "title": "Night staffing below safe levels",
        "body": "Two carers on nights for 30 residents.\n\nThe manager was told.",
        "key_question": "safe",
        "themes": ["staffing", "safeguarding"],
        "likelihood": "4",
        "impact": "3",
        "source_evaluation": "1",
        "intelligence_assessment": "B",
        "handling_code": "P",
        "handling_conditions": "",
        "marking": "AMBER",
        "recipients": [],
    }
    fields.update(overrides)
    return fields


def api_fields(provider_id: int, **overrides: Any) -> dict[str, Any]:
    """A complete, valid API body for POST /api/v1/intelligence."""
    body: dict[str, Any] = {
        "provider_id": provider_id,
        "observed_on": "2026-10-05",
        "title": "Night staffing below safe levels",
        "body": "Two carers on nights for 30 residents.",
        "key_question": "safe",
        "themes": ["staffing"],
        "likelihood": 4,
        "impact": 3,
        "source_evaluation": 1,
        "intelligence_assessment": "B",
        "handling_code": "P",
        "marking": "AMBER",
    }
    body.update(overrides)
    return body


def sign_in_as(client: Any, user: User) -> None:
    """Switch the browser to another user (tests share one app context, so forget the last)."""
    from flask import g

    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    g.pop("_login_user", None)

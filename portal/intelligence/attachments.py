"""Attachments: the type read from the content, storage by SHA-256, safe download headers.

The type of a file is decided by its bytes, never by its name or the browser's
content type: a PDF starts ``%PDF-``; Word and Excel files are either ZIP
packages (Office Open XML, told apart by the parts inside) or OLE compound
files (told apart by the streams their directory names); images by their
signatures; text must decode and contain no control characters; an e-mail is
text that opens with RFC 5322 headers. Anything else is refused, and so are
Office files that carry macros. Content is stored once per SHA-256 as a Blob
in the database, so every server shares it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from portal.blobs import blob_content, store_blob
from portal.extensions import db
from portal.models import Attachment, IntelligenceItem, User

ACCEPTED_TYPES_TEXT = (
    "Attach PDF, Word or Excel documents, PNG, JPEG or GIF images, text or CSV files, "
    "or e-mails (.eml or .msg)"
)
MAX_FILENAME_LENGTH = 255
MAX_FILES_PER_SUBMISSION = 20

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE_OR_END = 0xFFFFFFFA  # sector numbers from here up are markers, not sectors
_MACRO_STREAMS = {"_VBA_PROJECT_CUR", "VBA", "Macros", "_VBA_PROJECT"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:[ \t]?")
_MAIL_HEADERS = {
    b"from",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"received",
    b"message-id",
    b"mime-version",
    b"return-path",
    b"reply-to",
    b"sender",
    b"delivered-to",
    b"content-type",
}
_MARKUP_START = re.compile(rb"^\s*<\s*(!doctype|html|head|body|script|svg|\?xml)", re.IGNORECASE)


@dataclass(frozen=True)
class FileType:
    """A detected file type: what the download says it is, and what people call it."""

    content_type: str
    description: str


PDF = FileType("application/pdf", "PDF document")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document"
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel spreadsheet"
)
DOC = FileType("application/msword", "Word document (97-2003)")
XLS = FileType("application/vnd.ms-excel", "Excel spreadsheet (97-2003)")
MSG = FileType("application/vnd.ms-outlook", "Outlook e-mail")
EML = FileType("message/rfc822", "E-mail")
PNG = FileType("image/png", "PNG image")
JPEG = FileType("image/jpeg", "JPEG image")
GIF = FileType("image/gif", "GIF image")
TEXT_UTF8 = FileType("text/plain; charset=utf-8", "Text file")
TEXT_LEGACY = FileType("text/plain; charset=windows-1252", "Text file")
CSV_UTF8 = FileType("text/csv; charset=utf-8", "CSV file")
CSV_LEGACY = FileType("text/csv; charset=windows-1252", "CSV file")

DESCRIPTIONS = {
    t.content_type: t.description
    for t in (PDF, DOCX, XLSX, DOC, XLS, MSG, EML, PNG, JPEG, GIF)
    + (TEXT_UTF8, TEXT_LEGACY, CSV_UTF8, CSV_LEGACY)
}


def detect_type(content: bytes, filename: str = "") -> FileType | None:
    """The accepted type of this content, or None; the name only tells CSV from plain text."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if content.startswith(b"PK\x03\x04"):
        return _office_open_xml_type(content)
    if content.startswith(OLE_SIGNATURE):
        return _compound_file_type(content)
    return _text_type(content, filename)


def _office_open_xml_type(content: bytes) -> FileType | None:
    """DOCX or XLSX by the parts inside the package; macro-enabled packages are refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names or any(n.endswith("vbaProject.bin") for n in names):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def compound_file_names(content: bytes) -> set[str]:
    """The names of the storages and streams in an OLE compound file's directory."""
    if len(content) < 512 or not content.startswith(OLE_SIGNATURE):
        return set()
    shift = int.from_bytes(content[30:32], "little")
    if shift not in (9, 12):
        return set()
    size = 1 << shift

    def sector(number: int) -> bytes:
        start = (number + 1) * size
        return content[start : start + size]

    def numbers(chunk: bytes) -> list[int]:
        return [int.from_bytes(chunk[i : i + 4], "little") for i in range(0, len(chunk) - 3, 4)]

    fat_sectors = [n for n in numbers(content[76:512]) if n < _FREE_OR_END]
    # Large files list further FAT sectors in a chain of DIFAT sectors.
    difat, seen = int.from_bytes(content[68:72], "little"), set[int]()
    while difat < _FREE_OR_END and difat not in seen and len(seen) < 1000:
        seen.add(difat)
        entries = numbers(sector(difat))
        fat_sectors += [n for n in entries[:-1] if n < _FREE_OR_END]
        difat = entries[-1] if entries else _FREE_OR_END
    fat: list[int] = []
    for number in fat_sectors:
        fat += numbers(sector(number))
    names: set[str] = set()
    current, visited = int.from_bytes(content[48:52], "little"), set[int]()
    while current < _FREE_OR_END and current not in visited and len(visited) < 10_000:
        visited.add(current)
        chunk = sector(current)
        for offset in range(0, len(chunk) - 127, 128):
            entry = chunk[offset : offset + 128]
            length = int.from_bytes(entry[64:66], "little")
            if 2 <= length <= 64 and entry[66] in (1, 2, 5):  # storage, stream, root
                names.add(entry[: length - 2].decode("utf-16-le", "replace"))
        current = fat[current] if current < len(fat) else _FREE_OR_END
    return names


def _compound_file_type(content: bytes) -> FileType | None:
    """Word 97-2003, Excel 97-2003 or Outlook .msg, by the streams the file holds."""
    names = compound_file_names(content)
    if names & _MACRO_STREAMS:
        return None
    if "WordDocument" in names:
        return DOC
    if "Workbook" in names or "Book" in names:
        return XLS
    if any(n.startswith(("__substg1.0_", "__properties_version1.0")) for n in names):
        return MSG
    return None


def _text_type(content: bytes, filename: str) -> FileType | None:
    """Plain text, CSV or an e-mail; markup (HTML, SVG, XML) and binary data are refused."""
    if not content or b"\x00" in content:
        return None
    utf8 = True
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        utf8 = False
        text = content.decode("cp1252", errors="replace")
    if _CONTROL.search(text) or (not utf8 and "\ufffd" in text):
        return None
    if _MARKUP_START.match(content.removeprefix(b"\xef\xbb\xbf")):
        return None
    if _looks_like_email(content):
        return EML
    if filename.lower().endswith(".csv"):
        return CSV_UTF8 if utf8 else CSV_LEGACY
    return TEXT_UTF8 if utf8 else TEXT_LEGACY


def _looks_like_email(content: bytes) -> bool:
    """Opens with header lines (RFC 5322), at least two of them ones every e-mail has."""
    head = content[:65536].replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    lines = head.split(b"\n")
    known = 0
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            continue  # a folded header continues the one above
        if not _HEADER_LINE.match(line):
            return False
        known += line.split(b":", 1)[0].strip().lower() in _MAIL_HEADERS
    return known >= 2


def clean_filename(raw: str) -> str:
    """The name to keep: no folders, no control characters, at most 255 characters."""
    # Browsers send a double quote and line breaks in a name as %22, %0D and %0A (HTML's
    # multipart encoding); the line breaks then go with the other control characters.
    for encoded, character in (("%22", '"'), ("%0D", "\r"), ("%0A", "\n")):
        raw = raw.replace(encoded, character)
    name = raw.replace("\t", " ").replace("\\", "/").rsplit("/", 1)[-1]
    name = _ANY_CONTROL.sub("", name).strip().strip(".") or "attachment"
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_FILENAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name the browser gave and the bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed the checks, with its detected type."""

    filename: str
    content: bytes
    file_type: FileType


def max_bytes(max_mb: int) -> int:
    """The largest accepted file, in bytes."""
    return int(max_mb) * 1024 * 1024


def check_uploads(uploads: list[Upload], max_mb: int) -> tuple[list[CheckedUpload], str | None]:
    """The files that may be stored, or one message naming every file refused."""
    problems: list[str] = []
    checked: list[CheckedUpload] = []
    if len(uploads) > MAX_FILES_PER_SUBMISSION:
        return [], f"Attach up to {MAX_FILES_PER_SUBMISSION} files at a time"
    for upload in uploads:
        name = clean_filename(upload.filename)
        if not upload.content:
            problems.append(f"{name} is empty")
        elif len(upload.content) > max_bytes(max_mb):
            problems.append(f"{name} is larger than {max_mb} MB")
        else:
            file_type = detect_type(upload.content, name)
            if file_type is None:
                problems.append(f"{name} is not a type of file the portal accepts")
            else:
                checked.append(CheckedUpload(name, upload.content, file_type))
    if problems:
        return [], (
            "; ".join(problems) + f". {ACCEPTED_TYPES_TEXT}, of up to {max_mb} MB each "
            "(documents with macros are not accepted)"
        )
    return checked, None


def store(item: IntelligenceItem, upload: CheckedUpload, user: User) -> Attachment:
    """Keep the content once per SHA-256 and attach it to the item (in the session)."""
    digest = store_blob(upload.content)
    attachment = Attachment(
        item=item,
        filename=upload.filename,
        content_type=upload.file_type.content_type,
        size=len(upload.content),
        sha256=digest,
        uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    return attachment


def content_of(attachment: Attachment) -> bytes:
    """The stored bytes of an attachment."""
    return blob_content(attachment.sha256) or b""


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real name per RFC 5987 / 6266."""
    fallback = "".join(
        c if c.isascii() and (c.isalnum() or c in " ._-()") else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback or 'attachment'}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_headers(attachment: Attachment) -> dict[str, Any]:
    """The headers that make a download safe: never rendered, never sniffed, never cached."""
    return {
        "Content-Type": attachment.content_type,
        "Content-Disposition": content_disposition(attachment.filename),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        # Should a browser open it anyway, nothing in it may run.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Length": str(attachment.size),
    }


def human_size(size: int) -> str:
    """A file size as people read it: 980 bytes, 12 KB, 3.4 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"

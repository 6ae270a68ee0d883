"""The work behind the ECM upload page and command: checked options, the import, the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa

from portal.ecm.importer import EcmImportFailed, EcmReport, import_ecm
from portal.ecm.mappings import DEFAULT_MAPPING, Mapping, mapping_named, mappings
from portal.extensions import db
from portal.models import Agency, Marking, User
from portal.policy import MONITORING_MARKINGS, can_record_monitoring
from portal.unit_of_work import ValidationFailed

MARKING_CHOICES = [(m.value, m.label) for m in MONITORING_MARKINGS]


class ImportOptionsError(Exception):
    """An option of the import cannot be used; the message says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportOptions:
    """The checked options of an import."""

    mapping: Mapping
    agency: Agency
    marking: Marking
    user: User | None


def mapping_choices() -> list[tuple[str, str]]:
    """(name, title) of every mapping, the default first."""
    found = mappings()
    names = sorted(found, key=lambda name: (name != DEFAULT_MAPPING, name))
    return [(name, f"{found[name].title} ({name})") for name in names]


def check_marking(raw: str) -> Marking:
    """The marking for imported data; ImportOptionsError for RED or anything unknown."""
    allowed = ", ".join(m.value for m in MONITORING_MARKINGS)
    try:
        marking = Marking(raw.strip().upper())
    except ValueError:
        raise ImportOptionsError(f"the marking must be one of {allowed}") from None
    if marking not in MONITORING_MARKINGS:
        raise ImportOptionsError(
            f"ECM data cannot be marked RED (it names no recipients); use one of {allowed}"
        )
    return marking


def import_options(
    mapping_name: str, agency_code: str, marking: str, author_email: str | None
) -> ImportOptions:
    """The command line's options, checked; ImportOptionsError with a clear message."""
    mapping = mapping_named(mapping_name)
    if mapping is None:
        raise ImportOptionsError(
            f"there is no mapping called {mapping_name!r}; the mappings are "
            + ", ".join(sorted(mappings()))
            + " (config/ecm_mappings.toml)"
        )
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == agency_code.strip().upper()))
    if agency is None or not agency.active:
        raise ImportOptionsError(f"there is no active agency with the code {agency_code!r}")
    user = None
    if author_email:
        user = db.session.scalar(
            sa.select(User).where(sa.func.lower(User.email) == author_email.strip().lower())
        )
        if user is None or user.agency_id != agency.id or not can_record_monitoring(user):
            raise ImportOptionsError(
                f"{author_email} is not an active member or chair of {agency.code}, a council"
            )
    return ImportOptions(mapping, agency, check_marking(marking), user)


def check_upload(file_name: str, mapping_name: str, marking: str) -> tuple[str, Mapping, Marking]:
    """An upload's file name (printable, for the page and the audit), mapping and marking,
    checked before its import is queued; ValidationFailed otherwise."""
    # The browser's name for the file is shown and audited: no control characters (a NUL).
    file_name = "".join(c for c in file_name if c.isprintable())[:200] or "upload.csv"
    mapping = mapping_named(mapping_name)
    if mapping is None:
        raise ValidationFailed({"mapping": "Choose the layout of the file"})
    try:
        checked = check_marking(marking)
    except ImportOptionsError as exc:
        raise ValidationFailed({"marking": exc.message[0].upper() + exc.message[1:]}) from None
    return file_name, mapping, checked


def import_upload(
    user: User,
    stream: IO[bytes] | Any,
    file_name: str,
    mapping_name: str,
    marking: str,
    progress: Callable[[str], None] | None = None,
) -> EcmReport:
    """Import an uploaded log as the user's agency: its report, or ValidationFailed."""
    file_name, mapping, checked = check_upload(file_name, mapping_name, marking)
    try:
        return import_ecm(
            stream, file_name, mapping, user.agency, checked, user=user, progress=progress
        )
    except EcmImportFailed as exc:
        db.session.rollback()
        raise ValidationFailed({"file": exc.message}) from None

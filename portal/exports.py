"""The one CSV writer for every export: no cell reaches a spreadsheet as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TextIO

#: A spreadsheet may run a cell that begins with one of these as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """The cell's text, with a single quote in front when it begins like a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_line(values: Sequence[object]) -> str:
    """One CSV row, every cell neutralised, ending in CRLF as RFC 4180 asks."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralise(value) for value in values])
    return buffer.getvalue()


def write_csv(stream: TextIO, rows: Iterable[Sequence[object]]) -> int:
    """Write each row to the stream through csv_line; the number of rows written."""
    written = 0
    for row in rows:
        stream.write(csv_line(row))
        written += 1
    return written

"""Risk heatmaps drawn as server-side SVG: they need no JavaScript, print, and go into the PDF.

Every cell carries text and a <title>, the legend names each band with its scores, and the
colours give the cell text a contrast of at least 7:1. The SVG uses presentation attributes
only (no style attributes, scripts or external resources), so the strict CSP allows it and
WeasyPrint renders it unchanged.

The builders take numbers already computed by portal.risk for one user; nothing here reads
the database. `layout` works out where everything goes (a HeatmapDrawing); the macro
`heatmap_svg` in templates/components/heatmap.html writes the SVG from it, escaping every
piece of text.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from portal.config import labels, taxonomy
from portal.risk import ProviderRisk
from portal.risk_bands import Band, band_for, band_ranges, range_text

#: (fill, text colour) per band: the text contrasts at least 7:1 with the fill.
BAND_COLOURS: dict[Band, tuple[str, str]] = {
    Band.LOW: ("#cce2d8", "#004a27"),
    Band.MODERATE: ("#fff7bf", "#4d4400"),
    Band.HIGH: ("#fcd6c3", "#5c2d14"),
    Band.EXTREME: ("#942514", "#ffffff"),
}
#: A cell with no readable items.
EMPTY_COLOURS = ("#ffffff", "#0b0c0c")
#: A cell of a month with no data yet (the month has only begun): grey, and said in words.
PENDING_COLOURS = ("#f3f2f1", "#0b0c0c")
PENDING_NOTE = "no data yet (the month has only begun)"
TEXT_COLOUR = "#0b0c0c"
GRID_COLOUR = "#b1b4b6"
EMPTY_TEXT = "–"
# Written out, not from the calendar module, whose names follow the server's locale.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: The width of a character, on average, at the drawing's font size (generous: the PDF may
#: fall back to a wider font than Arial). Row labels wrap at this estimate, never cut.
CHAR_WIDTH = 7.7


@dataclass(frozen=True)
class Cell:
    """One cell: the text drawn in it, its title, and the band that colours it."""

    text: str
    title: str
    band: Band | None
    table_text: str = ""
    #: The cell's month has no data yet: drawn grey, the column head and the key say so.
    pending: bool = False


@dataclass(frozen=True)
class Column:
    """A column: its label on one or two lines, and in full."""

    lines: tuple[str, ...]
    full: str


@dataclass(frozen=True)
class Row:
    """A row: its label in full (drawn wrapped over lines if long), an optional link, its cells."""

    label: str
    cells: list[Cell]
    url: str | None = None


@dataclass(frozen=True)
class Heatmap:
    """A grid of cells with its title, description and legend note."""

    key: str
    title: str
    description: str
    row_heading: str
    columns: list[Column]
    rows: list[Row]
    empty_note: str = f"{EMPTY_TEXT} no open items you may read"
    column_heading: str = ""
    label_width: int = 250
    cell_width: int = 68

    @property
    def drawing(self) -> HeatmapDrawing:
        """Where everything goes in the SVG, for the macro heatmap_svg."""
        return layout(self)


# --- builders -------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def score_cell(where: str, risk: ProviderRisk | None) -> Cell:
    """A cell showing a highest score and its item count, or a dash when there is none."""
    if risk is None:
        return Cell(
            text=EMPTY_TEXT,
            title=f"{where}: no open items you may read",
            band=None,
            table_text=f"{EMPTY_TEXT} (none)",
        )
    band = risk.band
    items = _plural(risk.items, "item")
    return Cell(
        text=f"{risk.score} ({risk.items})",
        title=f"{where}: highest score {risk.score} ({band.value}) from {items}",
        band=band,
        table_text=f"{risk.score} {band.value} ({items})",
    )


def _month_column(year: int, month: int, pending: bool) -> Column:
    name = MONTH_NAMES[month - 1]
    if pending:
        return Column(
            lines=(name[:3], str(year), "no data", "yet"), full=f"{name} {year} (no data yet)"
        )
    return Column(lines=(name[:3], str(year)), full=f"{name} {year}")


def _pending_cell(where: str) -> Cell:
    return Cell(
        text=EMPTY_TEXT,
        title=f"{where}: {PENDING_NOTE}",
        band=None,
        table_text="no data yet",
        pending=True,
    )


def month_heatmap(
    key: str,
    providers: Sequence[tuple[int, str]],
    months: Sequence[tuple[int, int]],
    scores: Mapping[int, Mapping[tuple[int, int], ProviderRisk]],
    url_for_provider: Callable[[int], str | None] = lambda _id: None,
    no_data_yet: Collection[tuple[int, int]] = (),
) -> Heatmap:
    """Providers (id, name) x months: each cell the month's highest score and item count.

    Months in `no_data_yet` (a month just begun) are labelled so rather than drawn as empty.
    """
    columns = [_month_column(y, m, (y, m) in no_data_yet) for y, m in months]
    rows = [
        Row(
            label=name,
            url=url_for_provider(pid),
            cells=[
                _pending_cell(f"{name}, {column.full}")
                if ym in no_data_yet
                else score_cell(f"{name}, {column.full}", scores.get(pid, {}).get(ym))
                for ym, column in zip(months, columns, strict=True)
            ],
        )
        for pid, name in providers
    ]
    names = [f"{MONTH_NAMES[m - 1]} {y}" for y, m in months]
    first, last = (names[0], names[-1]) if names else ("", "")
    return Heatmap(
        key=key,
        title=f"Highest risk score by month, {first} to {last}",
        description=(
            f"{_plural(len(rows), 'provider')} by month observed. Each cell shows the highest "
            "score of the open items you may read from that month, with the number of items "
            "in brackets; a dash means none."
        ),
        row_heading="Provider",
        columns=columns,
        rows=rows,
    )


def key_question_heatmap(
    key: str,
    providers: Sequence[tuple[int, str]],
    scores: Mapping[int, Mapping[str, ProviderRisk]],
    period: str,
    url_for_provider: Callable[[int], str | None] = lambda _id: None,
) -> Heatmap:
    """Providers (id, name) x the five key questions for a period."""
    questions = labels("key_questions")
    columns = [Column(lines=(label,), full=label) for label in questions.values()]
    rows = [
        Row(
            label=name,
            url=url_for_provider(pid),
            cells=[
                score_cell(f"{name}, {label}", scores.get(pid, {}).get(code))
                for code, label in questions.items()
            ],
        )
        for pid, name in providers
    ]
    return Heatmap(
        key=key,
        title=f"Highest risk score by key question, {period}",
        description=(
            f"{_plural(len(rows), 'provider')} by CQC key question. Each cell shows the "
            "highest score of the open items you may read about that key question in the "
            "period, with the number of items in brackets; a dash means none."
        ),
        row_heading="Provider",
        columns=columns,
        rows=rows,
        cell_width=96,
    )


def _short(meaning: str) -> str:
    """ "Likely: will probably happen again" -> "Likely"."""
    return meaning.split(":", 1)[0]


def matrix_heatmap(key: str, counts: Mapping[tuple[int, int], int], period: str) -> Heatmap:
    """The 5x5 likelihood x impact matrix with the number of items in each cell."""
    likelihood = {int(k): _short(v) for k, v in taxonomy()["likelihood"].items()}
    impact = {int(k): _short(v) for k, v in taxonomy()["impact"].items()}
    columns = [Column(lines=(f"{i} {impact[i]}",), full=f"{i} {impact[i]}") for i in range(1, 6)]
    rows = []
    for lk in range(5, 0, -1):
        cells = []
        for im in range(1, 6):
            score = lk * im
            n = counts.get((lk, im), 0)
            band = band_for(score)
            cells.append(
                Cell(
                    text=str(n),
                    title=(
                        f"Likelihood {lk} ({likelihood[lk].lower()}) × impact {im} "
                        f"({impact[im].lower()}): score {score}, {band.value}; "
                        f"{_plural(n, 'item')}"
                    ),
                    band=band,
                    table_text=f"{n} (score {score}, {band.value})",
                )
            )
        rows.append(Row(label=f"{lk} {likelihood[lk]}", cells=cells))
    total = sum(counts.values())
    return Heatmap(
        key=key,
        title=f"Open items by likelihood and impact, {period}",
        description=(
            f"The 5×5 risk matrix: {_plural(total, 'open item')} you may read, counted by "
            "likelihood (rows, highest at the top) and impact (columns). Each cell is "
            "coloured by the band of its score, likelihood × impact."
        ),
        row_heading="Likelihood",
        column_heading="Impact",
        columns=columns,
        rows=rows,
        empty_note="",
        label_width=150,
        cell_width=112,
    )


def period_text(start: date, end: date) -> str:
    """A period as the heatmap titles write it: 23 August 2026 to 23 November 2026."""
    return f"{start.day} {MONTH_NAMES[start.month - 1]} {start.year} to {end.day} {MONTH_NAMES[end.month - 1]} {end.year}"


# --- drawing --------------------------------------------------------------------------------

CELL_HEIGHT = 34
GAP = 2
MARGIN = 4
LINE = 17
#: The step between the lines of a wrapped row label: two lines fit a row of CELL_HEIGHT.
LABEL_LINE = 16
FONT = "Arial, Helvetica, sans-serif"
FONT_SIZE = 14
LEGEND_INDENT = MARGIN + 44


@dataclass(frozen=True)
class Placed:
    """A piece of text and where it is drawn."""

    x: float
    y: float
    text: str


@dataclass(frozen=True)
class DrawnColumn:
    """A column label: its full text (the title) and each line drawn."""

    full: str
    lines: list[Placed]


@dataclass(frozen=True)
class DrawnCell:
    """A cell's rectangle, its colours, its title and its text (over two lines if too wide)."""

    title: str
    x: float
    y: float
    width: int
    height: int
    fill: str
    ink: str
    bold: bool
    lines: list[Placed]


@dataclass(frozen=True)
class DrawnRow:
    """A row: its full label (the title), the label drawn over one or more lines, its cells."""

    full: str
    lines: list[Placed]
    cells: list[DrawnCell]


@dataclass(frozen=True)
class LegendEntry:
    """A legend entry: a swatch at (x, y) and its words beside it."""

    x: int
    y: int
    fill: str
    words: Placed


@dataclass(frozen=True)
class HeatmapDrawing:
    """The geometry of a heatmap's SVG, worked out here and written by the macro heatmap_svg."""

    key: str
    title: str
    description: str
    width: int
    height: int
    column_heading: Placed | None
    row_heading: Placed
    columns: list[DrawnColumn]
    rows: list[DrawnRow]
    legend_heading: Placed
    legend: list[LegendEntry]
    font: str = FONT
    font_size: int = FONT_SIZE
    text_colour: str = TEXT_COLOUR
    grid_colour: str = GRID_COLOUR


def label_lines(heatmap: Heatmap, label: str) -> list[str]:
    """A row label wrapped to the label column's width, whole: never cut short."""
    per_line = max(8, int((heatmap.label_width - 2 * MARGIN) / CHAR_WIDTH))
    return textwrap.wrap(label, per_line, break_on_hyphens=False) or [""]


def row_height(heatmap: Heatmap, row: Row) -> int:
    """A row's height: CELL_HEIGHT, taller when its label wraps over more than two lines."""
    return max(CELL_HEIGHT, len(label_lines(heatmap, row.label)) * LABEL_LINE + 2)


def split(heatmap: Heatmap, rows_per_part: int) -> list[Heatmap]:
    """The heatmap in parts of at most `rows_per_part` rows, each as tall as that many plain
    rows at most, titled "(1 of 2)" and so on; a heatmap that fits is returned whole."""
    parts: list[list[Row]] = [[]]
    room = rows_per_part * CELL_HEIGHT
    used = 0
    for row in heatmap.rows:
        height = row_height(heatmap, row)
        if parts[-1] and (len(parts[-1]) == rows_per_part or used + height > room):
            parts.append([])
            used = 0
        parts[-1].append(row)
        used += height
    if len(parts) == 1:
        return [heatmap]
    return [
        replace(
            heatmap,
            key=f"{heatmap.key}-{n}",
            title=f"{heatmap.title} ({n} of {len(parts)})",
            rows=rows,
        )
        for n, rows in enumerate(parts, start=1)
    ]


def legend_entries(heatmap: Heatmap) -> list[tuple[str, str, str]]:
    """(fill, text colour, words) for each legend entry, lowest band first."""
    entries = [
        (*BAND_COLOURS[band], f"{band.label} {range_text(low, high)}")
        for band, low, high in band_ranges()
    ]
    if heatmap.empty_note:
        entries.append((*EMPTY_COLOURS, heatmap.empty_note))
    if any(cell.pending for row in heatmap.rows for cell in row.cells):
        entries.append((*PENDING_COLOURS, f"{EMPTY_TEXT} {PENDING_NOTE}"))
    return entries


def layout(heatmap: Heatmap) -> HeatmapDrawing:
    """Place labelled rows and columns, text in every cell, and a legend."""
    header_lines = max((len(c.lines) for c in heatmap.columns), default=1)
    top = MARGIN + (LINE + 4 if heatmap.column_heading else 0)
    grid_top = top + header_lines * LINE + 8
    grid_left = MARGIN + heatmap.label_width
    width = grid_left + len(heatmap.columns) * heatmap.cell_width + MARGIN
    column_heading = None
    if heatmap.column_heading:
        middle = grid_left + len(heatmap.columns) * heatmap.cell_width / 2
        column_heading = Placed(middle, MARGIN + LINE - 3, heatmap.column_heading)
    columns = [
        DrawnColumn(
            full=column.full,
            lines=[
                Placed(
                    grid_left + index * heatmap.cell_width + heatmap.cell_width / 2,
                    top + (n + 1) * LINE - 3,
                    line,
                )
                for n, line in enumerate(column.lines)
            ],
        )
        for index, column in enumerate(heatmap.columns)
    ]
    rows, y = [], grid_top
    for row in heatmap.rows:
        height = row_height(heatmap, row)
        rows.append(_drawn_row(heatmap, row, y, height, grid_left))
        y += height
    legend_top = y + 14
    legend, last_line = _legend(heatmap, legend_top, width)
    return HeatmapDrawing(
        key=heatmap.key,
        title=heatmap.title,
        description=heatmap.description,
        width=width,
        height=last_line + 18 + MARGIN + 4,
        column_heading=column_heading,
        row_heading=Placed(MARGIN, grid_top - 8, heatmap.row_heading),
        columns=columns,
        rows=rows,
        legend_heading=Placed(MARGIN, legend_top + 13, "Key:"),
        legend=legend,
    )


def _colours(cell: Cell) -> tuple[str, str]:
    if cell.band:
        return BAND_COLOURS[cell.band]
    return PENDING_COLOURS if cell.pending else EMPTY_COLOURS


def _cell_lines(text: str, width: int) -> list[str]:
    """The cell's text on one line, or broken at its space when it is wider than the cell."""
    fits = len(text) * CHAR_WIDTH <= width - 2 * GAP
    return [text] if fits or " " not in text else text.split(" ", 1)


def _drawn_row(heatmap: Heatmap, row: Row, y: int, height: int, grid_left: int) -> DrawnRow:
    """A row's label (wrapped, centred on the row) and cells, the row's top at y."""
    baseline = y + height / 2 + 5
    lines = label_lines(heatmap, row.label)
    first = baseline - (len(lines) - 1) * LABEL_LINE / 2
    cells = []
    for c, cell in enumerate(row.cells):
        x = grid_left + c * heatmap.cell_width
        fill, ink = _colours(cell)
        texts = _cell_lines(cell.text, heatmap.cell_width)
        top = baseline - (len(texts) - 1) * LABEL_LINE / 2
        cells.append(
            DrawnCell(
                title=cell.title,
                x=x + GAP / 2,
                y=y + GAP / 2,
                width=heatmap.cell_width - GAP,
                height=height - GAP,
                fill=fill,
                ink=ink,
                bold=cell.band is Band.EXTREME,
                lines=[
                    Placed(x + heatmap.cell_width / 2, top + n * LABEL_LINE, text)
                    for n, text in enumerate(texts)
                ],
            )
        )
    return DrawnRow(
        full=row.label,
        lines=[Placed(MARGIN, first + n * LABEL_LINE, line) for n, line in enumerate(lines)],
        cells=cells,
    )


def _legend(heatmap: Heatmap, top: int, width: int) -> tuple[list[LegendEntry], int]:
    """The legend's entries (wrapping onto more lines when narrow) and its last line's top."""
    entries = []
    x, y = LEGEND_INDENT, top
    for fill, _ink, words in legend_entries(heatmap):
        entry_width = 26 + int(len(words) * 7.5) + 18
        if x + entry_width > width and x > LEGEND_INDENT:
            x, y = LEGEND_INDENT, y + 24
        entries.append(LegendEntry(x, y, fill, Placed(x + 26, y + 14, words)))
        x += entry_width
    return entries, y

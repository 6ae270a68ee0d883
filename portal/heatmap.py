"""Risk heatmaps drawn as server-side SVG: they need no JavaScript, print, and go into the PDF.

Every cell carries text and a <title>, the legend names each band with its scores, and the
colours give the cell text a contrast of at least 7:1. The SVG uses presentation attributes
only (no style attributes, scripts or external resources), so the strict CSP allows it and
WeasyPrint renders it unchanged. Every piece of text is XML-escaped.

The builders take numbers already computed by portal.risk for one user; nothing here reads
the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

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
NAME_LIMIT = 32


@dataclass(frozen=True)
class Cell:
    """One cell: the text drawn in it, its title, and the band that colours it."""

    text: str
    title: str
    band: Band | None
    table_text: str = ""


@dataclass(frozen=True)
class Column:
    """A column: its label on one or two lines, and in full."""

    lines: tuple[str, ...]
    full: str


@dataclass(frozen=True)
class Row:
    """A row: its label in full (drawn shortened if long), an optional link, its cells."""

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
    def svg(self) -> Markup:
        """The heatmap as inline SVG markup."""
        return render_svg(self)


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


def month_heatmap(
    key: str,
    providers: Sequence[tuple[int, str]],
    months: Sequence[tuple[int, int]],
    scores: Mapping[int, Mapping[tuple[int, int], ProviderRisk]],
    url_for_provider: Callable[[int], str | None] = lambda _id: None,
) -> Heatmap:
    """Providers (id, name) x months: each cell the month's highest score and item count."""
    columns = [
        Column(lines=(MONTH_NAMES[m - 1][:3], str(y)), full=f"{MONTH_NAMES[m - 1]} {y}")
        for y, m in months
    ]
    rows = [
        Row(
            label=name,
            url=url_for_provider(pid),
            cells=[
                score_cell(f"{name}, {column.full}", scores.get(pid, {}).get(ym))
                for ym, column in zip(months, columns, strict=True)
            ],
        )
        for pid, name in providers
    ]
    first, last = columns[0].full if columns else "", columns[-1].full if columns else ""
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
FONT = "Arial, Helvetica, sans-serif"


def _attrs(**values: object) -> str:
    return "".join(f' {name.replace("_", "-")}="{escape(str(v))}"' for name, v in values.items())


def _text(x: float, y: float, content: str, **extra: object) -> str:
    return f"<text{_attrs(x=x, y=y, **extra)}>{escape(content)}</text>"


def _shorten(label: str) -> str:
    return label if len(label) <= NAME_LIMIT else label[: NAME_LIMIT - 1].rstrip() + "…"


def legend_entries(heatmap: Heatmap) -> list[tuple[str, str, str]]:
    """(fill, text colour, words) for each legend entry, lowest band first."""
    entries = [
        (*BAND_COLOURS[band], f"{band.label} {range_text(low, high)}")
        for band, low, high in band_ranges()
    ]
    if heatmap.empty_note:
        entries.append((*EMPTY_COLOURS, heatmap.empty_note))
    return entries


def render_svg(heatmap: Heatmap) -> Markup:
    """Draw the heatmap: labelled rows and columns, text in every cell, and a legend."""
    key = heatmap.key
    header_lines = max((len(c.lines) for c in heatmap.columns), default=1)
    top = MARGIN + (LINE + 4 if heatmap.column_heading else 0)
    grid_top = top + header_lines * LINE + 8
    grid_left = MARGIN + heatmap.label_width
    width = grid_left + len(heatmap.columns) * heatmap.cell_width + MARGIN
    parts: list[str] = [
        f"<title{_attrs(id=f'{key}-title')}>{escape(heatmap.title)}</title>",
        f"<desc{_attrs(id=f'{key}-desc')}>{escape(heatmap.description)} "
        "The same figures follow as a table.</desc>",
    ]
    if heatmap.column_heading:
        middle = grid_left + len(heatmap.columns) * heatmap.cell_width / 2
        parts.append(
            _text(
                middle,
                MARGIN + LINE - 3,
                heatmap.column_heading,
                text_anchor="middle",
                font_weight="bold",
            )
        )
    parts.append(
        _text(MARGIN, grid_top - 8, heatmap.row_heading, font_weight="bold", fill=TEXT_COLOUR)
    )
    for index, column in enumerate(heatmap.columns):
        x = grid_left + index * heatmap.cell_width + heatmap.cell_width / 2
        lines = "".join(
            f"<tspan{_attrs(x=x, y=top + (n + 1) * LINE - 3)}>{escape(line)}</tspan>"
            for n, line in enumerate(column.lines)
        )
        parts.append(
            f"<g><title>{escape(column.full)}</title>"
            f"<text{_attrs(text_anchor='middle', fill=TEXT_COLOUR)}>{lines}</text></g>"
        )
    for r, row in enumerate(heatmap.rows):
        y = grid_top + r * CELL_HEIGHT
        baseline = y + CELL_HEIGHT / 2 + 5
        parts.append(
            f"<g><title>{escape(row.label)}</title>"
            + _text(MARGIN, baseline, _shorten(row.label), fill=TEXT_COLOUR)
            + "</g>"
        )
        for c, cell in enumerate(row.cells):
            x = grid_left + c * heatmap.cell_width
            fill, ink = BAND_COLOURS[cell.band] if cell.band else EMPTY_COLOURS
            parts.append(
                f"<g><title>{escape(cell.title)}</title>"
                f"<rect{_attrs(x=x + GAP / 2, y=y + GAP / 2, width=heatmap.cell_width - GAP, height=CELL_HEIGHT - GAP, fill=fill, stroke=GRID_COLOUR)}/>"
                + _text(
                    x + heatmap.cell_width / 2,
                    baseline,
                    cell.text,
                    text_anchor="middle",
                    fill=ink,
                    font_weight="bold" if cell.band is Band.EXTREME else "normal",
                )
                + "</g>"
            )
    legend_top = grid_top + len(heatmap.rows) * CELL_HEIGHT + 14
    legend, height = _legend(heatmap, legend_top, width)
    parts.append(legend)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1"'
        + _attrs(
            viewBox=f"0 0 {width} {height}",
            width=width,
            height=height,
            role="img",
            aria_labelledby=f"{key}-title {key}-desc",
            focusable="false",
            font_family=FONT,
            font_size=14,
            fill=TEXT_COLOUR,
        )
        + ' class="portal-heatmap__svg">'
        + "".join(parts)
        + "</svg>"
    )
    return Markup(svg)  # noqa: S704 - every piece of text above went through escape()


def _legend(heatmap: Heatmap, top: int, width: int) -> tuple[str, int]:
    """The legend (wrapping onto more lines when narrow) and the SVG's total height."""
    parts = [f"<g{_attrs(id=f'{heatmap.key}-legend')}>"]
    parts.append(_text(MARGIN, top + 13, "Key:", font_weight="bold"))
    x, y = MARGIN + 44, top
    for fill, _ink, words in legend_entries(heatmap):
        entry_width = 26 + int(len(words) * 7.5) + 18
        if x + entry_width > width and x > MARGIN + 44:
            x, y = MARGIN + 44, y + 24
        parts.append(
            f"<rect{_attrs(x=x, y=y, width=18, height=18, fill=fill, stroke=GRID_COLOUR)}/>"
            + _text(x + 26, y + 14, words, fill=TEXT_COLOUR)
        )
        x += entry_width
    parts.append("</g>")
    return "".join(parts), y + 18 + MARGIN + 4

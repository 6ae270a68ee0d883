"""The principle x visit grid of findings, drawn as server-side SVG like the heatmaps.

Every cell has its finding written in it and a <title>; the colours give the text a contrast
of at least 7:1, and the legend names them (colour is never the only cue). Presentation
attributes only, so the strict CSP allows it and WeasyPrint prints it; all text is escaped.
The builder takes visits already read through the policy; nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from portal.models import ContractVisit, FindingResult
from portal.visits.validation import Principle

#: (fill, text colour, text in the cell) per finding.
RESULT_STYLE: dict[FindingResult, tuple[str, str, str]] = {
    FindingResult.MET: ("#cce2d8", "#004a27", "Met"),
    FindingResult.PARTLY_MET: ("#fff7bf", "#4d4400", "Partly"),
    FindingResult.NOT_MET: ("#942514", "#ffffff", "Not met"),
    FindingResult.NOT_SEEN: ("#ffffff", "#0b0c0c", "Not seen"),
}
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
LABEL_W, CELL_W, CELL_H, HEAD_H, LEGEND_H = 190, 84, 24, 40, 34


def findings_grid(visits: Sequence[ContractVisit], principles: Sequence[Principle]) -> Markup:
    """Principles as rows, visits (oldest first) as columns, each cell the finding."""
    width = max(LABEL_W + CELL_W * len(visits) + 2, 4 * 130)
    height = HEAD_H + CELL_H * len(principles) + LEGEND_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-chart__svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="visit-grid-title visit-grid-desc" font-family="Arial, sans-serif">',
        '<title id="visit-grid-title">Findings per principle of care, by visit</title>',
        '<desc id="visit-grid-desc">One row per principle of care and one column per contract '
        "monitoring visit, oldest first; each cell says whether the principle was met, partly "
        "met, not met or not seen.</desc>",
    ]
    for column, visit in enumerate(visits):
        x = LABEL_W + column * CELL_W + CELL_W / 2
        parts.append(
            f'<text x="{x:.0f}" y="16" text-anchor="middle" font-size="11" fill="{TEXT}">'
            f"{visit.visited_on:%-d %b %Y}</text>"
            f'<text x="{x:.0f}" y="31" text-anchor="middle" font-size="10" fill="{TEXT}">'
            f"{escape(str(visit.visit_type))}</text>"
        )
    for row, principle in enumerate(principles):
        y = HEAD_H + row * CELL_H
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + 16}" text-anchor="end" font-size="11" '
            f'fill="{TEXT}">{escape(principle.label)}</text>'
        )
        for column, visit in enumerate(visits):
            finding = next((f for f in visit.findings if f.principle == principle.code), None)
            result = FindingResult(finding.result) if finding else FindingResult.NOT_SEEN
            fill, colour, text = RESULT_STYLE[result]
            x = LABEL_W + column * CELL_W
            title = f"{principle.label}, visit of {visit.visited_on:%-d %B %Y}: {result}"
            parts.append(
                f"<g><title>{escape(title)}</title>"
                f'<rect x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" fill="{fill}" '
                f'stroke="{GRID}"/>'
                f'<text x="{x + CELL_W / 2:.0f}" y="{y + 16}" text-anchor="middle" '
                f'font-size="11" fill="{colour}">{text}</text></g>'
            )
    y = HEAD_H + CELL_H * len(principles) + 10
    x = 0
    for result, (fill, colour, text) in RESULT_STYLE.items():
        parts.append(
            f'<rect x="{x}" y="{y}" width="60" height="18" fill="{fill}" stroke="{GRID}"/>'
            f'<text x="{x + 30}" y="{y + 13}" text-anchor="middle" font-size="10" '
            f'fill="{colour}">{text}</text>'
            f'<text x="{x + 66}" y="{y + 13}" font-size="10" fill="{TEXT}">{result}</text>'
        )
        x += 130
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped

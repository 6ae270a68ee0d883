"""The care-monitoring figure: a small server-side SVG chart of missed visits, and its table.

Like the heatmaps (portal/heatmap.py): presentation attributes only (no style attributes,
scripts or external resources), so the strict CSP allows it and WeasyPrint prints it as it
is; every bar has its figure written above it and a <title>; every piece of text is escaped.
The builder takes measures already read through the policy; nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from portal.ecm.measures import MonthMeasures, has_data

WIDTH, HEIGHT = 640, 190
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 24, 40
BAR_FILL = "#1d70b8"  # GOV.UK blue: 5.2:1 against white
OVER_FILL = "#942514"  # over the threshold: 8.6:1 against white
TEXT = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass(frozen=True)
class CareMonitoringFigure:
    """The 12-month measures of one provider, with the chart drawn from them."""

    key: str
    title: str
    measures: list[MonthMeasures]
    svg: Markup
    threshold_percent: int

    @property
    def has_data(self) -> bool:
        """Whether any month has visits."""
        return has_data(self.measures)


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.1f}%"


def draw_chart(measures: Sequence[MonthMeasures], threshold: int, title: str, key: str) -> Markup:
    """The SVG: a bar per month for the share of visits missed, the threshold as a line."""
    shares = [m.missed_share for m in measures]
    top = max([threshold * 2, 10, *(s for s in shares if s is not None)])
    top = float(((int(top) + 9) // 10) * 10)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(measures), 1)

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-chart__svg" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{key}-svg-title {key}-svg-desc" font-family="Arial, sans-serif">',
        f'<title id="{key}-svg-title">{escape(title)}</title>',
        f'<desc id="{key}-svg-desc">Share of planned visits missed each month, with the '
        f"{threshold}% threshold as a dashed line. The same figures are in the table.</desc>",
        f'<line x1="{LEFT}" y1="{y(0):.1f}" x2="{WIDTH - RIGHT}" y2="{y(0):.1f}" '
        f'stroke="{TEXT}" stroke-width="1"/>',
    ]
    for tick in (0.0, top / 2, top):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT}">{tick:.0f}%</text>'
        )
    for index, month in enumerate(measures):
        x = LEFT + index * step
        centre = x + step / 2
        share = month.missed_share
        label = f"{month.label}: " + (
            f"{month.missed} of {month.visits} visits missed ({_percent(share)})"
            if share is not None
            else "no visits recorded"
        )
        parts.append(f"<g><title>{escape(label)}</title>")
        if share is not None:
            fill = OVER_FILL if share > threshold else BAR_FILL
            bar_top = y(share)
            parts.append(
                f'<rect x="{x + step * 0.2:.1f}" y="{bar_top:.1f}" width="{step * 0.6:.1f}" '
                f'height="{y(0) - bar_top:.1f}" fill="{fill}"/>'
            )
            parts.append(
                f'<text x="{centre:.1f}" y="{bar_top - 4:.1f}" text-anchor="middle" '
                f'font-size="11" fill="{TEXT}">{share:.1f}%</text>'
            )
        else:
            parts.append(
                f'<text x="{centre:.1f}" y="{y(0) - 4:.1f}" text-anchor="middle" '
                f'font-size="11" fill="{TEXT}">–</text>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{y(0) + 16:.1f}" text-anchor="middle" font-size="11" '
            f'fill="{TEXT}">{escape(month.short_label)}</text></g>'
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{y(threshold):.1f}" x2="{WIDTH - RIGHT}" '
        f'y2="{y(threshold):.1f}" stroke="{OVER_FILL}" stroke-width="1.5" '
        f'stroke-dasharray="6 4"/>'
        f'<text x="{WIDTH - RIGHT}" y="{y(threshold) - 4:.1f}" text-anchor="end" '
        f'font-size="11" fill="{OVER_FILL}">{threshold}% threshold</text>'
    )
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="11" fill="{TEXT}">'
        "Bars: share of planned visits missed; figures above each bar.</text></svg>"
    )
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped


def care_monitoring_figure(
    measures: list[MonthMeasures], threshold_percent: int, key: str = "care-monitoring"
) -> CareMonitoringFigure:
    """The figure for one provider's months (already read for its reader or audience)."""
    title = "Electronic care monitoring, last 12 months"
    return CareMonitoringFigure(
        key=key,
        title=title,
        measures=measures,
        svg=draw_chart(measures, threshold_percent, "Missed visits, last 12 months", key),
        threshold_percent=threshold_percent,
    )

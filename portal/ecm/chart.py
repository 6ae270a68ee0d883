"""The care-monitoring figure: a small server-side SVG chart of missed visits, and its table.

Like the heatmaps (portal/heatmap.py): presentation attributes only (no style attributes,
scripts or external resources), so the strict CSP allows it and WeasyPrint prints it as it
is; every bar has its figure written above it and a <title>. `chart_geometry` works out
where everything goes (a MissedVisitsChart); the macro `missed_visits_chart` in
templates/components/care_monitoring.html writes the SVG from it, escaping every piece of
text. The builder takes measures already read through the policy; nothing here reads the
database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal.ecm.measures import MonthMeasures, has_data

#: The drawing's size in its own units. The page never draws it narrower than WIDTH pixels (it
#: scrolls in its box instead, portal.scss), so FONT_SIZE units are never under 12 pixels.
WIDTH, HEIGHT = 520, 236
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 24, 82
FONT_SIZE = 12
LINE = 16
BAR_FILL = "#1d70b8"  # GOV.UK blue: 5.2:1 against white
OVER_FILL = "#942514"  # over the threshold: 8.6:1 against white
TEXT = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass(frozen=True)
class ChartMonth:
    """One month: its bar (none without visits), the figure above it and its label below."""

    title: str
    centre: float
    share: float | None
    bar_x: float
    bar_top: float
    bar_width: float
    bar_height: float
    fill: str
    figure_y: float
    #: The month below its bar, on two lines: "Sep" and "2026".
    label: tuple[str, str]
    label_y: float


@dataclass(frozen=True)
class MissedVisitsChart:
    """The geometry of the chart's SVG, worked out here and written by missed_visits_chart."""

    key: str
    title: str
    threshold: int
    baseline_y: float
    threshold_y: float
    ticks: list[tuple[float, float]]  # (y of the label, percent)
    months: list[ChartMonth]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    tick_x: int = LEFT - 6
    #: The key's two lines: what a bar is, and what the dashed line is (named here, not on
    #: the line, where it would meet the bars' figures or the edge).
    key_y: tuple[int, int] = (HEIGHT - 6 - LINE, HEIGHT - 6)
    font_size: int = FONT_SIZE
    line: int = LINE
    text_colour: str = TEXT
    over_colour: str = OVER_FILL


@dataclass(frozen=True)
class CareMonitoringFigure:
    """The 12-month measures of one provider, with the chart drawn from them."""

    key: str
    title: str
    measures: list[MonthMeasures]
    chart: MissedVisitsChart
    threshold_percent: int

    @property
    def has_data(self) -> bool:
        """Whether any month has visits."""
        return has_data(self.measures)


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.1f}%"


def chart_geometry(
    measures: Sequence[MonthMeasures], threshold: int, title: str, key: str
) -> MissedVisitsChart:
    """A bar per month for the share of visits missed, the threshold as a line."""
    shares = [m.missed_share for m in measures]
    top = max([threshold * 2, 10, *(s for s in shares if s is not None)])
    top = float(((int(top) + 9) // 10) * 10)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(measures), 1)

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    months = []
    for index, month in enumerate(measures):
        x = LEFT + index * step
        share = month.missed_share
        bar_top = y(share) if share is not None else y(0)
        words = (
            f"{month.missed} of {month.visits} visits missed ({_percent(share)})"
            if share is not None
            else "no visits recorded"
        )
        months.append(
            ChartMonth(
                title=f"{month.label}: {words}",
                centre=x + step / 2,
                share=share,
                bar_x=x + step * 0.2,
                bar_top=bar_top,
                bar_width=step * 0.6,
                bar_height=y(0) - bar_top,
                fill=OVER_FILL if share is not None and share > threshold else BAR_FILL,
                figure_y=bar_top - 4,
                label=(month.short_label.split()[0], month.label.split()[-1]),
                label_y=y(0) + LINE,
            )
        )
    return MissedVisitsChart(
        key=key,
        title=title,
        threshold=threshold,
        baseline_y=y(0),
        threshold_y=y(threshold),
        ticks=[(y(tick) + 4, tick) for tick in (0.0, top / 2, top)],
        months=months,
    )


def care_monitoring_figure(
    measures: list[MonthMeasures], threshold_percent: int, key: str = "care-monitoring"
) -> CareMonitoringFigure:
    """The figure for one provider's months (already read for its reader or audience)."""
    title = "Electronic care monitoring, last 12 months"
    return CareMonitoringFigure(
        key=key,
        title=title,
        measures=measures,
        chart=chart_geometry(measures, threshold_percent, "Missed visits, last 12 months", key),
        threshold_percent=threshold_percent,
    )

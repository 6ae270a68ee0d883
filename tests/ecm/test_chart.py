"""The missed-visits chart: geometry in portal.ecm.chart, drawn by a macro."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from flask import render_template_string

from portal import create_app
from portal.ecm.chart import BAR_FILL, OVER_FILL, chart_geometry
from portal.ecm.measures import MonthMeasures

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [
    MonthMeasures("2026-09", visits=10, missed=1),
    MonthMeasures("2026-10"),
    MonthMeasures("2026-11", visits=4, missed=2),
]


def draw(title: str = "Missed visits, last 12 months") -> str:
    """The chart of MONTHS (threshold 5%) as the pages and the pack draw it."""
    app = create_app({"env": "test", "database_url": "sqlite://"})
    with app.test_request_context():
        return render_template_string(
            '{% from "components/care_monitoring.html" import missed_visits_chart %}'
            "{{ missed_visits_chart(c) }}",
            c=chart_geometry(MONTHS, 5, title, "ecm"),
        )


def test_each_month_has_its_figure_a_title_and_a_bar_coloured_against_the_threshold():
    markup = draw("<script>alert('x')</script>")
    root = ET.fromstring(markup)  # noqa: S314 - our own output, under test
    months = list(root.iter(f"{SVG}g"))
    assert [g.find(f"{SVG}title").text for g in months] == [
        "September 2026: 1 of 10 visits missed (10.0%)",
        "October 2026: no visits recorded",
        "November 2026: 2 of 4 visits missed (50.0%)",
    ]
    assert [[t.text for t in g.iter(f"{SVG}text")] for g in months] == [
        ["10.0%", "Sep", "2026"],
        ["–", "Oct", "2026"],
        ["50.0%", "Nov", "2026"],
    ]
    bars = [g.find(f"{SVG}rect") for g in months]
    assert bars[1] is None
    assert [bars[0].get("fill"), bars[2].get("fill")] == [OVER_FILL, OVER_FILL]
    assert root.find(f"{SVG}title").text == "<script>alert('x')</script>"
    assert "<script" not in markup and "style=" not in markup
    assert not re.search(r">\s+<", markup), "nothing between the elements"


def test_the_scale_reaches_twice_the_threshold_and_the_highest_share():
    chart = chart_geometry(MONTHS, 5, "t", "k")
    assert [tick for _, tick in chart.ticks] == [0.0, 25.0, 50.0]
    assert chart.baseline_y > chart.threshold_y > chart.months[0].bar_top > chart.months[2].bar_top
    low = chart_geometry([MonthMeasures("2026-09", visits=100, missed=1)], 5, "t", "k")
    assert [tick for _, tick in low.ticks] == [0.0, 5.0, 10.0]
    assert low.months[0].fill == BAR_FILL


def test_every_label_is_at_least_12_units_and_inside_the_drawing():
    """No label is cut at the edge ("% threshold") or too small to read; the page never draws
    the chart narrower than its width, so 12 units are at least 12 pixels (portal.scss)."""
    months = [MonthMeasures(f"2026-{m:02d}", visits=10, missed=10) for m in range(1, 13)]
    app = create_app({"env": "test", "database_url": "sqlite://"})
    with app.test_request_context():
        markup = render_template_string(
            '{% from "components/care_monitoring.html" import missed_visits_chart %}'
            "{{ missed_visits_chart(c) }}",
            c=chart_geometry(months, 5, "Missed visits", "ecm"),
        )
    root = ET.fromstring(markup)  # noqa: S314 - our own output, under test
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    assert "portal-chart__svg--unscaled" in root.get("class")
    texts = list(root.iter(f"{SVG}text"))
    for text in texts:
        size = float(text.get("font-size"))
        assert size >= 12, text.text
        # Arial's widest figures and letters are under 0.6 of the size; the anchor decides
        # which way the text runs from x.
        extent = 0.6 * size * len(text.text)
        x, y = float(text.get("x")), float(text.get("y"))
        left = {"end": x - extent, "middle": x - extent / 2}.get(text.get("text-anchor"), x)
        assert 0 <= left and left + extent <= width and size <= y <= height, text.text
    assert "Dashed line: the 5% threshold." in [t.text for t in texts]

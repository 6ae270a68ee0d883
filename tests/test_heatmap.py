"""Heatmaps as SVG: text and a title in every cell, a legend, safe text, readable colours."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from functools import cache

import pytest
from flask import Flask, render_template_string

from portal import create_app
from portal.heatmap import (
    BAND_COLOURS,
    EMPTY_COLOURS,
    PENDING_COLOURS,
    TEXT_COLOUR,
    key_question_heatmap,
    matrix_heatmap,
    month_heatmap,
    period_text,
    split,
)
from portal.risk import ProviderRisk
from portal.risk_bands import Band

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> & \"Sons\" Care"
MONTHS = [(2026, 9), (2026, 10), (2026, 11)]


def months_example(name: str = "Cedar Lodge"):
    return month_heatmap(
        "heatmap-months",
        [(1, name), (2, "Oak House")],
        MONTHS,
        {1: {(2026, 9): ProviderRisk(12, 3)}, 2: {(2026, 11): ProviderRisk(25, 1)}},
    )


@cache
def templates_app() -> Flask:
    """An app for its templates only: drawing a heatmap reads no database."""
    return create_app({"env": "test", "database_url": "sqlite://"})


def svg(heatmap) -> str:
    """The heatmap's SVG as the pages and the pack draw it (the macro heatmap_svg)."""
    with templates_app().test_request_context():
        return render_template_string(
            '{% from "components/heatmap.html" import heatmap_svg %}{{ heatmap_svg(d) }}',
            d=heatmap.drawing,
        )


def parse(heatmap) -> ET.Element:
    """The SVG as XML: it must be well formed."""
    return ET.fromstring(svg(heatmap))  # noqa: S314 - our own output, under test


def cells(root: ET.Element) -> list[ET.Element]:
    """The groups drawing a cell (a rect with a text), legend excluded."""
    return [g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}rect") is not None and not g.get("id")]


def test_every_cell_carries_text_and_a_title():
    root = parse(months_example())
    drawn = cells(root)
    assert len(drawn) == 2 * 3
    for group in drawn:
        assert group.find(f"{SVG}title").text.strip()
        assert group.find(f"{SVG}text").text.strip()
    texts = [g.find(f"{SVG}text").text for g in drawn]
    assert texts == ["12 (3)", "–", "–", "–", "–", "25 (1)"]
    titles = [g.find(f"{SVG}title").text for g in drawn]
    assert titles[0] == "Cedar Lodge, September 2026: highest score 12 (high) from 3 items"
    assert titles[1] == "Cedar Lodge, October 2026: no open items you may read"


def test_the_svg_is_an_image_named_by_its_title_and_description():
    root = parse(months_example())
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    assert ids == ["heatmap-months-title", "heatmap-months-desc"]
    found = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert found["heatmap-months-title"].tag == f"{SVG}title"
    assert "September 2026 to November 2026" in found["heatmap-months-title"].text
    assert found["heatmap-months-desc"].tag == f"{SVG}desc"


def test_the_legend_names_every_band_with_its_scores():
    root = parse(months_example())
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "heatmap-months-legend")
    words = [t.text for t in legend.iter(f"{SVG}text")]
    assert words == [
        "Key:",
        "Low 1–3",
        "Moderate 4–6",
        "High 8–12",
        "Extreme 15–25",
        "– no open items you may read",
    ]


def test_a_hostile_provider_name_is_only_text():
    heatmap = months_example(HOSTILE)
    markup = svg(heatmap)
    assert "<script" not in markup
    root = parse(heatmap)
    assert not [el for el in root.iter() if "script" in el.tag]
    row_title = next(
        g.find(f"{SVG}title").text
        for g in root.iter(f"{SVG}g")
        if g.find(f"{SVG}rect") is None
        and g.find(f"{SVG}title") is not None
        and g.find(f"{SVG}title").text.startswith("<script>")
    )
    assert row_title == HOSTILE
    assert any(t.text and t.text.startswith("<script>alert") for t in root.iter(f"{SVG}text"))


def test_the_svg_needs_no_styles_scripts_or_other_files():
    for heatmap in (
        months_example(HOSTILE),
        key_question_heatmap("kq", [(1, HOSTILE)], {1: {"safe": ProviderRisk(4, 1)}}, "last month"),
        matrix_heatmap("matrix", {(5, 5): 2}, "last month"),
    ):
        markup = svg(heatmap)
        assert "style=" not in markup
        assert "<style" not in markup
        assert "<script" not in markup
        assert "href" not in markup
        assert "url(" not in markup
        assert re.findall(r"https?://[^\"]+", markup) == ["http://www.w3.org/2000/svg"]
        assert "<foreignObject" not in markup
        assert not re.search(r">\s+<", markup), "nothing between the elements"


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours."""
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_calculation_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(
    ("fill", "ink"), [*BAND_COLOURS.values(), EMPTY_COLOURS], ids=[*map(str, Band), "empty"]
)
def test_cell_text_has_at_least_seven_to_one_contrast_with_its_fill(fill, ink):
    # WCAG 2.2 AA asks 4.5:1 for text this size; these reach AAA's 7:1.
    assert contrast(ink, fill) >= 7


def test_row_column_and_legend_labels_are_readable_on_white():
    assert contrast(TEXT_COLOUR, "#ffffff") >= 7


def test_every_cell_draws_in_the_colours_of_its_band():
    root = parse(months_example())
    drawn = cells(root)
    assert drawn[0].find(f"{SVG}rect").get("fill") == BAND_COLOURS[Band.HIGH][0]
    assert drawn[0].find(f"{SVG}text").get("fill") == BAND_COLOURS[Band.HIGH][1]
    assert drawn[1].find(f"{SVG}rect").get("fill") == EMPTY_COLOURS[0]
    assert drawn[-1].find(f"{SVG}text").get("font-weight") == "bold"


def test_the_key_question_heatmap_has_the_five_key_questions():
    heatmap = key_question_heatmap(
        "kq", [(1, "Cedar Lodge")], {1: {"well-led": ProviderRisk(9, 2)}}, "last 3 months"
    )
    assert [c.full for c in heatmap.columns] == [
        "Safe",
        "Effective",
        "Caring",
        "Responsive",
        "Well-led",
    ]
    assert [c.text for c in heatmap.rows[0].cells] == ["–", "–", "–", "–", "9 (2)"]


def test_the_matrix_has_five_by_five_cells_with_counts_highest_likelihood_first():
    heatmap = matrix_heatmap("matrix", {(5, 1): 3, (1, 5): 1}, "last 3 months")
    assert [row.label for row in heatmap.rows] == [
        "5 Almost certain",
        "4 Likely",
        "3 Possible",
        "2 Unlikely",
        "1 Rare",
    ]
    assert heatmap.rows[0].cells[0].text == "3"
    assert heatmap.rows[4].cells[4].text == "1"
    assert heatmap.rows[2].cells[2].text == "0"
    assert heatmap.rows[0].cells[4].band is Band.EXTREME  # 5 x 5
    assert heatmap.rows[4].cells[0].band is Band.LOW  # 1 x 1
    assert "score 5, moderate; 3 items" in heatmap.rows[0].cells[0].title
    root = parse(heatmap)
    assert len(cells(root)) == 25


def test_the_period_is_written_in_full():
    assert period_text(date(2026, 8, 23), date(2026, 11, 23)) == (
        "23 August 2026 to 23 November 2026"
    )


def test_the_figure_offers_the_same_figures_as_a_table():
    app = create_app({"env": "test", "database_url": "sqlite://"})
    with app.test_request_context():
        html = render_template_string(
            '{% from "components/heatmap.html" import heatmap_figure %}{{ heatmap_figure(h) }}',
            h=months_example(HOSTILE),
        )
    assert html.count("<svg") == 1
    assert '<th scope="row" class="govuk-table__header">&lt;script&gt;' in html
    assert "<script>" not in html
    assert "12 high (3 items)" in html
    assert "– (none)" in html
    assert '<th scope="col" class="govuk-table__header">September 2026</th>' in html


def test_an_empty_heatmap_says_so_instead_of_drawing():
    app = create_app({"env": "test", "database_url": "sqlite://"})
    heatmap = month_heatmap("m", [], MONTHS, {})
    with app.test_request_context():
        html = render_template_string(
            '{% from "components/heatmap.html" import heatmap_figure %}'
            '{{ heatmap_figure(h, empty_message="Nothing to show.") }}',
            h=heatmap,
        )
    assert "<svg" not in html
    assert "Nothing to show." in html


def test_a_long_name_is_drawn_whole_over_several_lines_never_cut():
    name = "Parkview House Supported Living Service for Adults with Learning Disabilities"
    root = parse(months_example(name))
    label = next(
        g
        for g in root.iter(f"{SVG}g")
        if g.find(f"{SVG}rect") is None
        and g.find(f"{SVG}title") is not None
        and g.find(f"{SVG}title").text == name
    )
    lines = [t.text for t in label.iter(f"{SVG}text")]
    assert len(lines) > 1 and " ".join(lines) == name
    assert "…" not in svg(months_example(name))


def test_a_month_with_no_data_yet_is_labelled_so_in_its_head_cells_and_key():
    heatmap = month_heatmap("m", [(1, "Cedar Lodge")], MONTHS, {}, no_data_yet={(2026, 11)})
    assert heatmap.columns[-1].lines == ("Nov", "2026", "no data", "yet")
    assert heatmap.columns[-1].full == "November 2026 (no data yet)"
    assert heatmap.title.endswith("September 2026 to November 2026")
    pending = heatmap.rows[0].cells[-1]
    assert pending.pending and pending.title.endswith("no data yet (the month has only begun)")
    assert not heatmap.rows[0].cells[0].pending
    root = parse(heatmap)
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "m-legend")
    assert "– no data yet (the month has only begun)" in [t.text for t in legend.iter(f"{SVG}text")]
    drawn = cells(root)
    assert drawn[-1].find(f"{SVG}rect").get("fill") == PENDING_COLOURS[0] != EMPTY_COLOURS[0]


def test_a_heatmap_splits_into_parts_of_at_most_n_rows_and_as_tall_as_n_plain_rows():
    names = [(n, f"House {n}") for n in range(1, 31)]
    parts = split(month_heatmap("m", names, MONTHS, {}), 25)
    assert [len(p.rows) for p in parts] == [25, 5]
    assert [p.title[-8:] for p in parts] == ["(1 of 2)", "(2 of 2)"]
    assert [p.key for p in parts] == ["m-1", "m-2"]
    assert split(month_heatmap("m", names[:25], MONTHS, {}), 25)[0].title.endswith("2026")
    long = [
        (n, f"A very long registered name of a care home in the London Borough of Merton, {n}")
        for n in range(30)
    ]
    tall = split(month_heatmap("m", long, MONTHS, {}), 25)
    assert all(len(p.rows) < 25 for p in tall) and sum(len(p.rows) for p in tall) == 30

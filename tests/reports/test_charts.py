"""The dashboards' SVG charts (``reports/charts.py``): what they draw is the
figures they are given, and their labels are escaped."""

import re

from reports.charts import bars_svg, columns_svg, heat_map_svg, stacked_svg, svg_file


def widths(svg: str, fill: str) -> list[float]:
    return [
        float(w)
        for w in re.findall(rf'width="([\d.]+)" height="[\d.]+" fill="{fill}"', svg)
    ]


def test_bars_are_as_long_as_their_values():
    svg = bars_svg([("a", 10, "10"), ("b", 5, "5"), ("c", 0, "0")], label="Counts")

    a, b, c = widths(svg, "#0172ad")
    assert a == 2 * b
    assert c == 0
    assert 'role="img"' in svg
    assert 'aria-label="Counts"' in svg


def test_stacked_bars_split_each_row_by_its_shares():
    svg = stacked_svg([("row", [1, 3])], series=["one", "three"], label="Shares")

    rects = re.findall(
        r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="18"', svg
    )
    (x1, w1), (x2, w2) = [(float(x), float(w)) for x, w in rects]
    assert round(w2 / w1, 1) == 3.0
    assert round(x1 + w1, 1) == round(x2, 1)  # side by side, in order


def test_columns_and_heat_maps_draw_one_mark_per_figure():
    columns = columns_svg([("1", 2), ("2", 4)], label="Histogram")
    heat = heat_map_svg(["i1"], ["yes", "no"], [[0.25, None]], label="Heat")

    assert len(re.findall(r'fill="#0172ad"', columns)) == 2
    assert ">25%</text>" in heat
    assert ">\N{EN DASH}</text>" in heat  # a suppressed share is no colour


def test_labels_are_escaped_and_files_stand_alone():
    svg = bars_svg([("<script>", 1, "1")], label='"quoted" & <tagged>')

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&quot;quoted&quot; &amp; &lt;tagged&gt;" in svg
    assert svg_file(svg).startswith('<?xml version="1.0"')

"""Charts of the dashboards, drawn as SVG on the server.

Pure: figures in, SVG text out, no database access. Drawn on the server like
the profile's radar, so the charts need no JavaScript (and no chart library to
vendor), print as they show, and are the same file whether shown in the page
or downloaded. Colours are SVG attributes, not page CSS, so a downloaded chart
looks as it did in the page. Every chart carries ``role="img"`` and a short
text alternative; the page shows the same figures in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape

from reports.public import figure_text

TEXT = "#1f2937"
MUTED = "#475569"
TRACK = "#e2e8f0"
BAR = "#0172ad"
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""
# Okabe and Ito's palette, told apart with the common colour-vision deficiencies.
CATEGORICAL = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#999999",
)
# Ordered answers (a scale, a ladder): from light to dark blue.
_LIGHT, _DARK = (0xDB, 0xEA, 0xFE), (0x1E, 0x3A, 0x8A)
# Charts are drawn this wide and shown at about this size: on a phone (some
# 350 pixels across) their 13-pixel text stays above 11 pixels.
WIDTH = 400
# A bar's row: its name on a line of its own, then the bar.
ROW, BAR_HEIGHT = 42, 18
LABEL_CHARS = 50


def sequential(count: int) -> list[str]:
    """``count`` colours from light to dark, for answers in order."""
    if count <= 1:
        return [BAR] * count
    return [
        "#"
        + "".join(
            f"{round(a + (b - a) * i / (count - 1)):02x}"
            for a, b in zip(_LIGHT, _DARK, strict=True)
        )
        for i in range(count)
    ]


def _short(text: str, chars: int = LABEL_CHARS) -> str:
    """A label cut to fit beside a bar; the table beside the chart has it whole."""
    return (
        text
        if len(text) <= chars
        else text[: chars - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"
    )


def _svg(css_class: str, width: float, height: float, label: str, body: str) -> str:
    return (
        f'<svg class="dash-chart {css_class}" viewBox="0 0 {width:g} {height:g}" '
        f'role="img" aria-label="{escape(label)}" {FONT} '
        f'xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def _text(x: float, y: float, text: str, **attrs: str) -> str:
    fill = attrs.pop("fill", TEXT)
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" fill="{fill}" '
        f'font-size="13"{extra}>{escape(text)}</text>'
    )


def bars_svg(
    bars: Sequence[tuple[str, float | None, str]],
    *,
    label: str,
    maximum: float | None = None,
    width: int = WIDTH,
) -> str:
    """Horizontal bars: (name, value, value as shown) per row, longest = ``maximum``.

    Each name sits on its own line above its bar, so the bars take the whole
    width and the chart stays legible when a phone shrinks it.
    """
    if not bars:
        return ""
    top = max([float(v or 0) for _n, v, _t in bars] + [0.0])
    maximum = maximum or top or 1.0
    right = 84
    span = width - right
    parts = []
    for index, (name, value, shown) in enumerate(bars):
        y = index * ROW
        length = span * max(0.0, min(float(value or 0), maximum)) / maximum
        parts.append(
            _text(2, y + 14, _short(name))
            + f'<rect x="0" y="{y + 20}" width="{span}" height="{BAR_HEIGHT}" '
            f'fill="{TRACK}"/>'
            f'<rect x="0" y="{y + 20}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{BAR}"/>' + _text(length + 6, y + 33, shown)
        )
    return _svg("bars", width, ROW * len(bars) + 4, label, "".join(parts))


def columns_svg(
    columns: Sequence[tuple[str, float]],
    *,
    label: str,
    width: int = WIDTH,
    height: int = 200,
    ticks: int = 5,
) -> str:
    """Vertical columns (a histogram, or counts per day), with a value axis.

    At most ``ticks`` column names are written under the axis, evenly spaced:
    a day's name under each of 90 columns would not be legible.
    """
    if not columns:
        return ""
    left, bottom, top_pad = 44, 36, 10
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    top = max(float(v) for _n, v in columns) or 1.0
    slot = plot_w / len(columns)
    parts = []
    for step in range(5):  # the value axis: 0, 1/4 ... of the largest
        value = top * step / 4
        y = top_pad + plot_h * (1 - step / 4)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" '
            f'stroke="{TRACK}"/>'
            + _text(left - 6, y + 4, figure_text(round(value, 1)), text_anchor="end")
        )
    every = max(1, -(-len(columns) // ticks))
    for index, (name, value) in enumerate(columns):
        x = left + index * slot
        h = plot_h * float(value) / top
        parts.append(
            f'<rect x="{x + slot * 0.1:.1f}" y="{top_pad + plot_h - h:.1f}" '
            f'width="{max(slot * 0.8, 0.5):.1f}" height="{h:.1f}" fill="{BAR}"/>'
        )
        if index % every == 0:
            parts.append(
                _text(
                    x + slot / 2,
                    height - bottom + 16,
                    _short(name, 14),
                    text_anchor="middle",
                    fill=MUTED,
                )
            )
    return _svg("columns", width, height, label, "".join(parts))


def stacked_svg(
    rows: Sequence[tuple[str, Sequence[int]]],
    *,
    series: Sequence[str],
    label: str,
    ordered: bool = True,
    width: int = WIDTH,
) -> str:
    """One bar per row, split into the shares of each series (100% stacked).

    ``ordered`` series (a scale, a ladder, levels) are shaded light to dark;
    others take distinct colours. The legend sits above the bars, and each
    row's name above its bar.
    """
    if not rows or not series:
        return ""
    colours = sequential(len(series)) if ordered else _categorical(len(series))
    span = width - 4
    legend = _legend(series, colours, width)
    legend_h = legend[1]
    parts = [legend[0]]
    for index, (name, counts) in enumerate(rows):
        y = legend_h + index * ROW
        total = sum(counts)
        parts.append(_text(2, y + 14, _short(name)))
        if not total:
            parts.append(
                f'<rect x="0" y="{y + 20}" width="{span}" height="{BAR_HEIGHT}" '
                f'fill="{TRACK}"/>'
            )
            continue
        x = 0.0
        for count, colour in zip(counts, colours, strict=False):
            w = span * count / total
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 20}" width="{w:.1f}" '
                    f'height="{BAR_HEIGHT}" fill="{colour}"/>'
                )
            x += w
    return _svg("stacked", width, legend_h + ROW * len(rows) + 4, label, "".join(parts))


def _categorical(count: int) -> list[str]:
    return [CATEGORICAL[i % len(CATEGORICAL)] for i in range(count)]


def _legend(
    names: Sequence[str], colours: Sequence[str], width: int
) -> tuple[str, int]:
    """Swatches and names, wrapped to the chart's width; returns (svg, height)."""
    parts, x, y = [], 4.0, 4.0
    for name, colour in zip(names, colours, strict=False):
        text = _short(name, 22)
        # The swatch, then the name at up to 8 units a character (13-unit text).
        needed = 17 + 8 * len(text)
        if x + needed > width and x > 4:
            x, y = 4.0, y + 20
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 2:.1f}" width="12" height="12" '
            f'fill="{colour}" stroke="{MUTED}" stroke-width="0.5"/>'
            + _text(x + 17, y + 12, text)
        )
        x += needed + 14
    return "".join(parts), int(y + 26)


def heat_map_svg(
    rows: Sequence[str],
    columns: Sequence[str],
    shares: Sequence[Sequence[float | None]],
    *,
    label: str,
    width: int = WIDTH,
) -> str:
    """A grid of shares (0 to 1): the darker the cell, the larger its share.

    Each cell also carries its percentage, in a colour that keeps its contrast.
    """
    if not rows or not columns:
        return ""
    left, head, row = 64, 30, 22
    cell = (width - left) / len(columns)
    # A column's name fits its cell, at up to 8 units a character.
    chars = max(4, int((cell - 4) / 8))
    parts = [
        _text(left + (i + 0.5) * cell, 18, _short(name, chars), text_anchor="middle")
        for i, name in enumerate(columns)
    ]
    for r, name in enumerate(rows):
        y = head + r * row
        parts.append(_text(left - 6, y + row / 2 + 4, name, text_anchor="end"))
        for c, share in enumerate(shares[r]):
            x = left + c * cell
            if share is None:
                fill, text, ink = TRACK, "\N{EN DASH}", TEXT
            else:
                fill = _blue(share)
                text = f"{round(100 * share)}%"
                ink = "#ffffff" if share >= 0.5 else TEXT
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y + 1}" width="{cell - 2:.1f}" '
                f'height="{row - 2}" fill="{fill}"/>'
                + _text(
                    x + cell / 2, y + row / 2 + 4, text, text_anchor="middle", fill=ink
                )
            )
    return _svg("heat-map", width, head + row * len(rows) + 4, label, "".join(parts))


def _blue(share: float) -> str:
    """White at 0 to dark blue at 1."""
    share = max(0.0, min(1.0, share))
    white = (0xFF, 0xFF, 0xFF)
    return "#" + "".join(
        f"{round(a + (b - a) * share):02x}" for a, b in zip(white, _DARK, strict=True)
    )


# The radar (``reports.presentation.radar_chart_svg``) is styled by the page's
# CSS classes: a downloaded copy carries those rules with it.
RADAR_STYLE = (
    "text{fill:#1f2937;font-family:system-ui,sans-serif}"
    ".radar-label{font-size:17px}.radar-tick{font-size:13px}"
    ".radar-grid{fill:none;stroke:#cbd5e1}.radar-axis{stroke:#cbd5e1}"
    ".radar-level{fill:rgba(1,114,173,.35);stroke:#0172ad;stroke-width:2}"
    ".radar-score{fill:none;stroke:#b45309;stroke-width:2;stroke-dasharray:5 3}"
)


def svg_file(svg: str) -> str:
    """A chart as a standalone SVG file (with the radar's styles when needed)."""
    if 'class="radar"' in svg:
        svg = svg.replace(">", f"><style>{RADAR_STYLE}</style>", 1)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg

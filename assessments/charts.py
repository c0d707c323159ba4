"""Charts of the assessment pages, drawn on the server as SVG. Pure.

Each chart is an image with a text alternative (``role="img"`` and an
``aria-label``), and every page shows the same numbers in a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from assessments import flowchart

# The vertical flowchart: boxes down the middle, arrows back on the right.
_BOX_W, _BOX_H, _GAP, _LEFT, _TOP = 250, 46, 30, 20, 16


def _box_y(index: int) -> float:
    return _TOP + index * (_BOX_H + _GAP)


def flowchart_svg(state: str) -> str:
    """The paper's flowchart, top to bottom, with the sprint's step highlighted.

    Steps before the current one are marked done; the two arrows back
    (verification to pipelines, maintenance to a new sprint) are drawn on the
    right, and the "no" of the decision leads to the end.
    """
    current = flowchart.STATES.index(state)
    parts = [
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="flow-arrowhead"/></marker></defs>'
    ]
    centre_x = _LEFT + _BOX_W / 2
    for index, step in enumerate(flowchart.STEPS):
        y = _box_y(index)
        if index < current:
            css = "flow-step done"
        elif index == current:
            css = "flow-step current"
        else:
            css = "flow-step"
        current_attr = ' aria-current="step"' if index == current else ""
        parts.append(
            f'<g class="{css}"{current_attr}><rect x="{_LEFT}" y="{y}" width="{_BOX_W}" '
            f'height="{_BOX_H}" rx="{_BOX_H / 2 if step == flowchart.DECISION else 8}"/>'
            f'<text x="{centre_x}" y="{y + _BOX_H / 2}" text-anchor="middle" '
            f'dominant-baseline="central">{index + 1}. '
            f"{escape(flowchart.STATE_LABELS[step])}</text></g>"
        )
        if index < len(flowchart.STEPS) - 1:
            parts.append(
                f'<line class="flow-edge" x1="{centre_x}" y1="{y + _BOX_H}" '
                f'x2="{centre_x}" y2="{y + _BOX_H + _GAP - 2}" marker-end="url(#arrow)"/>'
            )
    end_y = _box_y(len(flowchart.STEPS))
    no, end = escape(_("no")), escape(_("End of the sprint"))
    done_css = "flow-step current" if state == flowchart.COMPLETED else "flow-step"
    parts.append(
        f'<line class="flow-edge" x1="{centre_x}" y1="{end_y - _GAP}" x2="{centre_x}" '
        f'y2="{end_y - 2}" marker-end="url(#arrow)"/>'
        f'<text class="flow-note" x="{centre_x + 8}" y="{end_y - _GAP / 2}" '
        f'dominant-baseline="central">{no}</text>'
        f'<g class="{done_css}"><ellipse cx="{centre_x}" cy="{end_y + _BOX_H / 2 - 4}" '
        f'rx="{_BOX_W / 3}" ry="{_BOX_H / 2 - 4}"/>'
        f'<text x="{centre_x}" y="{end_y + _BOX_H / 2 - 4}" text-anchor="middle" '
        f'dominant-baseline="central">{end}</text></g>'
    )
    right = _LEFT + _BOX_W
    parts.append(_back_arrow(right, 2, 1, 24, _("not resolved")))
    parts.append(_back_arrow(right, 4, 0, 58, _("yes: next sprint")))
    width = right + 170
    height = end_y + _BOX_H + 4
    if state == flowchart.COMPLETED:
        where = _("the sprint is completed")
    else:
        where = _("step %(n)s of 5, %(step)s") % {
            "n": current + 1,
            "step": flowchart.STATE_LABELS[state],
        }
    label = _("The adoption flowchart: %(where)s.") % {"where": where}
    return (
        f'<svg class="flowchart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"{''.join(parts)}</svg>"
    )


def _back_arrow(right: float, start: int, end: int, reach: float, text: str) -> str:
    y1 = _box_y(start) + _BOX_H / 2
    y2 = _box_y(end) + _BOX_H / 2
    x = right + reach
    return (
        f'<path class="flow-edge back" d="M{right},{y1} H{x} V{y2} H{right + 2}" '
        f'fill="none" marker-end="url(#arrow)"/>'
        f'<text class="flow-note" x="{x + 4}" y="{(y1 + y2) / 2}" '
        f'dominant-baseline="central">{escape(text)}</text>'
    )


def step_dots_svg(state: str) -> str:
    """A small row of the five steps, the current one filled (for lists)."""
    current = flowchart.STATES.index(state)
    parts = []
    for index, _step in enumerate(flowchart.STEPS):
        x = 10 + index * 22
        css = (
            "dot current"
            if index == current
            else ("dot done" if index < current else "dot")
        )
        parts.append(f'<circle class="{css}" cx="{x}" cy="10" r="7"/>')
        if index < len(flowchart.STEPS) - 1:
            parts.append(
                f'<line class="dot-link" x1="{x + 7}" y1="10" x2="{x + 15}" y2="10"/>'
            )
    label = (
        _("Completed")
        if state == flowchart.COMPLETED
        else _("Step %(n)s of 5: %(step)s")
        % {"n": current + 1, "step": flowchart.STATE_LABELS[state]}
    )
    return (
        f'<svg class="step-dots" viewBox="0 0 108 20" width="108" height="20" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


def line_chart_svg(
    *,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    y_max: float,
    label: str,
    y_label: str = "",
    width: int = 360,
    height: int = 200,
) -> str:
    """Lines over sprints: one per (CSS class, legend text, values; None = gap).

    ``label`` is the text alternative; the page shows the values in a table.
    """
    if not x_labels:
        return ""
    left, right, top, bottom = 44, 34, 12, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = y_max or 1.0
    count = len(x_labels)

    def x_at(index: int) -> float:
        return left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        return top + plot_h * (1 - min(max(value, 0.0), y_max) / y_max)

    parts = []
    for tick in range(5):
        value = y_max * tick / 4
        y = y_at(value)
        parts.append(
            f'<line class="chart-grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>'
            f'<text class="chart-tick" x="{left - 6}" y="{y:.1f}" text-anchor="end" '
            f'dominant-baseline="central">{_number(value)}</text>'
        )
    for index, text in enumerate(x_labels):
        parts.append(
            f'<text class="chart-tick" x="{x_at(index):.1f}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{escape(text)}</text>'
        )
    if y_label:
        parts.append(
            f'<text class="chart-tick" x="{left}" y="{height - 6}">{escape(y_label)}</text>'
        )
    for css, _legend, values in series:
        points = [(x_at(i), y_at(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline class="chart-line {escape(css)}" points="{path}"/>'
            )
        for x, y in points:
            parts.append(
                f'<circle class="chart-point {escape(css)}" cx="{x:.1f}" cy="{y:.1f}" r="4"/>'
            )
    return (
        f'<svg class="line-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-12:
            return step * power
    return 10 * power  # pragma: no cover


def _number(value: float) -> str:
    """A tick value with at most two decimals, in the language's format."""
    value = round(value, 2)
    return number_format(value if value % 1 else int(value))

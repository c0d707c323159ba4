"""What a survey's dashboard shows: its sections, charts and tables.

Pure: no database access. Everything comes from what the aggregates API and
the dashboard API serve: the stored cells of all responses and of one
segment's groups (already suppressed for the reader), and the stored activity
(``reports.selectors.activity_compute``). Each chart comes with the table of
its figures (the text alternative, and what a test reads back) and an id for
its SVG download.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reports.aggregation import PAIR_SEPARATOR, suppressed
from reports.catalogue import rating_label
from reports.charts import bars_svg, columns_svg, heat_map_svg, stacked_svg
from reports.models import CRITERIA, Tool
from reports.presentation import radar_chart_svg
from reports.public import figure_text, level_counts
from surveys.definition import OTHER, Definition, Question
from surveys.scoring_rules import ScoringRules, level_name, text_in


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class Chart:
    id: str
    title: str
    svg: str = ""
    table: Table | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)
    suppressed: bool = False
    other: str = ""  # a question code whose "other" texts can be listed


def percent(count: float | None, n: float | None) -> str:
    if not n or count is None:
        return "\N{EN DASH}"
    return f"{figure_text(round(100 * count / n, 1))}%"


def _suppressed(cells: Any) -> bool:
    return not isinstance(cells, dict) or bool(cells.get("suppressed"))


def choice_labels(question: Question, language: str) -> dict[str, str]:
    labels = {c.code: text_in(c.label, language) for c in question.choices}
    if question.type == "boolean":
        labels |= {"true": _("Yes"), "false": _("No")}
    labels[OTHER] = _("Other")
    return labels


# --- Activity -------------------------------------------------------------------------


def activity_for_reader(
    activity: dict[str, Any], *, k: int, staff: bool
) -> dict[str, Any]:
    """The stored activity as a reader may see it (the page and the API alike).

    Its counts say when and how far people answered, not what: only the
    bottleneck counts describe answers, so they are suppressed, as the
    aggregates are, when fewer than ``k`` responses have a profile (staff
    see them whole).
    """
    bottlenecks = activity.get("bottlenecks") or {}
    if not staff and sum(bottlenecks.values()) < k:
        return {**activity, "bottlenecks": suppressed(k)}
    return activity


def activity_charts(
    activity: dict[str, Any], definition: Definition, language: str
) -> list[Chart]:
    """Responses per day, the completion funnel, and the time to complete."""
    charts = []
    days = _every_day(activity.get("days", {}))
    timeline = Chart(id="timeline", title=_("Responses over time"))
    timeline.table = Table(
        caption=_("Responses started and submitted per day"),
        columns=[_("Day"), _("Responses started"), _("Responses submitted")],
        rows=[
            (
                date_format(day, "SHORT_DATE_FORMAT"),
                [str(counts["started"]), str(counts["submitted"])],
            )
            for day, counts in days
        ],
    )
    timeline.svg = columns_svg(
        [(date_format(day, "j M"), counts["submitted"]) for day, counts in days],
        label=_("Responses submitted per day, %(first)s to %(last)s: %(total)d in all.")
        % {
            "first": date_format(days[0][0], "SHORT_DATE_FORMAT") if days else "",
            "last": date_format(days[-1][0], "SHORT_DATE_FORMAT") if days else "",
            "total": activity.get("submitted", 0),
        },
    )
    charts.append(timeline)

    started = activity.get("started", 0)
    funnel = {int(k): v for k, v in activity.get("funnel", {}).items()}
    pages = [definition.page(code) for code in activity.get("pages", [])]
    steps: list[tuple[str, int]] = [(_("Responses started"), started)]
    for position, page in enumerate(pages, start=1):
        reached = sum(n for furthest, n in funnel.items() if furthest >= position)
        name = text_in(page.title, language) if page is not None else str(position)
        steps.append((_("Reached “%(page)s”") % {"page": name}, reached))
    steps.append((_("Responses submitted"), activity.get("submitted", 0)))
    rows = []
    for index, (name, count) in enumerate(steps):
        following = steps[index + 1][1] if index + 1 < len(steps) else None
        rows.append(
            (
                name,
                [
                    str(count),
                    percent(count, started),
                    str(count - following) if following is not None else "",
                ],
            )
        )
    chart = Chart(id="funnel", title=_("Completion funnel"))
    chart.table = Table(
        caption=_("Responses at each step, and how many stopped before the next"),
        columns=[_("Step"), _("Responses"), _("Share of started"), _("Stopped here")],
        rows=rows,
    )
    chart.svg = bars_svg(
        [(name, count, str(count)) for name, count in steps],
        maximum=max(started, 1),
        label=_("Completion funnel. %(summary)s")
        % {"summary": "; ".join(f"{name}: {count}" for name, count in steps)},
    )
    derived = activity.get("derived", 0)
    if derived:
        chart.facts.append(
            (
                _("Drafts placed by their answers"),
                _(
                    "%(count)d drafts sent through the API store no page: their "
                    "furthest page is the last one with an answer."
                )
                % {"count": derived},
            )
        )
    charts.append(chart)

    duration = activity.get("duration") or {}
    time_chart = Chart(id="duration", title=_("Time to complete"))
    time_chart.facts = [
        (_("Submitted responses"), str(duration.get("n", 0))),
        (_("Median time to complete"), _minutes(duration.get("median"))),
        (
            _("Middle half (Q1 to Q3)"),
            f"{_minutes(duration.get('q1'))} \N{EN DASH} {_minutes(duration.get('q3'))}",
        ),
    ]
    charts.append(time_chart)
    return charts


def _every_day(days: dict[str, dict[str, int]]) -> list[tuple[dt.date, dict[str, int]]]:
    """The days from the first to the last response, quiet ones included."""
    if not days:
        return []
    parsed = {dt.date.fromisoformat(day): counts for day, counts in days.items()}
    first, last = min(parsed), max(parsed)
    out = []
    day = first
    while day <= last:
        out.append((day, parsed.get(day, {"started": 0, "submitted": 0})))
        day += dt.timedelta(days=1)
    return out


def _minutes(value: float | None) -> str:
    if value is None:
        return "\N{EN DASH}"
    return _("%(minutes)s min") % {"minutes": figure_text(round(value, 1))}


# --- Questions ------------------------------------------------------------------------


def question_charts(
    cells: dict[str, Any], definition: Definition, language: str, k: int
) -> list[Chart]:
    """A chart per counted question in the survey's order (maturity items apart)."""
    questions = cells.get("questions") or {}
    charts = []
    for code, question in definition.questions.items():
        if code not in questions:
            continue
        chart = Chart(id=f"q-{code}", title=text_in(question.text, language))
        stored = questions[code]
        if _suppressed(stored):
            chart.suppressed = True
        else:
            _question_chart(chart, question, stored, definition, language)
        if question.allow_other:
            chart.other = code
        charts.append(chart)
    return charts


def _question_chart(
    chart: Chart,
    question: Question,
    cells: dict[str, Any],
    definition: Definition,
    language: str,
) -> None:
    n = cells["n"]
    labels = choice_labels(question, language)
    kind = cells.get("type", question.type)
    chart.facts.append((_("Responses"), str(n)))
    if kind in {"single_choice", "boolean", "multiple_choice"}:
        counts = cells["counts"]
        rows = [(labels.get(c, c), counts[c]) for c in _ordered(question, counts)]
        _count_bars(
            chart,
            rows,
            n,
            _("Responses per answer, out of %(n)d") % {"n": n},
            _("Answer"),
        )
        if kind == "multiple_choice":
            chart.facts.append(
                (_("Note"), _("One response may choose several answers."))
            )
    elif kind == "ranking":
        _ranking_chart(chart, cells, labels)
    elif kind == "matrix":
        _matrix_chart(chart, question, cells, definition, language)
    elif cells.get("distribution") is not None or kind == "likert":
        stored = cells.get("distribution") or {}
        # Stored JSON keeps no order: values and ranges go from the lowest.
        distribution = {
            key: stored[key]
            for key in sorted(stored, key=lambda key: float(key.split("..")[0]))
        }
        names = [
            text_in(question.scale_labels[value], language) + f" ({value})"
            if value in question.scale_labels
            else value
            for value in distribution
        ]
        rows = list(zip(names, distribution.values(), strict=True))
        chart.table = _counts_table(
            _("Responses per value, out of %(n)d") % {"n": n}, _("Value"), rows, n
        )
        if kind == "likert":
            chart.svg = stacked_svg(
                [(_("All responses"), list(distribution.values()))],
                series=names,
                label=_summary(chart.title, rows),
            )
        else:
            chart.svg = columns_svg(rows, label=_summary(chart.title, rows))
        for name, key in ((_("Mean"), "mean"), (_("Median"), "median")):
            chart.facts.append((name, figure_text(cells.get(key))))
        if cells.get("approximate"):
            chart.facts.append(
                (_("Note"), _("The median is estimated within the ranges."))
            )
    else:  # a number without bounds: only its mean is kept
        chart.facts.append((_("Mean"), figure_text(cells.get("mean"))))


def _ordered(question: Question, counts: dict[str, Any]) -> list[str]:
    """The answer codes in the questionnaire's order (stored JSON keeps none)."""
    codes = ["true", "false"] if question.type == "boolean" else question.choice_codes
    return [c for c in codes if c in counts] + [c for c in counts if c not in codes]


def _summary(title: str, rows: list[tuple[str, Any]]) -> str:
    return f"{title}: " + "; ".join(f"{name}: {count}" for name, count in rows)


def _counts_table(caption: str, column: str, rows: list, n: int) -> Table:
    """A chart's figures: each row's count and its share of ``n``."""
    return Table(
        caption=caption,
        columns=[column, _("Responses"), _("Share")],
        rows=[(name, [str(count), percent(count, n)]) for name, count in rows],
    )


def _count_bars(chart: Chart, rows: list, n: int, caption: str, column: str) -> None:
    """Give ``chart`` a bar per row (its count and share) and the same as a table."""
    chart.table = _counts_table(caption, column, rows, n)
    chart.svg = bars_svg(
        [(name, count, f"{count} ({percent(count, n)})") for name, count in rows],
        label=_summary(chart.title, rows),
    )


def _ranking_chart(chart: Chart, cells: dict[str, Any], labels: dict[str, str]) -> None:
    n, k = cells["n"], cells.get("k")
    rows = []
    for code, first in cells["first"].items():
        rows.append(
            (
                labels.get(code, code),
                cells["mean_rank"].get(code),
                first,
                cells["top"].get(code, 0),
            )
        )
    rows.sort(key=lambda row: (row[1] is None, row[1] or 0))
    chart.table = Table(
        caption=_("Mean rank and first places, out of %(n)d responses") % {"n": n},
        columns=[
            _("Answer"),
            _("Mean rank"),
            _("Ranked first"),
            _("First-place share"),
            _("Ranked in the top %(k)s") % {"k": k},
        ],
        rows=[
            (
                name,
                [
                    figure_text(mean),
                    str(first),
                    percent(first, n),
                    str(top),
                ],
            )
            for name, mean, first, top in rows
        ],
    )
    chart.svg = bars_svg(
        [(name, first, percent(first, n)) for name, _mean, first, _top in rows],
        maximum=max(n, 1),
        label=_("First-place share. %(summary)s")
        % {
            "summary": "; ".join(
                f"{name}: {percent(first, n)}" for name, _m, first, _t in rows
            )
        },
    )
    chart.facts.append(
        (_("Note"), _("A lower mean rank is a higher place; bars show first places."))
    )


def _matrix_chart(
    chart: Chart,
    question: Question,
    cells: dict[str, Any],
    definition: Definition,
    language: str,
) -> None:
    row_labels = {
        row.code: text_in(row.label, language)
        for row in definition.possible_rows(question)
    }
    columns = question.column_codes
    column_names = [text_in(c.label, language) for c in question.columns]
    table_rows, bars = [], []
    stored_rows = cells["rows"]
    for code in [c for c in row_labels if c in stored_rows]:
        row = stored_rows[code]
        name = row_labels[code]
        if _suppressed(row):
            table_rows.append(
                (name, [_("suppressed")] * len(columns) + ["\N{EN DASH}"])
            )
            continue
        counts = [row["counts"].get(c, 0) for c in columns]
        if not row["n"]:
            continue
        bars.append((name, counts))
        table_rows.append(
            (
                name,
                [f"{count} ({percent(count, row['n'])})" for count in counts]
                + [str(row["n"])],
            )
        )
    chart.table = Table(
        caption=_("Responses per row and answer"),
        columns=[_("Row"), *column_names, _("Responses")],
        rows=table_rows,
    )
    chart.svg = stacked_svg(
        bars,
        series=column_names,
        label=f"{chart.title}: "
        + "; ".join(
            f"{name}: "
            + ", ".join(f"{c} {n}" for c, n in zip(column_names, counts, strict=True))
            for name, counts in bars
        ),
    )


# --- Maturity -------------------------------------------------------------------------


def maturity_charts(
    cells: dict[str, Any],
    definition: Definition,
    rules: ScoringRules,
    language: str,
    *,
    bottlenecks: dict[str, Any] | None,
) -> list[Chart]:
    """Overall levels, dimension medians, the items' heat map, bottlenecks, breadth."""
    charts = [
        _overall_chart(cells.get("overall"), rules, language),
        _radar_chart(cells.get("dimensions") or {}, rules, language),
        _items_chart(cells.get("items") or {}, definition, rules, language),
    ]
    charts.append(_bottleneck_chart(bottlenecks or {}, rules, language))
    breadth = cells.get("breadth")
    chart = Chart(id="breadth", title=_("Breadth"))
    if _suppressed(breadth):
        chart.suppressed = True
    else:
        chart.facts = [
            (_("Mean breadth"), figure_text(breadth.get("mean"))),
            (_("Responses"), str(breadth["n"])),
        ]
    charts.append(chart)
    return charts


def _overall_chart(cells: Any, rules: ScoringRules, language: str) -> Chart:
    chart = Chart(id="overall", title=_("Overall maturity level"))
    if _suppressed(cells):
        chart.suppressed = True
        return chart
    n = cells["n"]
    rows = [
        (f"{figure_text(level)} · {level_name(rules, level, language)}", count)
        for level, count in level_counts(cells["levels"])
    ]
    _count_bars(
        chart,
        rows,
        n,
        _("Responses per overall level, out of %(n)d") % {"n": n},
        _("Level"),
    )
    chart.facts = [(_("Median overall level"), figure_text(cells.get("median")))]
    return chart


def _radar_chart(cells: dict[str, Any], rules: ScoringRules, language: str) -> Chart:
    chart = Chart(id="dimensions", title=_("Median score per dimension"))
    rows, titles, medians = [], [], []
    for dimension in rules.dimensions:
        stored = cells.get(dimension.code)
        title = f"{dimension.code} {text_in(dimension.title, language)}"
        if _suppressed(stored) or stored.get("median") is None:
            rows.append((title, [_("suppressed")] * 3))
            titles.append(dimension.code)
            medians.append(0.0)
            continue
        rows.append(
            (
                title,
                [
                    figure_text(stored["median"]),
                    f"{figure_text(stored['q1'])} \N{EN DASH} {figure_text(stored['q3'])}",
                    str(stored["n"]),
                ],
            )
        )
        titles.append(dimension.code)
        medians.append(stored["median"])
    chart.table = Table(
        caption=_("Median score (S) per dimension, from 0 to %(max)d")
        % {"max": rules.max_level},
        columns=[
            _("Dimension"),
            _("Median"),
            _("Middle half (Q1 to Q3)"),
            _("Responses"),
        ],
        rows=rows,
    )
    chart.svg = radar_chart_svg(
        titles,
        [("radar-level", medians)],
        max_level=rules.max_level,
        label=_summary(chart.title, [(name, cells[0]) for name, cells in rows]),
    )
    return chart


def _items_chart(
    cells: dict[str, Any],
    definition: Definition,
    rules: ScoringRules,
    language: str,
) -> Chart:
    chart = Chart(id="items", title=_("Maturity items: share of each answer"))
    item_codes: list[str] = []
    for code in rules.item_codes:
        question = definition.questions.get(code)
        if question is not None:
            item_codes = question.choice_codes
            labels = choice_labels(question, language)
            break
    else:
        return chart
    column_names = [labels.get(c, c) for c in item_codes]
    shares, table_rows, names = [], [], []
    for code in rules.item_codes:
        stored = cells.get(code)
        question = definition.questions.get(code)
        names.append(code)
        text = f"{code} {text_in(question.text, language)}" if question else code
        if _suppressed(stored):
            shares.append([None] * len(item_codes))
            table_rows.append(
                (text, [_("suppressed")] * len(item_codes) + ["\N{EN DASH}"])
            )
            continue
        row = [stored["shares"].get(c) for c in item_codes]
        shares.append(row)
        table_rows.append(
            (
                text,
                [percent(share, 1) for share in row] + [str(stored["n"])],
            )
        )
    chart.table = Table(
        caption=_("Share of each answer per maturity item"),
        columns=[_("Item"), *column_names, _("Responses")],
        rows=table_rows,
    )
    chart.svg = heat_map_svg(
        names,
        column_names,
        shares,
        label=_(
            "Heat map of the share of each answer per maturity item; the table lists every share."
        ),
    )
    return chart


def _bottleneck_chart(
    counts: dict[str, Any], rules: ScoringRules, language: str
) -> Chart:
    chart = Chart(id="bottlenecks", title=_("Bottleneck dimensions"))
    if _suppressed(counts):
        chart.suppressed = True
        return chart
    n = sum(counts.values())
    rows = [
        (
            f"{d.code} {text_in(d.title, language)}",
            counts.get(d.code, 0),
        )
        for d in rules.dimensions
    ]
    rows.append((_("None"), counts.get("", 0)))
    _count_bars(
        chart,
        rows,
        n,
        _("Responses per bottleneck dimension, out of %(n)d") % {"n": n},
        _("Dimension"),
    )
    return chart


# --- Tools ----------------------------------------------------------------------------


def tool_table(
    ratings: dict[str, dict[str, Any]], catalogue: dict[str, Tool]
) -> dict[str, Any]:
    """Practitioners' median rating per tool and criterion beside the paper's.

    A cell disagrees when both are known and differ.
    """
    rows = []
    disagreements = 0
    for code, said in sorted(ratings.items()):
        tool = catalogue.get(code)
        cells = []
        for criterion in CRITERIA:
            stored = (said.get("ratings") or {}).get(criterion)
            practitioners = None if _suppressed(stored) else stored.get("median")
            paper = tool.ratings.get(criterion) if tool is not None else ""
            differs = bool(practitioners and paper and practitioners != paper)
            disagreements += differs
            cells.append(
                {
                    "practitioners": rating_label(practitioners),
                    "suppressed": _suppressed(stored),
                    "n": None if _suppressed(stored) else stored.get("n"),
                    "paper": rating_label(paper),
                    "differs": differs,
                }
            )
        rows.append({"code": code, "name": tool.name if tool else code, "cells": cells})
    return {"rows": rows, "disagreements": disagreements}


# --- Segments -------------------------------------------------------------------------


def segment_label(key: str, definition: Definition, language: str) -> str:
    names = []
    for code in key.split(PAIR_SEPARATOR):
        question = definition.questions.get(code)
        names.append(text_in(question.text, language) if question else code)
    return " \N{MULTIPLICATION SIGN} ".join(names)


def group_label(key: str, segment: str, definition: Definition, language: str) -> str:
    parts = []
    for code, value in zip(
        segment.split(PAIR_SEPARATOR), key.split(PAIR_SEPARATOR), strict=False
    ):
        question = definition.questions.get(code)
        labels = choice_labels(question, language) if question else {}
        parts.append(labels.get(value, value))
    return " · ".join(parts)


def segment_comparison(
    segment: str,
    groups: dict[str, Any],
    definition: Definition,
    rules: ScoringRules | None,
    language: str,
) -> dict[str, Any]:
    """A segment's groups side by side: size, levels, dimension medians, breadth.

    ``groups`` are as the reader may see them (suppressed for non-staff).
    """
    order = _group_order(segment, definition)
    keys = sorted(groups, key=lambda key: (order.get(key, len(order)), key))
    columns = []
    for key in keys:
        cells = groups[key]
        columns.append(
            {
                "key": key,
                "label": group_label(key, segment, definition, language),
                "suppressed": _suppressed(cells),
                "cells": cells,
            }
        )
    rows: list[tuple[str, list[str]]] = [
        (_("Responses"), [_n_text(c) for c in columns])
    ]
    chart = Chart(id="segment", title=_("Overall level per group"))
    if rules is not None:
        rows.append(
            (
                _("Median overall level"),
                [_cell_figure(c, "overall", "median") for c in columns],
            )
        )
        for dimension in rules.dimensions:
            rows.append(
                (
                    _("%(code)s median score") % {"code": dimension.code},
                    [
                        _cell_figure(c, "dimensions", "median", dimension.code)
                        for c in columns
                    ],
                )
            )
        rows.append(
            (_("Mean breadth"), [_cell_figure(c, "breadth", "mean") for c in columns])
        )
        levels = [str(level) for level in range(rules.max_level + 1)]
        bars = []
        for column in columns:
            overall = None if column["suppressed"] else column["cells"].get("overall")
            if _suppressed(overall):
                continue
            by_level = [0] * len(levels)
            for key, count in overall["levels"].items():
                by_level[min(int(float(key)), rules.max_level)] += count
            bars.append((column["label"], by_level))
        chart.svg = stacked_svg(
            bars,
            series=[
                f"{level} · {level_name(rules, float(level), language)}"
                for level in levels
            ],
            label=_(
                "Overall level per group (half levels counted with the level below). "
            )
            + "; ".join(
                f"{name}: " + ", ".join(str(c) for c in counts) for name, counts in bars
            ),
        )
    # The table is shown as it is, beside the chart (not folded away).
    table = Table(
        caption=_("Groups of “%(segment)s” side by side")
        % {"segment": segment_label(segment, definition, language)},
        columns=[_("Figure"), *[c["label"] for c in columns]],
        rows=rows,
    )
    return {"chart": chart, "table": table, "groups": columns}


def _group_order(segment: str, definition: Definition) -> dict[str, int]:
    codes = segment.split(PAIR_SEPARATOR)
    choices = [
        definition.questions[code].choice_codes if code in definition.questions else []
        for code in codes
    ]
    if len(choices) == 1:
        return {c: i for i, c in enumerate(choices[0])}
    first, second = choices[0], choices[1] if len(choices) > 1 else []
    return {
        f"{a}{PAIR_SEPARATOR}{b}": i * len(second) + j
        for i, a in enumerate(first)
        for j, b in enumerate(second)
    }


def _n_text(column: dict[str, Any]) -> str:
    return _("suppressed") if column["suppressed"] else str(column["cells"]["n"])


def _cell_figure(column: dict[str, Any], part: str, key: str, sub: str = "") -> str:
    if column["suppressed"]:
        return _("suppressed")
    cells = column["cells"].get(part)
    if sub and isinstance(cells, dict):
        cells = cells.get(sub)
    if _suppressed(cells):
        return _("suppressed")
    return figure_text(cells.get(key))

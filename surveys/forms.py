"""Survey pages as HTML forms: form data to typed answers, and fields to render.

Pure Python, no database access. The answer values are the public contract of
``surveys.answers``; this module only turns the strings of an HTML form into
those values (and back into what the inputs show). Anything it cannot parse is
passed on unchanged, so the validator reports it with its usual message
(``"abc"`` for a number becomes "Enter a number."). A blank input becomes
``None``, which ``response_save`` reads as "remove this answer".

Which questions a page renders: a question whose condition (or ``rows_from``)
looks only at earlier pages is rendered when the stored answers make it
visible; one that depends on an answer on the same page is always rendered
and marked with ``data-condition`` / ``data-rows-from`` for ``survey.js``,
so that the page works without JavaScript (every question shows, and the
server drops answers to hidden questions on submit).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from surveys.answers import AnswerSheet, is_empty
from surveys.definition import OTHER, OTHER_SUFFIX, Page, Question
from surveys.models import translate

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
SINGLE_INPUT_TYPES = {"number", "text", "long_text", "date"}


# --- Form data -> typed answers --------------------------------------------------


def _blank_to_none(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    return raw


def parse_number(raw: str | None) -> int | float | str | None:
    """Parse a number as typed (a lone comma is a decimal separator)."""
    text = (raw or "").strip()
    if not text:
        return None
    candidate = (
        text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    )
    try:
        if _INTEGER.fullmatch(candidate):
            return int(candidate)
        if _DECIMAL.fullmatch(candidate):
            value = float(candidate)
            if math.isfinite(value):
                return value
    except ValueError:  # an integer with too many digits for int()
        pass
    return text


def parse_integer(raw: str | None) -> int | str | None:
    text = (raw or "").strip()
    if not text:
        return None
    if _INTEGER.fullmatch(text) and len(text) < 20:
        return int(text)
    return text


def parse_boolean(raw: str | None) -> bool | str | None:
    text = (raw or "").strip().lower()
    if not text:
        return None
    return {"true": True, "false": False}.get(text, raw)


def candidate_rows(sheet: AnswerSheet, question: Question) -> list[tuple[str, dict]]:
    """Every row a matrix may show: its rows, or all choices of its ``rows_from``."""
    if question.rows_from is None:
        return [(row.code, row.label) for row in question.rows]
    source = sheet.questions[question.rows_from]
    return [(choice.code, choice.label) for choice in source.choices]


def _parse(sheet: AnswerSheet, q: Question, data: Any) -> Any:
    code = q.code
    if q.type in {"single_choice", "date", "text", "long_text"}:
        return _blank_to_none(data.get(code))
    if q.type == "multiple_choice":
        return [value for value in data.getlist(code) if value] or None
    if q.type == "likert":
        return parse_integer(data.get(code))
    if q.type == "number":
        return parse_number(data.get(code))
    if q.type == "boolean":
        return parse_boolean(data.get(code))
    if q.type == "ranking":
        slots = q.top_n or len(q.choices)
        picked = [data.get(f"{code}.{n}") for n in range(1, slots + 1)]
        return [value for value in picked if value] or None
    if q.type == "matrix":
        cells = {
            row: data.get(f"{code}.{row}")
            for row, _label in candidate_rows(sheet, q)
            if data.get(f"{code}.{row}")
        }
        return cells or None
    raise ValueError(f"unknown question type {q.type!r}")


def answers_from_form(
    sheet: AnswerSheet,
    questions: Sequence[Question],
    data: Any,
    *,
    stored: Mapping[str, Any],
) -> dict[str, Any]:
    """Turn a page's form data into answers; ``None`` removes an answer.

    ``questions`` are the questions the page rendered: an input that was not
    sent (an unticked group, a disabled hidden question) clears its answer.
    Matrix rows that no longer show (their ``rows_from`` choice was unticked
    on the same page) are dropped rather than reported.
    """
    answers: dict[str, Any] = {}
    for question in questions:
        answers[question.code] = _parse(sheet, question, data)
        if question.allow_other:
            key = question.code + OTHER_SUFFIX
            answers[key] = _blank_to_none(data.get(key))
    merged = merge_answers(stored, answers)
    for question in questions:
        value = answers[question.code]
        if question.type == "matrix" and question.rows_from and value:
            shown = {code for code, _label in sheet.rows(question, merged)}
            answers[question.code] = {
                row: cell for row, cell in value.items() if row in shown
            } or None
    return answers


def merge_answers(stored: Mapping[str, Any], posted: Mapping[str, Any]) -> dict:
    """Stored answers updated by new ones; a null value removes an answer."""
    return {
        key: value for key, value in {**stored, **posted}.items() if value is not None
    }


# --- Which questions a page renders ------------------------------------------------


def condition_refs(condition: dict | None) -> set[str]:
    """The question codes a condition reads."""
    if not condition:
        return set()
    for key in ("all", "any"):
        if key in condition:
            return set().union(*(condition_refs(part) for part in condition[key]))
    if "not" in condition:
        return condition_refs(condition["not"])
    return {condition["question"]}


def _refs(question: Question) -> set[str]:
    refs = condition_refs(question.condition)
    if question.rows_from:
        refs.add(question.rows_from)
    return refs


def rendered_questions(
    sheet: AnswerSheet, page: Page, answers: Mapping[str, Any], *, preview: bool = False
) -> list[Question]:
    """The questions of a page that are rendered, given the stored answers."""
    if preview:
        return list(page.questions)
    here = {q.code for q in page.questions}
    shown = {q.code for q in sheet.visibility(dict(answers)).questions}
    return [q for q in page.questions if q.code in shown or _refs(q) & here]


def known_answers(
    sheet: AnswerSheet, page: Page, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Answers from earlier pages that the page's same-page conditions also read."""
    here = {q.code for q in page.questions}
    needed: set[str] = set()
    for question in page.questions:
        refs = _refs(question)
        if refs & here:
            needed |= refs - here
    if not needed:
        return {}
    shown = {q.code for q in sheet.visibility(dict(answers)).questions}
    return {
        code: answers[code]
        for code in sorted(needed)
        if code in shown and code in answers
    }


@dataclass(frozen=True)
class Progress:
    """Where a page stands: "page ``number`` of (about) ``count``"."""

    number: int
    count: int
    settled: bool  # no later page waits on an answer still to come


def page_progress(
    sheet: AnswerSheet, page: Page, answers: Mapping[str, Any]
) -> Progress:
    """Place a page among the pages the respondent has seen or may still see.

    A later page counts unless the answers so far already hide it for good: a
    page whose condition reads a question still unanswered (on this page or a
    later one) counts until that answer comes. So the count never grows as
    the respondent goes forward ("8, then 9, then 10" read as a moving goal);
    it may shrink, and the page says "about" while it can.
    """
    answers = dict(answers)
    shown = sheet.visibility(answers)
    visible_pages = {p.code for p in shown.pages}
    visible_questions = {q.code for q in shown.questions}
    still_open = {
        q.code
        for p in sheet.definition.pages
        if p.position >= page.position
        for q in p.questions
        if is_empty(answers.get(q.code))
    }
    number = count = 1
    settled = True
    for other in sheet.definition.pages:
        if other.position < page.position:
            number += other.code in visible_pages
            count += other.code in visible_pages
            continue
        if other.position == page.position:
            continue
        waits = bool(condition_refs(other.condition) & still_open)
        if other.code in visible_pages:
            # Shown for good once one of its questions is shown for good.
            waits = waits or not any(
                q.code in visible_questions and not _refs(q) & still_open
                for q in other.questions
            )
            count += 1
        elif waits or any(_refs(q) & still_open for q in other.questions):
            waits = True
            count += 1
        settled = settled and not waits
    return Progress(number=number, count=count, settled=settled)


# --- Fields to render ---------------------------------------------------------------


@dataclass
class Choice:
    value: str
    label: str
    id: str
    checked: bool = False
    hint: str = ""


@dataclass
class Slot:
    label: str
    id: str
    name: str
    choices: list[Choice]


@dataclass
class MatrixRow:
    code: str
    label: str
    id: str
    cells: list[Choice]


@dataclass
class Field:
    question: Question
    text: str
    help: str
    id: str
    errors: list[str] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)
    value: str = ""
    other: str = ""
    choices: list[Choice] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    rows: list[MatrixRow] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    condition: str = ""
    rows_from: str = ""
    conditional: bool = False
    battery: bool = False  # one of a run of items with the same few choices

    @property
    def code(self) -> str:
        return self.question.code

    @property
    def type(self) -> str:
        return self.question.type

    @property
    def required(self) -> bool:
        return self.question.required

    @property
    def is_group(self) -> bool:
        return self.type not in SINGLE_INPUT_TYPES

    @property
    def help_id(self) -> str:
        return f"h-{self.code}" if self.help else ""

    @property
    def error_id(self) -> str:
        return f"e-{self.code}" if self.errors else ""

    @property
    def other_id(self) -> str:
        return f"f-{self.code}{OTHER_SUFFIX}"

    @property
    def other_error_id(self) -> str:
        return f"e-{self.code}{OTHER_SUFFIX}" if self.other_errors else ""

    @property
    def describedby(self) -> str:
        return " ".join(filter(None, [self.help_id, self.error_id]))

    @property
    def other_describedby(self) -> str:
        return self.other_error_id


def ordinal_choice(n: int) -> str:
    """ "1st choice", "2nd choice"... for ranking slots."""
    if n == 1:
        return _("1st choice")
    if n == 2:
        return _("2nd choice")
    if n == 3:
        return _("3rd choice")
    return _("%(n)dth choice") % {"n": n}


def _display(value: Any) -> str:
    if value is None or isinstance(value, list | dict):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _options(q: Question, value: Any) -> list[Choice]:
    picked = value if isinstance(value, list) else [value]
    picked = [_display(item) for item in picked]
    options = [
        Choice(
            value=choice.code,
            label=translate(choice.label),
            id=f"f-{q.code}-{i}",
            checked=choice.code in picked,
        )
        for i, choice in enumerate(q.choices)
    ]
    if q.allow_other:
        options.append(
            Choice(
                value=OTHER,
                label=_("Other"),
                id=f"f-{q.code}-{len(q.choices)}",
                checked=OTHER in picked,
            )
        )
    return options


def _likert(q: Question, value: Any) -> list[Choice]:
    current = _display(value)
    return [
        Choice(
            value=str(n),
            label=str(n),
            hint=translate(q.scale_labels.get(str(n))),
            id=f"f-{q.code}-{n}",
            checked=current == str(n),
        )
        for n in range(q.scale_min, q.scale_max + 1)
    ]


def _boolean(q: Question, value: Any) -> list[Choice]:
    current = _display(value)
    return [
        Choice("true", _("Yes"), f"f-{q.code}-yes", current == "true"),
        Choice("false", _("No"), f"f-{q.code}-no", current == "false"),
    ]


def _slots(q: Question, value: Any) -> list[Slot]:
    picked = value if isinstance(value, list) else []
    slots = []
    for n in range(1, (q.top_n or len(q.choices)) + 1):
        current = picked[n - 1] if n <= len(picked) else ""
        slots.append(
            Slot(
                label=ordinal_choice(n),
                id=f"f-{q.code}-{n}",
                name=f"{q.code}.{n}",
                choices=[
                    Choice(
                        value=choice.code,
                        label=translate(choice.label),
                        id="",
                        checked=choice.code == current,
                    )
                    for choice in q.choices
                ],
            )
        )
    return slots


def _matrix_rows(
    q: Question, rows: Iterable[tuple[str, dict]], value: Any
) -> list[MatrixRow]:
    cells = value if isinstance(value, dict) else {}
    return [
        MatrixRow(
            code=row,
            label=translate(label),
            id=f"r-{q.code}-{row}",
            cells=[
                Choice(
                    value=column.code,
                    label=translate(column.label),
                    id=f"f-{q.code}-{row}-{column.code}",
                    checked=cells.get(row) == column.code,
                )
                for column in q.columns
            ],
        )
        for row, label in rows
    ]


def page_fields(
    sheet: AnswerSheet,
    page: Page,
    answers: Mapping[str, Any],
    *,
    errors: Mapping[str, list[str]] | None = None,
    preview: bool = False,
) -> list[Field]:
    """The fields of a page, filled with ``answers`` and their ``errors``."""
    errors = errors or {}
    here = {q.code for q in page.questions}
    fields = []
    for q in rendered_questions(sheet, page, answers, preview=preview):
        value = answers.get(q.code)
        local = _refs(q) & here
        item = Field(
            question=q,
            text=translate(q.text),
            help=translate(q.help),
            id=f"f-{q.code}",
            errors=list(errors.get(q.code, [])),
            other_errors=list(errors.get(q.code + OTHER_SUFFIX, [])),
            other=_display(answers.get(q.code + OTHER_SUFFIX)),
            conditional=bool(q.condition),
        )
        if q.condition and condition_refs(q.condition) & here:
            item.condition = json.dumps(q.condition, separators=(",", ":"))
        if q.rows_from and q.rows_from in local:
            item.rows_from = q.rows_from
        if q.type in {"single_choice", "multiple_choice"}:
            item.choices = _options(q, value)
        elif q.type == "likert":
            item.choices = _likert(q, value)
        elif q.type == "boolean":
            item.choices = _boolean(q, value)
        elif q.type == "ranking":
            item.slots = _slots(q, value)
        elif q.type == "matrix":
            rows = (
                candidate_rows(sheet, q)
                if preview or item.rows_from
                else sheet.rows(q, dict(answers))
            )
            item.rows = _matrix_rows(q, rows, value)
            item.columns = [(c.code, translate(c.label)) for c in q.columns]
        else:
            item.value = _display(value)
        if item.choices:
            item.id = item.choices[0].id
        elif item.slots:
            item.id = item.slots[0].id
        elif item.rows:
            item.id = item.rows[0].cells[0].id
        fields.append(item)
    _mark_batteries(fields)
    return fields


BATTERY_MAX_CHOICES = 6


def _mark_batteries(fields: list[Field]) -> None:
    """Mark runs of single-choice items that share their few choices.

    Such a run (the maturity items: present, partial, absent...) is laid out
    compactly, the choices side by side, so that 16 items are not 80 lines.
    """

    def key(item: Field) -> tuple | None:
        q = item.question
        if q.type != "single_choice" or q.allow_other:
            return None
        if len(q.choices) > BATTERY_MAX_CHOICES:
            return None
        return tuple(q.choice_codes)

    keys = [key(item) for item in fields]
    for index, item in enumerate(fields):
        neighbours = keys[max(index - 1, 0) : index] + keys[index + 1 : index + 2]
        item.battery = keys[index] is not None and keys[index] in neighbours


# --- Answers as text (the respondent's own download) --------------------------------


def answer_rows(
    sheet: AnswerSheet, answers: Mapping[str, Any]
) -> list[tuple[str, str, str]]:
    """(code, question text, answer text) of each answered question, in survey order."""
    return [
        (
            question.code,
            translate(question.text),
            answer_text(sheet, question, answers[question.code], answers),
        )
        for question in sheet.definition.questions.values()
        if answers.get(question.code) is not None
    ]


def answer_text(
    sheet: AnswerSheet, question: Question, value: Any, answers: Mapping[str, Any]
) -> str:
    """An answer as a person reads it, in the active language."""
    labels = {choice.code: translate(choice.label) for choice in question.choices}
    other = answers.get(question.code + OTHER_SUFFIX)
    labels[OTHER] = _("Other: %(text)s") % {"text": other} if other else _("Other")
    if is_empty(value):
        return ""
    if question.type == "single_choice":
        return labels.get(value, str(value))
    if question.type == "multiple_choice":
        return "; ".join(labels.get(code, str(code)) for code in value)
    if question.type == "ranking":
        return "; ".join(
            f"{n}. {labels.get(code, str(code))}" for n, code in enumerate(value, 1)
        )
    if question.type == "likert":
        hint = translate(question.scale_labels.get(str(value)))
        return f"{value} ({hint})" if hint else str(value)
    if question.type == "boolean":
        return _("Yes") if value else _("No")
    if question.type == "matrix":
        columns = {column.code: translate(column.label) for column in question.columns}
        rows = {
            code: translate(label) for code, label in candidate_rows(sheet, question)
        }
        # In the rows' order: JSONB does not keep the order of keys.
        order = [code for code in rows if code in value]
        order += [code for code in value if code not in rows]
        return "; ".join(
            f"{rows.get(row, row)}: {columns.get(value[row], value[row])}"
            for row in order
        )
    return str(value)

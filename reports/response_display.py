"""One response's answers as a person reads them: question text and answer label.

Pure Python over a parsed definition; no ORM access. Questions are listed in
survey order, page by page, as the respondent was shown them
(``AnswerSheet.visibility``): a hidden question is left out, a shown one
without an answer says so.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from surveys.answers import AnswerSheet, is_empty
from surveys.definition import OTHER, OTHER_SUFFIX, Definition, Question
from surveys.scoring_rules import text_in


def _choice_labels(question: Question, language: str) -> dict[str, str]:
    return {choice.code: text_in(choice.label, language) for choice in question.choices}


def _choice(
    question: Question, code: Any, answers: dict[str, Any], language: str
) -> str:
    if code == OTHER:
        other = answers.get(question.code + OTHER_SUFFIX) or ""
        return _("Other: %(text)s") % {"text": other} if other else _("Other")
    return _choice_labels(question, language).get(code, str(code))


def answer_lines(
    question: Question,
    value: Any,
    answers: dict[str, Any],
    definition: Definition,
    language: str,
) -> list[str]:
    """The answer as lines of text: one for most types, one per item for lists."""
    kind = question.type
    if kind == "single_choice":
        return [_choice(question, value, answers, language)]
    if kind == "multiple_choice":
        return [_choice(question, code, answers, language) for code in value]
    if kind == "ranking":
        return [
            f"{place}. {_choice(question, code, answers, language)}"
            for place, code in enumerate(value, start=1)
        ]
    if kind == "matrix":
        rows = {
            row.code: text_in(row.label, language)
            for row in definition.possible_rows(question)
        }
        columns = {
            column.code: text_in(column.label, language) for column in question.columns
        }
        return [
            f"{rows.get(row, row)}: {columns.get(column, column)}"
            for row, column in value.items()
        ]
    if kind == "likert":
        label = question.scale_labels.get(str(value))
        return [f"{value} ({text_in(label, language)})" if label else str(value)]
    if kind == "boolean":
        return [_("Yes") if value else _("No")]
    return [str(value)]


def answers_readable(
    sheet: AnswerSheet, answers: dict[str, Any], language: str
) -> list[dict[str, Any]]:
    """Pages, each with its shown questions' text and answer lines."""
    definition = sheet.definition
    shown = sheet.visibility(answers)
    pages: list[dict[str, Any]] = []
    by_page: dict[str, list[dict[str, Any]]] = {}
    for page in shown.pages:
        by_page[page.code] = []
        pages.append(
            {
                "code": page.code,
                "title": text_in(page.title, language) if page.title else "",
                "questions": by_page[page.code],
            }
        )
    for question in shown.questions:
        value = answers.get(question.code)
        by_page[question.page].append(
            {
                "code": question.code,
                "text": text_in(question.text, language),
                "answered": not is_empty(value),
                "lines": []
                if is_empty(value)
                else answer_lines(question, value, answers, definition, language),
            }
        )
    return pages

"""One response's answers as a person reads them, page by page.

Pure Python over a parsed definition; no ORM access. Questions are listed in
survey order, as the respondent was shown them (``AnswerSheet.visibility``): a
hidden question is left out, a shown one without an answer says so. Each
answer reads as ``surveys.forms.answer_text`` writes it (the one home of that
rule, also used by the respondent's own download and the admin), in the
active language.
"""

from __future__ import annotations

from typing import Any

from surveys.answers import AnswerSheet, is_empty
from surveys.forms import answer_text
from surveys.models import translate


def answers_readable(
    sheet: AnswerSheet, answers: dict[str, Any]
) -> list[dict[str, Any]]:
    """Pages, each with its shown questions' text and answer text."""
    shown = sheet.visibility(answers)
    pages: list[dict[str, Any]] = []
    by_page: dict[str, list[dict[str, Any]]] = {}
    for page in shown.pages:
        by_page[page.code] = []
        pages.append(
            {
                "code": page.code,
                "title": translate(page.title),
                "questions": by_page[page.code],
            }
        )
    for question in shown.questions:
        value = answers.get(question.code)
        by_page[question.page].append(
            {
                "code": question.code,
                "text": translate(question.text),
                "answer": ""
                if is_empty(value)
                else answer_text(sheet, question, value, answers),
            }
        )
    return pages

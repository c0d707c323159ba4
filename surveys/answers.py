"""Answer values: conditions, visibility and validation against a definition.

Pure Python. The answer value of each question type is a public contract (the
API, the exports and every client rely on it): see ``docs/survey-definition.md``.
Errors are keyed by question code, e.g. ``{"experience": ["Choose one of: ..."]}``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from surveys.definition import (
    OTHER,
    OTHER_MAX_LENGTH,
    OTHER_SUFFIX,
    Definition,
    Page,
    Question,
    parse_date,
)

MAX_LIST_ITEMS = 200


class AnswerError(ValueError):
    """One answer's problem, with a message fit for the respondent."""


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


# --- Conditions ----------------------------------------------------------------


def condition_holds(condition: dict | None, answers: dict[str, Any]) -> bool:
    """Evaluate a condition against the answers known so far."""
    if condition is None:
        return True
    if "all" in condition:
        return all(condition_holds(part, answers) for part in condition["all"])
    if "any" in condition:
        return any(condition_holds(part, answers) for part in condition["any"])
    if "not" in condition:
        return not condition_holds(condition["not"], answers)
    op = condition["op"]
    answer = answers.get(condition["question"])
    if is_empty(answer):
        return op in {"not_equals", "not_in"}
    if op == "answered":
        return True
    value = condition["value"]
    if op == "equals":
        return answer == value
    if op == "not_equals":
        return answer != value
    if op == "in":
        return answer in value
    if op == "not_in":
        return answer not in value
    if op == "contains":
        if isinstance(answer, list | dict):
            return value in answer
        return isinstance(answer, str) and str(value).lower() in answer.lower()
    if not isinstance(answer, int | float) or isinstance(answer, bool):
        return False
    return {
        "gt": answer > value,
        "gte": answer >= value,
        "lt": answer < value,
        "lte": answer <= value,
    }[op]


@dataclass(frozen=True)
class Visibility:
    pages: list[Page]
    questions: list[Question]


Rows = list[tuple[str, dict]]  # a matrix's (row code, label) pairs
# One question met on a walk (``AnswerSheet.walk``): its page, itself, whether
# it applies (its page's condition and its own hold) and, for a matrix that
# applies, its rows. It shows when it applies and, if a matrix, has rows. A
# plain tuple: the walk runs on every validation, once per question.
Step = tuple[Page, Question, bool, Rows | None]


class AnswerSheet:
    """Validate answers against a definition, in survey order.

    Conditions see only answers of questions that are themselves visible, so a
    chain of conditions collapses as soon as one link is hidden.
    """

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.questions = definition.questions
        self._checkers = {
            kind: getattr(self, f"_{kind}")
            for kind in {q.type for q in self.questions.values()}
        }
        # The labels of each question that matrices take their rows from.
        self._row_labels = {
            q.rows_from: {c.code: c.label for c in self.questions[q.rows_from].choices}
            for q in self.questions.values()
            if q.rows_from is not None
        }

    def rows(self, question: Question, answers: dict[str, Any]) -> Rows:
        if question.rows_from is None:
            return [(row.code, row.label) for row in question.rows]
        labels = self._row_labels[question.rows_from]
        picked = answers.get(question.rows_from) or []
        return [(code, labels[code]) for code in picked if code in labels]

    def walk(self, known: dict[str, Any]) -> Iterator[Step]:
        """Yield ``(page, question, applies, rows)`` for each question in order.

        Conditions read ``known`` as the walk reaches them, so the caller
        decides what becomes known by adding to it between steps: validation
        adds only the valid answers of shown questions, so that a hidden link
        breaks a chain of conditions. A page's condition is read on entering it.
        """
        for page in self.definition.pages:
            page_applies = condition_holds(page.condition, known)
            for question in page.questions:
                applies = page_applies and condition_holds(question.condition, known)
                rows = None
                if applies and question.type == "matrix":
                    rows = self.rows(question, known)
                yield page, question, applies, rows

    def visibility(self, answers: dict[str, Any]) -> Visibility:
        """Which pages and questions show, given (already clean) answers."""
        known: dict[str, Any] = {}
        pages: list[Page] = []
        questions: list[Question] = []
        for page, question, applies, rows in self.walk(known):
            if not applies or rows == []:
                continue
            if not pages or pages[-1] is not page:
                pages.append(page)
            questions.append(question)
            if question.code in answers:
                known[question.code] = answers[question.code]
        return Visibility(pages=pages, questions=questions)

    def clean(
        self,
        answers: Any,
        *,
        complete: bool,
        only_pages: set[str] | None = None,
        keep_hidden: bool = False,
    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """Return (clean answers, errors by question code).

        ``complete`` enforces required questions (on submit, or on leaving a
        page: then ``only_pages`` limits the check to that page). Answers to
        hidden questions are dropped, unless ``keep_hidden`` (drafts keep them,
        valid, in case the respondent goes back and the question shows again).
        Unknown keys are errors.
        """
        if not isinstance(answers, dict):
            return {}, {
                "answers": [_("Send an object mapping question codes to answers.")]
            }
        errors: dict[str, list[str]] = {}
        limit = 2 * len(self.questions) + 10
        if len(answers) > limit:
            return {}, {"answers": [_("Too many keys: at most %(n)d.") % {"n": limit}]}
        for key in answers:
            base, _sep, suffix = str(key).partition(OTHER_SUFFIX)
            question = self.questions.get(base)
            if question is None or (
                (suffix or _sep) and (suffix or not question.allow_other)
            ):
                errors[str(key)] = [_("Unknown question.")]
        clean: dict[str, Any] = {}
        known: dict[str, Any] = {}
        for page, question, applies, rows in self.walk(known):
            if not applies or rows == []:
                if keep_hidden and not is_empty(answers.get(question.code)):
                    self._keep_hidden(question, answers, clean, errors)
                continue
            check_required = complete and (
                only_pages is None or page.code in only_pages
            )
            value = answers.get(question.code)
            if is_empty(value) or (isinstance(value, str) and not value.strip()):
                if check_required and question.required:
                    errors[question.code] = [_("This question is required.")]
                continue
            try:
                value = self._value(question, value, rows, complete=check_required)
            except AnswerError as exc:
                errors[question.code] = [str(exc)]
                continue
            if is_empty(value):
                continue  # a matrix whose every cell is null: unanswered
            clean[question.code] = value
            known[question.code] = value
            if question.allow_other:
                other = self._other(question, value, answers, check_required)
                if isinstance(other, AnswerError):
                    errors[question.code + OTHER_SUFFIX] = [str(other)]
                elif other:
                    clean[question.code + OTHER_SUFFIX] = other
        return clean, errors

    def _keep_hidden(
        self, question: Question, answers: dict, clean: dict, errors: dict
    ) -> None:
        rows = None
        if question.type == "matrix":
            options = self.definition.possible_rows(question)
            rows = [(option.code, option.label) for option in options]
        try:
            value = self._value(question, answers[question.code], rows, complete=False)
        except AnswerError as exc:
            errors[question.code] = [str(exc)]
            return
        if is_empty(value):
            return  # blank text or an all-null matrix: nothing to keep
        clean[question.code] = value
        other = answers.get(question.code + OTHER_SUFFIX)
        if (
            question.allow_other
            and isinstance(other, str)
            and other.strip()
            and "\x00" not in other
        ):
            clean[question.code + OTHER_SUFFIX] = other.strip()[:OTHER_MAX_LENGTH]

    # --- one value per type ------------------------------------------------------

    def _value(
        self, q: Question, value: Any, rows: list | None, *, complete: bool
    ) -> Any:
        return self._checkers[q.type](q, value, rows=rows, complete=complete)

    @staticmethod
    def _choose_one_of(q: Question) -> str:
        return _("Choose one of: %(codes)s.") % {"codes": ", ".join(q.choice_codes)}

    def _single_choice(self, q: Question, value: Any, **_kw: Any) -> str:
        if not isinstance(value, str) or value not in q.choice_set:
            raise AnswerError(self._choose_one_of(q))
        return value

    def _codes(self, q: Question, value: Any, codes: list[str]) -> list[str]:
        if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
            raise AnswerError(_("Send a list of choice codes."))
        unknown = [v for v in value if not isinstance(v, str) or v not in codes]
        if unknown:
            raise AnswerError(self._choose_one_of(q))
        if len(set(value)) != len(value):
            raise AnswerError(_("Each choice may appear only once."))
        return value

    def _multiple_choice(self, q: Question, value: Any, **_kw: Any) -> list[str]:
        value = self._codes(q, value, q.choice_codes)
        if q.min_selections is not None and len(value) < q.min_selections:
            raise AnswerError(_("Choose at least %(n)d.") % {"n": q.min_selections})
        if q.max_selections is not None and len(value) > q.max_selections:
            raise AnswerError(_("Choose at most %(n)d.") % {"n": q.max_selections})
        return value

    def _ranking(
        self, q: Question, value: Any, *, complete: bool, **_kw: Any
    ) -> list[str]:
        value = self._codes(q, value, [c.code for c in q.choices])
        top_n = q.top_n or len(q.choices)
        if len(value) > top_n:
            raise AnswerError(_("Rank at most %(n)d choices.") % {"n": top_n})
        needed = min(top_n, len(q.choices))
        if complete and q.required and len(value) < needed:
            raise AnswerError(_("Rank %(n)d choices.") % {"n": needed})
        return value

    def _likert(self, q: Question, value: Any, **_kw: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            value = _integral(value)
        if value is None or not q.scale_min <= value <= q.scale_max:
            raise AnswerError(
                _("Enter a whole number from %(min)d to %(max)d.")
                % {"min": q.scale_min, "max": q.scale_max}
            )
        return value

    def _number(self, q: Question, value: Any, **_kw: Any) -> int | float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise AnswerError(_("Enter a number."))
        if q.integer:
            whole = _integral(value)
            if whole is None:
                raise AnswerError(_("Enter a whole number."))
            value = whole
        if q.min is not None and value < q.min:
            raise AnswerError(_("Enter a number of at least %(min)s.") % {"min": q.min})
        if q.max is not None and value > q.max:
            raise AnswerError(_("Enter a number of at most %(max)s.") % {"max": q.max})
        return value

    def _text(self, q: Question, value: Any, **_kw: Any) -> str:
        if not isinstance(value, str):
            raise AnswerError(_("Enter text."))
        if "\x00" in value:  # PostgreSQL's jsonb cannot store it
            raise AnswerError(_("Remove the NUL character."))
        value = value.strip()
        if len(value) > q.max_length:
            raise AnswerError(
                _("At most %(n)d characters (this has %(len)d).")
                % {"n": q.max_length, "len": len(value)}
            )
        return value

    _long_text = _text

    def _boolean(self, q: Question, value: Any, **_kw: Any) -> bool:
        if not isinstance(value, bool):
            raise AnswerError(_("Answer true or false."))
        return value

    def _date(self, q: Question, value: Any, **_kw: Any) -> str:
        if not isinstance(value, str) or parse_date(value) is None:
            raise AnswerError(_("Enter a date as YYYY-MM-DD."))
        if q.min is not None and value < q.min:
            raise AnswerError(_("Enter a date on or after %(date)s.") % {"date": q.min})
        if q.max is not None and value > q.max:
            raise AnswerError(
                _("Enter a date on or before %(date)s.") % {"date": q.max}
            )
        return value

    def _matrix(self, q: Question, value: Any, *, rows: list, complete: bool) -> dict:
        if not isinstance(value, dict):
            raise AnswerError(
                _("Send an object mapping each row code to a column code.")
            )
        row_codes = [code for code, _label in rows]
        if q.rows_from is not None:
            # Rows of choices the respondent has since unpicked are dropped,
            # as the answers to a question that is no longer shown would be.
            possible = self.questions[q.rows_from].choice_set
            value = {
                k: v for k, v in value.items() if k in row_codes or k not in possible
            }
        unknown = [key for key in value if key not in row_codes]
        if unknown:
            raise AnswerError(
                _("Unknown rows: %(rows)s. Rows: %(codes)s.")
                % {"rows": ", ".join(map(str, unknown)), "codes": ", ".join(row_codes)}
            )
        columns = q.column_codes
        wrong = [
            key
            for key, cell in value.items()
            if cell is not None and cell not in columns
        ]
        if wrong:
            raise AnswerError(
                _("Rows %(rows)s: choose one of: %(codes)s.")
                % {"rows": ", ".join(wrong), "codes": ", ".join(columns)}
            )
        value = {key: value[key] for key in row_codes if value.get(key) is not None}
        missing = [code for code in row_codes if code not in value]
        if complete and q.required and missing:
            raise AnswerError(
                _("Answer every row: %(rows)s.") % {"rows": ", ".join(missing)}
            )
        return value

    def _other(
        self, q: Question, value: Any, answers: dict, complete: bool
    ) -> str | AnswerError | None:
        picked = value == OTHER or (isinstance(value, list) and OTHER in value)
        text = answers.get(q.code + OTHER_SUFFIX)
        if not picked:
            return None  # the text of an unpicked "other" is dropped
        if text is None or (isinstance(text, str) and not text.strip()):
            return AnswerError(_('Describe "other".')) if complete else None
        if not isinstance(text, str):
            return AnswerError(_("Enter text."))
        if "\x00" in text:
            return AnswerError(_("Remove the NUL character."))
        if len(text.strip()) > OTHER_MAX_LENGTH:
            return AnswerError(_("At most %(n)d characters.") % {"n": OTHER_MAX_LENGTH})
        return text.strip()


def _integral(value: Any) -> int | None:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None

"""The variables of an export: its columns, their types and their codebook.

Pure Python, no database. A ``Variable`` says everything a writer and a reader
need about one column: its name, its type, what it holds in each language,
which values it allows and what they mean, when its question is shown and how
scoring uses it. Writers type their columns from it (Parquet, SPSS, Stata,
the data package's schema) and the codebook is these variables, one a row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from surveys.definition import OTHER, OTHER_SUFFIX, Definition, Question
from surveys.scoring_rules import ScoringRules

# Column kinds: "choice" holds one of ``codes``; "flag" is 0/1.
STRING, INTEGER, NUMBER, BOOLEAN, DATE, DATETIME = (
    "string",
    "integer",
    "number",
    "boolean",
    "date",
    "datetime",
)
CHOICE, FLAG = "choice", "flag"
# What a column is left out for unless asked: respondents' own words, and
# questions tagged personal in the definition.
FREE_TEXT, PERSONAL = "free_text", "personal"
PERSONAL_TAG = "personal"
SEPARATOR = "__"
FLAG_LABELS = {
    0: {"en": "Not chosen", "pt-br": "Não marcado"},
    1: {"en": "Chosen", "pt-br": "Marcado"},
}
BOOLEAN_LABELS = {0: {"en": "No", "pt-br": "Não"}, 1: {"en": "Yes", "pt-br": "Sim"}}
OTHER_LABEL = {"en": "Other", "pt-br": "Outro"}


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str
    label: dict[str, str] = field(default_factory=dict)
    question: str = ""
    question_type: str = ""
    item: str = ""
    # A choice column's allowed codes, in the definition's order, and every
    # labelled value (codes, a likert's points, 0/1) with its label per language.
    codes: tuple[str, ...] = ()
    value_labels: dict[Any, dict[str, str]] = field(default_factory=dict)
    condition: dict | None = None
    scoring: str = ""
    sensitive: str = ""

    def title(self, language: str = "en") -> str:
        """The label in ``language``, else English, else the name."""
        return self.label.get(language) or self.label.get("en") or self.name


@dataclass(frozen=True)
class Selection:
    """What an export includes beyond the defaults."""

    free_text: bool = False
    personal: bool = False

    def allows(self, sensitive: str) -> bool:
        if sensitive == FREE_TEXT:
            return self.free_text
        if sensitive == PERSONAL:
            return self.personal
        return True


RESPONSE_VARIABLES = (
    Variable("response_id", STRING, {"en": "Response id", "pt-br": "Id da resposta"}),
    Variable(
        "survey_version",
        INTEGER,
        {"en": "Survey version", "pt-br": "Versão do questionário"},
    ),
    Variable(
        "status",
        CHOICE,
        {"en": "Status", "pt-br": "Situação"},
        codes=("submitted", "draft"),
        value_labels={
            "submitted": {"en": "Submitted", "pt-br": "Enviada"},
            "draft": {"en": "Draft", "pt-br": "Rascunho"},
        },
    ),
    Variable(
        "voided",
        BOOLEAN,
        {"en": "Voided", "pt-br": "Anulada"},
        value_labels=BOOLEAN_LABELS,
    ),
    Variable(
        "started_at", DATETIME, {"en": "Started at (UTC)", "pt-br": "Iniciada em (UTC)"}
    ),
    Variable(
        "submitted_at",
        DATETIME,
        {"en": "Submitted at (UTC)", "pt-br": "Enviada em (UTC)"},
    ),
    Variable(
        "language",
        STRING,
        {"en": "Language answered in", "pt-br": "Idioma da resposta"},
    ),
    Variable(
        "channel",
        CHOICE,
        {"en": "Channel", "pt-br": "Canal"},
        codes=("web", "api"),
        value_labels={
            "web": {"en": "Web", "pt-br": "Web"},
            "api": {"en": "API", "pt-br": "API"},
        },
    ),
)


def _joined(*parts: dict[str, str]) -> dict[str, str]:
    languages = dict.fromkeys(lang for part in parts for lang in part)
    return {
        lang: " - ".join(p.get(lang) or p.get("en", "") for p in parts if p)
        for lang in languages
    }


def _sensitive(question: Question) -> str:
    if PERSONAL_TAG in question.tags:
        return PERSONAL
    if question.type in {"text", "long_text"}:
        return FREE_TEXT
    return ""


def scoring_uses(definition: Definition, rules: ScoringRules | None) -> dict[str, str]:
    """How scoring uses each question: question code -> a short description."""
    uses: dict[str, list[str]] = {}
    if rules is not None:
        for dim in rules.dimensions:
            for level, item in enumerate(dim.items, start=1):
                uses.setdefault(item, []).append(
                    f"maturity item {dim.code}, level {level}"
                )
        if rules.stage_question:
            uses.setdefault(rules.stage_question, []).append(
                "stage ranks (bottleneck ties)"
            )
    for question in definition.questions.values():
        for tag in question.tags:
            if tag.startswith("profile:"):
                uses.setdefault(question.code, []).append(f"profile ({tag[8:]})")
    return {code: "; ".join(parts) for code, parts in uses.items()}


def question_variables(
    definition: Definition, question: Question, scoring: str = ""
) -> list[Variable]:
    """The wide columns of one question (every one, sensitive ones included)."""
    q = question
    common = {
        "question": q.code,
        "question_type": q.type,
        "condition": q.condition,
        "scoring": scoring,
        "sensitive": _sensitive(q),
    }
    labels = {c.code: c.label for c in q.choices}
    if q.allow_other:
        labels[OTHER] = OTHER_LABEL
    other_text = (
        [
            Variable(
                q.code + OTHER_SUFFIX,
                STRING,
                _joined(q.text, OTHER_LABEL),
                item=OTHER,
                **{**common, "sensitive": FREE_TEXT},
            )
        ]
        if q.allow_other
        else []
    )
    if q.type == "single_choice":
        return [
            Variable(
                q.code,
                CHOICE,
                q.text,
                codes=tuple(labels),
                value_labels=labels,
                **common,
            ),
            *other_text,
        ]
    if q.type == "multiple_choice":
        flags = [
            Variable(
                f"{q.code}{SEPARATOR}{code}",
                FLAG,
                _joined(q.text, label),
                item=code,
                value_labels=FLAG_LABELS,
                **common,
            )
            for code, label in labels.items()
            if code != OTHER
        ]
        if q.allow_other:
            flags.append(
                Variable(
                    f"{q.code}{SEPARATOR}{OTHER}_chosen",
                    FLAG,
                    _joined(q.text, OTHER_LABEL),
                    item=OTHER,
                    value_labels=FLAG_LABELS,
                    **common,
                )
            )
        return [*flags, *other_text]
    if q.type == "ranking":
        places = q.top_n or len(q.choices)
        return [
            Variable(
                f"{q.code}{SEPARATOR}rank{place}",
                CHOICE,
                _joined(q.text, {"en": f"rank {place}", "pt-br": f"posição {place}"}),
                item=f"rank{place}",
                codes=tuple(labels),
                value_labels=labels,
                **common,
            )
            for place in range(1, places + 1)
        ]
    if q.type == "matrix":
        columns = {c.code: c.label for c in q.columns}
        return [
            Variable(
                f"{q.code}{SEPARATOR}{row.code}",
                CHOICE,
                _joined(q.text, row.label),
                item=row.code,
                codes=tuple(columns),
                value_labels=columns,
                **common,
            )
            for row in definition.possible_rows(q)
        ]
    if q.type == "likert":
        points = {int(k): v for k, v in q.scale_labels.items()}
        return [Variable(q.code, INTEGER, q.text, value_labels=points, **common)]
    if q.type == "number":
        return [Variable(q.code, INTEGER if q.integer else NUMBER, q.text, **common)]
    if q.type == "boolean":
        return [
            Variable(q.code, BOOLEAN, q.text, value_labels=BOOLEAN_LABELS, **common)
        ]
    if q.type == "date":
        return [Variable(q.code, DATE, q.text, **common)]
    return [Variable(q.code, STRING, q.text, **common)]  # text, long_text


def profile_variables(rules: ScoringRules) -> list[Variable]:
    """The stored profile's columns: overall level, breadth, bottleneck, dimensions."""
    dimensions = {dim.code: dict(dim.title) for dim in rules.dimensions}
    levels = {int(k): dict(v) for k, v in rules.levels.items()}
    out = [
        Variable(
            "profile__scoring_version",
            INTEGER,
            {"en": "Scoring rules' version", "pt-br": "Versão das regras de pontuação"},
        ),
        Variable(
            "profile__overall_level",
            NUMBER,
            {"en": "Overall maturity level", "pt-br": "Nível geral de maturidade"},
            value_labels=levels,
        ),
        Variable(
            "profile__breadth",
            NUMBER,
            {
                "en": "Breadth (mean dimension score)",
                "pt-br": "Amplitude (média das dimensões)",
            },
        ),
        Variable(
            "profile__bottleneck",
            CHOICE,
            {"en": "Bottleneck dimension", "pt-br": "Dimensão gargalo"},
            codes=tuple(dimensions),
            value_labels=dimensions,
        ),
    ]
    for code, title in dimensions.items():
        out.append(
            Variable(
                f"profile__{code}_score",
                NUMBER,
                _joined(title, {"en": "score", "pt-br": "pontuação"}),
                item=code,
            )
        )
        out.append(
            Variable(
                f"profile__{code}_level",
                NUMBER,
                _joined(title, {"en": "level", "pt-br": "nível"}),
                item=code,
                value_labels=levels,
            )
        )
    return out


def wide_variables(
    definition: Definition, rules: ScoringRules | None, selection: Selection
) -> list[Variable]:
    """Every column of the wide layout, in survey order, less what is not selected."""
    uses = scoring_uses(definition, rules)
    out = list(RESPONSE_VARIABLES)
    for question in definition.questions.values():
        out.extend(
            v
            for v in question_variables(
                definition, question, uses.get(question.code, "")
            )
            if selection.allows(v.sensitive)
        )
    if rules is not None:
        out.extend(profile_variables(rules))
    return out


def condition_text(condition: dict | None) -> str:
    return (
        json.dumps(condition, ensure_ascii=False, sort_keys=True) if condition else ""
    )

"""Browsing a survey's submitted responses: the filters and the page order.

One home for both the API (``GET /api/v1/surveys/{slug}/responses/``) and the
researcher's pages, so that a filter means the same everywhere.

The order is the newest submission first, ties broken by id, through cursor
pagination: a page is found by an index range scan on
``response_survey_status`` (survey, status, submitted_at), however deep,
instead of an OFFSET that reads and drops every earlier row, and a response
that arrives while someone pages never shifts or repeats a row. Drafts are
not listed: they are unfinished, have no submission time to order by, and
count nowhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.api.pagination import CursorPagination
from surveys.models import Response, Survey, translate
from surveys.selectors import sheet_for_version_id

# Single-choice answers, as ``answer=<question code>:<choice code>``.
ANSWER_SEPARATOR = ":"
STATUS_CHOICES = [
    ("counted", _("Counted")),
    ("voided", _("Voided")),
]


class ResponseCursorPagination(CursorPagination):
    """Newest submission first, by (submitted_at, id): stable at any depth."""

    ordering = ("-submitted_at", "-id")


def answer_choices(survey: Survey, language: str | None = None) -> list:
    """The ``answer`` filter's values, grouped by question: each single-choice
    question of the survey's current version, with its choices' labels."""
    if survey.current_version_id is None:
        return []
    definition = sheet_for_version_id(survey.current_version_id).definition
    groups = []
    for question in definition.questions.values():
        if question.type != "single_choice":
            continue
        options = [
            (
                f"{question.code}{ANSWER_SEPARATOR}{choice.code}",
                translate(choice.label, language),
            )
            for choice in question.choices
        ]
        if question.allow_other:
            options.append((f"{question.code}{ANSWER_SEPARATOR}other", str(_("Other"))))
        groups.append((translate(question.text, language), options))
    return groups


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# The browser's own date picker; the value is an ISO date either way.
DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ResponseFilter(django_filters.FilterSet):
    """Filters of the response browser; every bad value is a 400 naming its parameter.

    Needs the ``survey``: the ``answer`` filter accepts only its single-choice
    questions and their choices.
    """

    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        empty_label=_("Any"),
        method="filter_status",
        label=_("Status"),
        help_text=_("counted (submitted, not voided) or voided."),
    )
    version = django_filters.NumberFilter(
        field_name="version__number",
        min_value=1,
        label=_("Version"),
        help_text=_("The survey version's number."),
    )
    submitted_from = django_filters.DateFilter(
        method="filter_submitted_from",
        widget=DATE_INPUT,
        label=_("Submitted from"),
        help_text=_("A date (YYYY-MM-DD), included."),
    )
    submitted_to = django_filters.DateFilter(
        method="filter_submitted_to",
        widget=DATE_INPUT,
        label=_("Submitted until"),
        help_text=_("A date (YYYY-MM-DD), included."),
    )
    language = django_filters.ChoiceFilter(
        choices=settings.LANGUAGES,
        empty_label=_("Any"),
        label=_("Language"),
        help_text=_("The language the response was given in."),
    )
    channel = django_filters.ChoiceFilter(
        choices=Response.Channel.choices,
        empty_label=_("Any"),
        label=_("Channel"),
        help_text=_("web (the survey pages) or api."),
    )
    answer = django_filters.MultipleChoiceFilter(
        choices=[],
        method="filter_answer",
        label=_("Answer"),
        help_text=_(
            "question:choice, for a single-choice question of the survey's current "
            "version, e.g. role:data_scientist. Repeat it to require several answers."
        ),
        error_messages={
            "invalid_choice": _(
                "%(value)s is not question:choice for a single-choice question of "
                "this survey and one of its choices."
            )
        },
    )

    class Meta:
        model = Response
        fields: list[str] = []

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        # On this instance's form: a filter keeps the form field it built (the
        # schema generator builds one from the class), so the choices must be
        # set past it.
        self.form.fields["answer"].choices = answer_choices(survey)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(voided_at__isnull=value == "counted")

    def filter_submitted_from(
        self, queryset: QuerySet, name: str, value: dt.date
    ) -> QuerySet:
        return queryset.filter(submitted_at__gte=_start_of(value))

    def filter_submitted_to(
        self, queryset: QuerySet, name: str, value: dt.date
    ) -> QuerySet:
        return queryset.filter(submitted_at__lt=_start_of(value + dt.timedelta(1)))

    def filter_answer(self, queryset: QuerySet, name: str, value: list) -> QuerySet:
        for item in value:
            code, choice = item.split(ANSWER_SEPARATOR, 1)
            # answers @> '{"code": "choice"}': containment, so that no code is
            # ever read as a lookup name (a question called "contains").
            queryset = queryset.filter(answers__contains={code: choice})
        return queryset


# What a list shows of a response: only these columns are read (each
# timestamp read costs its parsing, so the unshown ones are left out).
BROWSE_FIELDS = (
    "id",
    "survey_id",
    "version_id",
    "version__number",
    "status",
    "answers",
    "language",
    "channel",
    "started_at",
    "submitted_at",
    "voided_at",
    "void_reason",
)


def response_list_for_browsing(
    *, survey: Survey, fields: tuple[str, ...] = BROWSE_FIELDS
) -> QuerySet[Response]:
    """A survey's submitted responses, with their version's number, for a list."""
    return (
        Response.objects.filter(survey=survey, status=Response.Status.SUBMITTED)
        .select_related("version")
        .only(*fields)
    )

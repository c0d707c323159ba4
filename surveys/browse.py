"""Browsing a survey's responses: the filters and the page order.

One home for both the API (``GET /api/v1/surveys/{slug}/responses/``) and the
researcher's pages, so that a filter means the same everywhere.

Submitted responses are listed unless ``status=draft`` asks for the drafts
alone: drafts are unfinished and count nowhere, so a researcher sees them only
when asking. A list is in one time order, newest first, ties broken by id:
submitted ones by their submission, drafts (which have none) by their start.
Through cursor pagination a page is found by an index range scan, however
deep (``response_survey_status`` for submitted responses,
``response_survey_draft_started`` for drafts), instead of an OFFSET that reads
and drops every earlier row, and a response that arrives while someone pages
never shifts or repeats a row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.api.pagination import CursorPagination
from surveys.models import Response, Survey, translate
from surveys.selectors import sheet_for_version_id

# Single-choice answers, as ``answer=<question code>:<choice code>``.
ANSWER_SEPARATOR = ":"
DRAFT = "draft"
STATUS_CHOICES = [
    ("counted", _("Counted")),
    ("voided", _("Voided")),
    (DRAFT, _("Draft")),
]


def lists_drafts(query: QueryDict) -> bool:
    """Whether a browsing query lists the drafts rather than submitted responses."""
    return query.get("status") == DRAFT


def time_field(*, drafts: bool) -> str:
    """The time a list is ordered and filtered by: a draft has no submission."""
    return "started_at" if drafts else "submitted_at"


class ResponseCursorPagination(CursorPagination):
    """Newest first, by (submitted_at, id), or (started_at, id) for drafts:
    stable at any depth."""

    ordering = ("-submitted_at", "-id")

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        # Called after the filters were checked, so status is a known value.
        if lists_drafts(request.query_params):
            return (f"-{time_field(drafts=True)}", "-id")
        return self.ordering


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


DATE_HELP = _(
    "The submission date, or the start date for drafts (YYYY-MM-DD), included."
)
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
        help_text=_(
            "counted (submitted, not voided), voided or draft (started, not "
            "submitted). Without it, the submitted ones, counted or voided."
        ),
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
        label=_("Date from"),
        help_text=DATE_HELP,
    )
    submitted_to = django_filters.DateFilter(
        method="filter_submitted_to",
        widget=DATE_INPUT,
        label=_("Date until"),
        help_text=DATE_HELP,
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

    @property
    def drafts(self) -> bool:
        return self.form.cleaned_data.get("status") == DRAFT

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Submitted responses or drafts, never both: each list has its own
        # time order (and index), and "Any" keeps meaning the submitted ones.
        status = Response.Status.DRAFT if self.drafts else Response.Status.SUBMITTED
        return super().filter_queryset(queryset.filter(status=status))

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == DRAFT:
            return queryset  # chosen in filter_queryset
        return queryset.filter(voided_at__isnull=value == "counted")

    def filter_submitted_from(
        self, queryset: QuerySet, name: str, value: dt.date
    ) -> QuerySet:
        field = time_field(drafts=self.drafts)
        return queryset.filter(**{f"{field}__gte": _start_of(value)})

    def filter_submitted_to(
        self, queryset: QuerySet, name: str, value: dt.date
    ) -> QuerySet:
        field = time_field(drafts=self.drafts)
        return queryset.filter(**{f"{field}__lt": _start_of(value + dt.timedelta(1))})

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
    """A survey's responses, drafts included, with their version's number, for
    a list that ``ResponseFilter`` narrows to the submitted ones or the drafts."""
    return (
        Response.objects.filter(survey=survey).select_related("version").only(*fields)
    )

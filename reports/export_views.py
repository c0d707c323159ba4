"""The survey's exports and releases pages: start an export, follow it,
download it; publish a data release.

For the survey's owner, its collaborators and staff (anyone else: 404). The
form calls the same service as the API; the list refreshes itself (htmx, a
meta refresh without JavaScript) while an export is queued or running.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from reports.export_selectors import export_get_for_user, export_list_for_survey
from reports.export_services import export_cancel, export_create
from reports.models import Export, Release
from reports.release_services import DEFAULT_FORMATS, RELEASE_FORMATS, release_create
from surveys.manage_forms import copy_errors
from surveys.models import Survey
from surveys.selectors import survey_can_read_results, survey_can_share


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=Export.Format.choices,
        help_text=gettext_lazy(
            "An SPSS file is built in memory before it is written: for hundreds of "
            "thousands of responses, choose Parquet or CSV."
        ),
    )
    layout = forms.ChoiceField(
        label=gettext_lazy("Layout"),
        choices=Export.Layout.choices,
        initial=Export.Layout.WIDE,
    )
    version = forms.TypedChoiceField(label=gettext_lazy("Survey version"), coerce=int)
    submitted_from = forms.DateField(
        label=gettext_lazy("Submitted from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    submitted_to = forms.DateField(
        label=gettext_lazy("Submitted until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Responses"),
        choices=[
            ("submitted", gettext_lazy("Submitted")),
            ("draft", gettext_lazy("Drafts (not submitted)")),
            ("all", gettext_lazy("Submitted and drafts")),
        ],
    )
    include_voided = forms.BooleanField(
        label=gettext_lazy("Include voided responses"), required=False
    )
    include_free_text = forms.BooleanField(
        label=gettext_lazy("Include free-text answers"), required=False
    )
    include_personal = forms.BooleanField(
        label=gettext_lazy("Include fields tagged personal"), required=False
    )
    bom = forms.BooleanField(
        label=gettext_lazy("CSV: add a byte-order mark (for Excel)"), required=False
    )

    def __init__(
        self, *args: Any, survey: Survey, personal: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        numbers = list(
            survey.versions.order_by("-number").values_list("number", flat=True)
        )
        self.fields["version"].choices = [(n, str(n)) for n in numbers]
        if survey.current_version_id:
            self.fields["version"].initial = survey.current_version.number
        if not personal:
            # Only the owner and staff may take free text and personal fields away.
            del self.fields["include_free_text"]
            del self.fields["include_personal"]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        filters: dict[str, Any] = {
            "versions": [data["version"]],
            "status": data["status"],
            "include_voided": data["include_voided"],
            "include_free_text": data.get("include_free_text", False),
            "include_personal": data.get("include_personal", False),
        }
        for key in ("submitted_from", "submitted_to"):
            if data[key]:
                filters[key] = data[key].isoformat()
        return filters


def _survey_for(request: HttpRequest, slug: str) -> Survey:
    survey = get_object_or_404(
        Survey.objects.select_related("current_version", "owner").defer(
            "current_version__definition"
        ),
        slug=slug,
    )
    if not survey_can_read_results(survey=survey, user=request.user):
        raise Http404(_("No such survey."))
    return survey


def _list_context(request: HttpRequest, survey: Survey) -> dict[str, Any]:
    exports = list(export_list_for_survey(survey=survey, user=request.user)[:50])
    return {
        "survey": survey,
        "exports": exports,
        "running": any(not e.is_finished for e in exports),
        "retention_days": settings.EXPORT_RETENTION_DAYS,
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def survey_exports(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey_for(request, slug)
    personal = survey_can_share(survey=survey, user=request.user)
    form = ExportForm(survey=survey, personal=personal)
    status = 200
    if request.method == "POST":
        form = ExportForm(request.POST, survey=survey, personal=personal)
        if form.is_valid():
            try:
                export_create(
                    survey=survey,
                    actor=request.user,
                    fmt=form.cleaned_data["format"],
                    layout=form.cleaned_data["layout"],
                    filters=form.filters(),
                    bom=form.cleaned_data["bom"],
                )
            except ValidationError as error:
                # The form's fields are the API's filters without their prefix.
                copy_errors(
                    form,
                    ValidationError(
                        {
                            name.removeprefix("filters."): problems
                            for name, problems in error.message_dict.items()
                        }
                    ),
                )
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, _("The export has started."))
                return redirect("survey_exports", slug=survey.slug)
        status = 400
    context = {**_list_context(request, survey), "form": form}
    return render(request, "reports/exports.html", context, status=status)


@never_cache
@login_required
@require_GET
def survey_exports_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The list alone, for the page to refresh itself."""
    survey = _survey_for(request, slug)
    return render(request, "reports/_exports_list.html", _list_context(request, survey))


@login_required
@require_POST
def survey_export_cancel(
    request: HttpRequest, slug: str, export_id: str
) -> HttpResponse:
    survey = _survey_for(request, slug)
    export = export_get_for_user(export_id=export_id, user=request.user)
    if export is None or export.survey_id != survey.pk:
        raise Http404(_("No such export."))
    export_cancel(export=export)
    messages.success(request, _("The export was cancelled."))
    return redirect("survey_exports", slug=survey.slug)


class ReleaseForm(forms.Form):
    formats = forms.MultipleChoiceField(
        label=gettext_lazy("Data formats"),
        choices=[
            (f, label) for f, label in Export.Format.choices if f in RELEASE_FORMATS
        ],
        initial=DEFAULT_FORMATS,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes for the README"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def survey_releases(request: HttpRequest, slug: str) -> HttpResponse:
    """A survey's data releases; the owner and staff publish new ones."""
    survey = _survey_for(request, slug)
    can_publish = survey_can_share(survey=survey, user=request.user)
    form = ReleaseForm() if can_publish else None
    status = 200
    if request.method == "POST":
        if not can_publish:
            raise Http404(_("No such survey."))
        form = ReleaseForm(request.POST)
        if form.is_valid():
            try:
                release_create(
                    survey=survey,
                    actor=request.user,
                    formats=form.cleaned_data["formats"],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as error:
                copy_errors(form, error)
            else:
                messages.success(request, _("The release is being built."))
                return redirect("survey_releases", slug=survey.slug)
        status = 400
    releases = list(survey.releases.select_related("version").order_by("-number"))
    context = {
        "survey": survey,
        "releases": releases,
        "form": form,
        "building": any(r.status == Release.Status.BUILDING for r in releases),
    }
    return render(request, "reports/releases.html", context, status=status)

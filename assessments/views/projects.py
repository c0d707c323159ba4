"""Pages: a project (sprints, maturity, delivery), its timeline and case study."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assessments import flowchart
from assessments.access import Action
from assessments.charts import flowchart_svg
from assessments.forms import CaseStudyForm, MaturityInviteForm
from assessments.links import questionnaire_path
from assessments.models import CaseStudy
from assessments.presentation import maturity_context, metrics_context
from assessments.selectors import (
    project_history,
    project_list_for_user,
    project_maturity,
    project_metrics,
)
from assessments.services import case_study_update, maturity_invite, sprint_start
from assessments.views.common import attempt, can, found
from reports.catalogue import tool_catalogue


def _project(request: HttpRequest, project_id: int, action: Action = Action.READ):
    return found(project_list_for_user(user=request.user), project_id, request, action)


@login_required
@require_http_methods(["GET", "POST"])
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    """A project: its current sprint on the flowchart, maturity and delivery charts."""
    project = _project(request, project_id)
    invite_form = MaturityInviteForm(request.POST if "invite" in request.POST else None)
    links = []
    if request.method == "POST":
        _project(request, project_id, Action.EDIT)
        if "start_sprint" in request.POST:
            sprint = attempt(
                request, None, lambda: sprint_start(project=project, actor=request.user)
            )
            if sprint is not None:
                messages.success(
                    request, _("Sprint %(n)s started.") % {"n": sprint.number}
                )
                return redirect("assessments:sprint", sprint.pk)
        elif "invite" in request.POST and invite_form.is_valid():
            created = attempt(
                request,
                invite_form,
                lambda: maturity_invite(
                    project=project,
                    actor=request.user,
                    count=invite_form.cleaned_data["count"],
                ),
            )
            site_url = request.build_absolute_uri("/").rstrip("/")
            links = [
                site_url + questionnaire_path(link.invitation.survey.slug, token)
                for link, token in created or []
            ]
    sprints = list(project.sprints.order_by("-number"))
    current = sprints[0] if sprints else None
    language = get_language() or "en"
    maturity = project_maturity(project=project, staff=request.user.is_staff)
    context = {
        "project": project,
        "sprints": sprints,
        "current": current,
        "open": current is not None and current.is_open,
        "flowchart_svg": flowchart_svg(current.state) if current else "",
        "maturity": maturity_context(maturity, language=language),
        "metrics": metrics_context(project_metrics(project=project)),
        "can_edit": can(request, project, Action.EDIT),
        "invite_form": invite_form,
        "links": links,
    }
    return render(request, "assessments/project.html", context)


@login_required
@require_GET
def project_timeline(request: HttpRequest, project_id: int) -> HttpResponse:
    """Every recorded change of the project, newest first."""
    project = _project(request, project_id)
    return render(
        request,
        "assessments/timeline.html",
        {"project": project, "entries": project_history(project=project)},
    )


def _tool_choices() -> list[tuple[str, str]]:
    return [
        (code, tool.name)
        for code, tool in sorted(tool_catalogue().items(), key=lambda i: i[1].name)
    ]


@login_required
@require_GET
def case_study(request: HttpRequest, project_id: int) -> HttpResponse:
    """The case study on one printable page, in the shape of the paper's questions."""
    project = _project(request, project_id)
    study = CaseStudy.objects.filter(project=project).first()
    names = {code: tool.name for code, tool in tool_catalogue().items()}
    return render(
        request,
        "assessments/case_study.html",
        {
            "project": project,
            "study": study,
            "stages": [
                flowchart.LIFECYCLE_STAGES[s]
                for s in (study.automated_stages if study else [])
            ],
            "tools": [names.get(code, code) for code in (study.tools if study else [])],
            "can_edit": can(request, project, Action.EDIT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_study_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(request, project_id, Action.EDIT)
    study = CaseStudy.objects.filter(project=project).first()
    initial = (
        {
            name: getattr(study, name)
            for name in CaseStudyForm.base_fields
            if name != "note"
        }
        if study
        else {}
    )
    form = CaseStudyForm(request.POST or None, initial=initial, tools=_tool_choices())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        note = data.pop("note")
        saved = attempt(
            request,
            form,
            lambda: case_study_update(
                project=project, actor=request.user, note=note, **data
            ),
        )
        if saved is not None:
            messages.success(request, _("The case study was saved."))
            return redirect("assessments:case_study", project.pk)
    return render(
        request, "assessments/case_study_edit.html", {"project": project, "form": form}
    )

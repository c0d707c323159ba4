"""The sprint page: the flowchart, the current step's form, pipelines, metrics, history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments import flowchart
from assessments.access import Action
from assessments.charts import flowchart_svg
from assessments.forms import STEP_FORMS, PipelineForm, ScopeForm, SprintMetricsForm
from assessments.models import Sprint, SprintMetrics
from assessments.selectors import (
    maturity_rules,
    project_maturity,
    scope_suggestion,
    sprint_history,
    sprint_list_for_user,
)
from assessments.services import (
    pipeline_add,
    sprint_metrics_set,
    sprint_transition,
    sprint_update,
)
from assessments.services.sprints import STEP_FIELDS
from assessments.views.common import attempt, can, found
from reports.catalogue import tool_catalogue
from surveys.scoring_rules import text_in


def _scope_choices(suggestion: dict | None, sprint: Sprint, language: str):
    rules = maturity_rules()
    # Without the questionnaire's rules, the maturity model's eight codes.
    dimensions = (
        [(d.code, f"{d.code} {text_in(d.title, language)}") for d in rules.dimensions]
        if rules
        else [(f"D{n}", f"D{n}") for n in range(1, 9)]
    )
    items = [(i["code"], i["text"]) for i in (suggestion or {}).get("items", [])]
    known = {code for code, _text in items}
    items += [(code, code) for code in sprint.target_items if code not in known]
    return dimensions, items


def _step_form(sprint: Sprint, data, suggestion, language: str):
    form_class = STEP_FORMS.get(sprint.state)
    if form_class is None:
        return None
    fields = [f for f in STEP_FIELDS[sprint.state] if f != "pipelines"]
    initial = {name: getattr(sprint, name) for name in fields}
    if form_class is ScopeForm:
        if suggestion and not sprint.target_dimensions and not sprint.objective:
            # Pre-filled from the latest maturity profile: its bottleneck.
            initial["target_dimensions"] = [suggestion["dimension"]]
            initial["target_stages"] = suggestion["stages"]
            initial["target_items"] = [i["code"] for i in suggestion["items"]]
        dimensions, items = _scope_choices(suggestion, sprint, language)
        return form_class(data, initial=initial, dimensions=dimensions, items=items)
    return form_class(data, initial=initial)


def _tool_choices() -> list[tuple[str, str]]:
    return sorted(
        ((code, tool.name) for code, tool in tool_catalogue().items()),
        key=lambda pair: pair[1],
    )


@login_required
@require_http_methods(["GET", "POST"])
def sprint_detail(request: HttpRequest, sprint_id: int) -> HttpResponse:
    sprint = found(
        sprint_list_for_user(user=request.user), sprint_id, request, Action.READ
    )
    language = get_language() or "en"
    suggestion = (
        scope_suggestion(
            maturity=project_maturity(project=sprint.project), language=language
        )
        if sprint.state == flowchart.SCOPE
        else None
    )
    action = request.POST.get("action", "")
    posted_step = request.POST if action.startswith(("save", "to:")) else None
    form = _step_form(sprint, posted_step, suggestion, language)
    pipeline_form = PipelineForm(
        request.POST if action == "add_pipeline" else None, tools=_tool_choices()
    )
    metrics = SprintMetrics.objects.filter(sprint=sprint).first()
    metrics_form = SprintMetricsForm(
        request.POST if action == "metrics" else None,
        initial={name: getattr(metrics, name) for name in SprintMetricsForm.base_fields}
        if metrics
        else None,
    )
    if request.method == "POST":
        found(sprint_list_for_user(user=request.user), sprint_id, request, Action.EDIT)
        done = None
        if action == "add_pipeline" and pipeline_form.is_valid():
            done = attempt(
                request,
                pipeline_form,
                lambda: pipeline_add(
                    sprint=sprint, actor=request.user, **pipeline_form.cleaned_data
                ),
            )
            message = _("The pipeline was recorded.")
        elif action == "metrics" and metrics_form.is_valid():
            done = attempt(
                request,
                metrics_form,
                lambda: sprint_metrics_set(
                    sprint=sprint, actor=request.user, **metrics_form.cleaned_data
                ),
            )
            message = _("The delivery metrics were saved.")
        elif form is not None and posted_step is not None:
            done, message = _step_post(request, sprint, form, action)
        if done is not None:
            messages.success(request, message)
            target = getattr(done, "next_sprint_id", None) or sprint.pk
            return redirect("assessments:sprint", target)
    context = {
        "sprint": sprint,
        "project": sprint.project,
        "flowchart_svg": flowchart_svg(sprint.state),
        "state_label": flowchart.STATE_LABELS[sprint.state],
        "step": sprint.step,
        "form": form,
        "pipeline_form": pipeline_form,
        "metrics_form": metrics_form,
        "pipelines": sprint.pipelines.all(),
        "suggestion": suggestion,
        "can_edit": can(request, sprint, Action.EDIT) and sprint.is_open,
        "moves": [
            (to, flowchart.MOVE_LABELS[(sprint.state, to)])
            for to in flowchart.TRANSITIONS[sprint.state]
        ],
        "next_sprint": Sprint.objects.filter(previous=sprint).first(),
        "history": sprint_history(sprint=sprint),
        "stage_names": [
            str(flowchart.LIFECYCLE_STAGES.get(s, s)) for s in sprint.target_stages
        ],
        "monitored_names": [
            str(flowchart.MONITORED.get(m, m)) for m in sprint.monitored
        ],
    }
    return render(request, "assessments/sprint.html", context)


def _step_post(request: HttpRequest, sprint: Sprint, form, action: str):
    """Save the step's draft, or move the sprint with it.

    The form checks only the shape of each field; the service says what a
    move still lacks, and its errors land on the form's fields.
    """
    if not form.is_valid():
        return None, ""
    data = {k: v for k, v in form.cleaned_data.items() if k != "note"}
    note = form.cleaned_data.get("note", "")
    if action == "save":
        done = attempt(
            request,
            form,
            lambda: sprint_update(
                sprint=sprint, actor=request.user, data=data, note=note
            ),
        )
        return done, _("The draft was saved.")
    to = action.removeprefix("to:")
    if sprint.state == flowchart.DECISION and to == flowchart.COMPLETED:
        data.pop("maintenance_reason", None)
    done = attempt(
        request,
        form,
        lambda: sprint_transition(
            sprint=sprint,
            actor=request.user,
            to=to,
            data=data,
            note=note,
            expected_state=request.POST.get("expected_state") or None,
        ),
    )
    if done is None:
        return None, ""
    if done.needs_maintenance:
        done.next_sprint_id = Sprint.objects.get(previous=done).pk
        return done, _(
            "Sprint %(n)s is completed; the next sprint starts at step 1."
        ) % {"n": done.number}
    if done.state == flowchart.COMPLETED:
        return done, _("Sprint %(n)s is completed.") % {"n": done.number}
    return done, _("The sprint moved to: %(step)s.") % {
        "step": flowchart.STATE_LABELS[done.state]
    }

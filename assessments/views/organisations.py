"""Pages: your organisations, one organisation, and accepting an invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.access import Action
from assessments.charts import step_dots_svg
from assessments.forms import MemberInviteForm, OrganisationForm, ProjectForm
from assessments.links import member_invitation_path
from assessments.models import MemberInvitation
from assessments.selectors import (
    member_invitation_list,
    membership_list,
    organisation_list_for_user,
    project_list_for_user,
    project_maturity,
)
from assessments.services import (
    member_invitation_accept,
    member_invite,
    organisation_create,
    project_create,
)
from assessments.views.common import attempt, can, found
from surveys.models import hash_token


@login_required
@require_http_methods(["GET", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """Your organisations, and a form to create one (team members)."""
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = attempt(
            request,
            form,
            lambda: organisation_create(
                name=form.cleaned_data["name"], actor=request.user
            ),
        )
        if organisation is not None:
            messages.success(request, _("The organisation was created."))
            return redirect("assessments:organisation", organisation.pk)
    organisations = organisation_list_for_user(user=request.user).annotate(
        project_count=Count("projects")
    )
    return render(
        request,
        "assessments/dashboard.html",
        {"organisations": organisations, "form": form},
    )


def _project_rows(request: HttpRequest, organisation) -> list[dict]:
    rows = []
    projects = project_list_for_user(user=request.user).filter(
        organisation=organisation
    )
    for project in projects.prefetch_related("sprints"):
        sprints = sorted(project.sprints.all(), key=lambda s: s.number)
        current = sprints[-1] if sprints else None
        latest = project_maturity(project=project).latest
        rows.append(
            {
                "project": project,
                "sprint": current,
                "dots": step_dots_svg(current.state) if current else "",
                "maturity": latest.profile if latest else None,
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """An organisation: its projects on the flowchart, its members, invitations."""
    organisation = found(
        organisation_list_for_user(user=request.user),
        organisation_id,
        request,
        Action.READ,
    )
    project_form = ProjectForm(
        request.POST if "create_project" in request.POST else None
    )
    invite_form = MemberInviteForm(request.POST if "invite" in request.POST else None)
    new_link = None
    if "create_project" in request.POST:
        found(
            organisation_list_for_user(user=request.user),
            organisation_id,
            request,
            Action.EDIT,
        )
        if project_form.is_valid():
            project = attempt(
                request,
                project_form,
                lambda: project_create(
                    organisation=organisation,
                    actor=request.user,
                    **project_form.cleaned_data,
                ),
            )
            if project is not None:
                messages.success(request, _("The project was created."))
                return redirect("assessments:project", project.pk)
    elif "invite" in request.POST:
        found(
            organisation_list_for_user(user=request.user),
            organisation_id,
            request,
            Action.MANAGE,
        )
        if invite_form.is_valid():
            site_url = request.build_absolute_uri("/").rstrip("/")
            created = attempt(
                request,
                invite_form,
                lambda: member_invite(
                    organisation=organisation,
                    actor=request.user,
                    site_url=site_url,
                    **invite_form.cleaned_data,
                ),
            )
            if created is not None:
                invitation, token = created
                new_link = site_url + member_invitation_path(token)
                if invitation.email:
                    messages.success(
                        request,
                        _("The invitation was sent to %(email)s.")
                        % {"email": invitation.email},
                    )
                invite_form = MemberInviteForm()
    context = {
        "organisation": organisation,
        "rows": _project_rows(request, organisation),
        "members": membership_list(organisation=organisation),
        "invitations": member_invitation_list(organisation=organisation)
        if can(request, organisation, Action.MANAGE)
        else [],
        "can_edit": can(request, organisation, Action.EDIT),
        "can_manage": can(request, organisation, Action.MANAGE),
        "project_form": project_form,
        "invite_form": invite_form,
        "new_link": new_link,
    }
    return render(request, "assessments/organisation.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: join the organisation with one click."""
    invitation = get_object_or_404(
        MemberInvitation.objects.select_related("organisation"),
        token_hash=hash_token(token),
    )
    if request.method == "POST":
        membership = attempt(
            request,
            None,
            lambda: member_invitation_accept(token=token, user=request.user),
        )
        if membership is not None:
            messages.success(
                request,
                _("You joined %(organisation)s.")
                % {"organisation": invitation.organisation.name},
            )
            return redirect("assessments:organisation", membership.organisation_id)
    return render(
        request,
        "assessments/invitation.html",
        {"invitation": invitation, "usable": invitation.is_usable},
    )

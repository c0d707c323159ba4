"""The assessments API: organisations, members, projects, sprints and their history.

Every object is looked up through a selector that keeps only the user's
organisations (all of them for staff), so another organisation's ids are a
404, exactly like ids that do not exist; ``OrganisationRole`` then checks what
the user's role allows.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from assessments import flowchart
from assessments.access import Action
from assessments.api import serializers as s
from assessments.api.permissions import OrganisationRole
from assessments.links import member_invitation_path, questionnaire_path
from assessments.models import (
    Deployment,
    Incident,
    Membership,
    Organisation,
    Project,
    Sprint,
)
from assessments.selectors import (
    deployment_list,
    incident_list,
    membership_list,
    organisation_history,
    organisation_list_for_user,
    project_history,
    project_list_for_user,
    project_maturity,
    project_metrics,
    scope_suggestion,
    sprint_history,
    sprint_list_for_user,
)
from assessments.services import (
    case_study_update,
    deployment_record,
    incident_record,
    maturity_invite,
    member_invitation_accept,
    member_invite,
    membership_remove,
    membership_update,
    organisation_create,
    organisation_delete,
    organisation_update,
    pipeline_add,
    project_create,
    project_delete,
    project_update,
    sprint_delete,
    sprint_metrics_set,
    sprint_start,
    sprint_transition,
    sprint_update,
)
from core.api.query import query_id

ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
NOT_VISIBLE = "No such object, or it belongs to an organisation you are not in."
FORBIDDEN = "Your role does not allow this (viewers read only; owners manage)."


def _input(serializer_class, request: Request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _site_url(request: Request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


class ScopedMixin:
    """Find objects through the user's selectors and check the role on each."""

    permission_classes = [OrganisationRole]

    def organisation(self, request: Request, pk: int) -> Organisation:
        organisation = get_object_or_404(
            organisation_list_for_user(user=request.user), pk=pk
        )
        self.check_object_permissions(request, organisation)
        return organisation

    def project(self, request: Request, pk: int) -> Project:
        project = get_object_or_404(project_list_for_user(user=request.user), pk=pk)
        self.check_object_permissions(request, project)
        return project

    def sprint(self, request: Request, pk: int) -> Sprint:
        sprint = get_object_or_404(
            sprint_list_for_user(user=request.user).prefetch_related("pipelines"),
            pk=pk,
        )
        self.check_object_permissions(request, sprint)
        return sprint


def _with_open_sprint(projects: QuerySet[Project]) -> QuerySet[Project]:
    open_sprint = Sprint.objects.filter(project=OuterRef("pk")).exclude(
        state=flowchart.COMPLETED
    )
    return projects.annotate(open_sprint_id=Subquery(open_sprint.values("pk")[:1]))


def _paginated(view: generics.GenericAPIView, request: Request, items, serializer):
    page = view.paginate_queryset(items)
    return view.get_paginated_response(serializer(page, many=True).data)


# --- Organisations -----------------------------------------------------------------


class OrganisationListView(ScopedMixin, generics.ListAPIView):
    """Your organisations (staff: all of them), or create one."""

    serializer_class = s.OrganisationOutput

    def get_queryset(self):
        return organisation_list_for_user(user=self.request.user)

    @extend_schema(summary="List your organisations")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.OrganisationInput,
        responses={201: s.OrganisationOutput},
        summary="Create an organisation (team members; you become its owner)",
    )
    def post(self, request: Request) -> Response:
        data = _input(s.OrganisationInput, request)
        organisation = organisation_create(
            name=data["name"], actor=request.user, note=data["note"]
        )
        organisation = self.organisation(request, organisation.pk)
        return Response(
            s.OrganisationOutput(organisation).data, status=status.HTTP_201_CREATED
        )


class OrganisationDetailView(ScopedMixin, APIView):
    write_action = Action.MANAGE

    @extend_schema(
        parameters=[ID],
        responses={
            200: s.OrganisationOutput,
            404: OpenApiResponse(description=NOT_VISIBLE),
        },
        summary="An organisation",
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(s.OrganisationOutput(self.organisation(request, id)).data)

    @extend_schema(
        parameters=[ID],
        request=s.OrganisationInput,
        responses={
            200: s.OrganisationOutput,
            403: OpenApiResponse(description=FORBIDDEN),
        },
        summary="Rename an organisation (owners)",
    )
    def patch(self, request: Request, id: int) -> Response:
        organisation = self.organisation(request, id)
        data = _input(s.OrganisationInput, request)
        organisation_update(
            organisation=organisation,
            actor=request.user,
            name=data["name"],
            note=data["note"],
        )
        return Response(s.OrganisationOutput(self.organisation(request, id)).data)

    @extend_schema(
        parameters=[ID],
        responses={204: None, 403: OpenApiResponse(description=FORBIDDEN)},
        summary="Delete an organisation and its projects (owners; history stays)",
    )
    def delete(self, request: Request, id: int) -> Response:
        organisation_delete(
            organisation=self.organisation(request, id), actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListView(ScopedMixin, generics.GenericAPIView):
    queryset = Membership.objects.none()  # for the schema; objects come from selectors
    write_action = Action.MANAGE
    serializer_class = s.MemberOutput

    @extend_schema(
        parameters=[ID], responses=s.MemberOutput(many=True), summary="Members"
    )
    def get(self, request: Request, id: int) -> Response:
        organisation = self.organisation(request, id)
        return _paginated(
            self, request, membership_list(organisation=organisation), s.MemberOutput
        )

    @extend_schema(
        parameters=[ID],
        request=s.MemberInviteInput,
        responses={
            201: s.MemberInvitationOutput,
            403: OpenApiResponse(description=FORBIDDEN),
        },
        summary="Invite someone to join (owners): a link, e-mailed when an address is given",
    )
    def post(self, request: Request, id: int) -> Response:
        organisation = self.organisation(request, id)
        data = _input(s.MemberInviteInput, request)
        invitation, token = member_invite(
            organisation=organisation,
            actor=request.user,
            email=data.get("email", ""),
            role=data["role"],
            site_url=_site_url(request),
            note=data["note"],
        )
        invitation.token = token
        invitation.link = _site_url(request) + member_invitation_path(token)
        return Response(
            s.MemberInvitationOutput(invitation).data, status=status.HTTP_201_CREATED
        )


class MemberDetailView(ScopedMixin, APIView):
    write_action = Action.MANAGE
    USER_ID = OpenApiParameter("user_id", OpenApiTypes.INT, OpenApiParameter.PATH)

    def membership(self, request: Request, id: int, user_id: int) -> Membership:
        organisation = self.organisation(request, id)
        return get_object_or_404(
            membership_list(organisation=organisation), user_id=user_id
        )

    @extend_schema(
        parameters=[ID, USER_ID],
        request=s.MemberUpdateInput,
        responses={
            200: s.MemberOutput,
            409: OpenApiResponse(
                description="The organisation would have no owner left."
            ),
        },
        summary="Change a member's role (owners)",
    )
    def patch(self, request: Request, id: int, user_id: int) -> Response:
        membership = self.membership(request, id, user_id)
        data = _input(s.MemberUpdateInput, request)
        membership = membership_update(
            membership=membership,
            actor=request.user,
            role=data["role"],
            note=data["note"],
        )
        return Response(s.MemberOutput(membership).data)

    @extend_schema(
        parameters=[ID, USER_ID],
        responses={
            204: None,
            409: OpenApiResponse(
                description="The organisation would have no owner left."
            ),
        },
        summary="Remove a member (owners)",
    )
    def delete(self, request: Request, id: int, user_id: int) -> Response:
        membership_remove(
            membership=self.membership(request, id, user_id), actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(APIView):
    @extend_schema(
        request=s.InvitationAcceptInput,
        responses={
            200: s.MembershipOutput,
            403: OpenApiResponse(
                description="Unknown link, or one for another address."
            ),
            409: OpenApiResponse(description="Already used by someone else."),
            410: OpenApiResponse(description="Expired."),
        },
        summary="Join an organisation with an invitation's token",
    )
    def post(self, request: Request) -> Response:
        data = _input(s.InvitationAcceptInput, request)
        membership = member_invitation_accept(token=data["token"], user=request.user)
        return Response(s.MembershipOutput(membership).data)


class OrganisationHistoryView(ScopedMixin, generics.GenericAPIView):
    queryset = (
        Organisation.objects.none()
    )  # for the schema; objects come from selectors
    serializer_class = s.HistoryEntryOutput

    @extend_schema(
        parameters=[ID],
        responses=s.HistoryEntryOutput(many=True),
        summary="History of an organisation, its members and invitations (newest first)",
    )
    def get(self, request: Request, id: int) -> Response:
        organisation = self.organisation(request, id)
        entries = organisation_history(organisation=organisation)
        return _paginated(self, request, entries, s.HistoryEntryOutput)


# --- Projects ------------------------------------------------------------------------


class ProjectListView(ScopedMixin, generics.ListAPIView):
    serializer_class = s.ProjectOutput

    def get_queryset(self):
        projects = project_list_for_user(user=self.request.user)
        organisation = query_id(self.request, "organisation")
        if organisation is not None:
            projects = projects.filter(organisation_id=organisation)
        return _with_open_sprint(projects)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "organisation",
                {"type": "integer", "minimum": 1},
                OpenApiParameter.QUERY,
                description="Only this organisation's projects (its id, 1 or more).",
            )
        ],
        summary="List the projects of your organisations",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.ProjectInput,
        responses={201: s.ProjectOutput, 403: OpenApiResponse(description=FORBIDDEN)},
        summary="Create a project (owners and members)",
    )
    def post(self, request: Request) -> Response:
        data = _input(s.ProjectInput, request)
        organisation = get_object_or_404(
            organisation_list_for_user(user=request.user), pk=data["organisation"]
        )
        self.check_object_permissions(request, organisation)
        project = project_create(
            organisation=organisation,
            actor=request.user,
            name=data["name"],
            description=data["description"],
            note=data["note"],
        )
        project = _with_open_sprint(project_list_for_user(user=request.user)).get(
            pk=project.pk
        )
        return Response(s.ProjectOutput(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(ScopedMixin, APIView):
    def found(self, request: Request, id: int) -> Project:
        project = get_object_or_404(
            _with_open_sprint(project_list_for_user(user=request.user)), pk=id
        )
        self.check_object_permissions(request, project)
        return project

    @extend_schema(
        parameters=[ID],
        responses={200: s.ProjectOutput, 404: OpenApiResponse(description=NOT_VISIBLE)},
        summary="A project",
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(s.ProjectOutput(self.found(request, id)).data)

    @extend_schema(
        parameters=[ID],
        request=s.ProjectUpdateInput,
        responses={200: s.ProjectOutput},
        summary="Change a project (owners and members)",
    )
    def patch(self, request: Request, id: int) -> Response:
        project = self.found(request, id)
        data = dict(_input(s.ProjectUpdateInput, request))
        note = data.pop("note")
        project_update(project=project, actor=request.user, note=note, **data)
        return Response(s.ProjectOutput(self.found(request, id)).data)

    @extend_schema(
        parameters=[ID],
        responses={204: None},
        summary="Delete a project and its sprints (history stays)",
    )
    def delete(self, request: Request, id: int) -> Response:
        project_delete(project=self.found(request, id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectHistoryView(ScopedMixin, generics.GenericAPIView):
    queryset = Project.objects.none()  # for the schema; objects come from selectors
    serializer_class = s.HistoryEntryOutput

    @extend_schema(
        parameters=[ID],
        responses=s.HistoryEntryOutput(many=True),
        summary="A project's timeline: the project, its sprints (deleted ones too), "
        "pipelines, metrics and case study, newest first",
    )
    def get(self, request: Request, id: int) -> Response:
        entries = project_history(project=self.project(request, id))
        return _paginated(self, request, entries, s.HistoryEntryOutput)


class ProjectMetricsView(ScopedMixin, APIView):
    @extend_schema(
        parameters=[ID],
        responses=s.ProjectMetricsOutput,
        summary="Delivery metrics per sprint, labelled from the benchmark table",
        description="Sprint length and the four DORA measures adapted to models. "
        'Each value is the one entered for the sprint (`source` "entered", '
        "PUT /sprints/{id}/metrics/), else derived from the deployments and "
        'incidents recorded during it (`source` "derived"), else null.',
    )
    def get(self, request: Request, id: int) -> Response:
        data = project_metrics(project=self.project(request, id))
        return Response(s.ProjectMetricsOutput(data).data)


class CaseStudyView(ScopedMixin, APIView):
    EMPTY = {
        "automated_stages": [],
        "automation_why": "",
        "tools": [],
        "frameworks": "",
        "challenges_technical": "",
        "challenges_organisational": "",
        "challenges_cultural": "",
        "benefits": "",
        "updated_at": None,
    }

    @extend_schema(
        parameters=[ID], responses=s.CaseStudyOutput, summary="A project's case study"
    )
    def get(self, request: Request, id: int) -> Response:
        project = self.project(request, id)
        case_study = getattr(project, "case_study", None)
        if case_study is None:
            return Response({"project": project.pk, **self.EMPTY})
        return Response(s.CaseStudyOutput(case_study).data)

    @extend_schema(
        parameters=[ID],
        request=s.CaseStudyInput,
        responses=s.CaseStudyOutput,
        summary="Write a project's case study (owners and members); fields left out stay",
    )
    def put(self, request: Request, id: int) -> Response:
        project = self.project(request, id)
        data = dict(_input(s.CaseStudyInput, request))
        note = data.pop("note")
        case_study = case_study_update(
            project=project, actor=request.user, note=note, **data
        )
        return Response(s.CaseStudyOutput(case_study).data)


class DeploymentListView(ScopedMixin, generics.GenericAPIView):
    queryset = Deployment.objects.none()  # for the schema; objects come from selectors
    serializer_class = s.DeploymentOutput

    @extend_schema(
        parameters=[ID],
        responses=s.DeploymentOutput(many=True),
        summary="A project's deployments, newest first",
    )
    def get(self, request: Request, id: int) -> Response:
        project = self.project(request, id)
        return _paginated(
            self, request, deployment_list(project=project), s.DeploymentOutput
        )

    @extend_schema(
        parameters=[ID],
        request=s.DeploymentInput,
        responses={201: s.DeploymentOutput, 200: s.DeploymentOutput},
        summary="Report a deployment (for CI pipelines; idempotent by external_id)",
        description="Authenticate a CI job with an API token of an owner or member "
        "(`Authorization: Token ...`). 201 when recorded, 200 when an earlier report "
        "with the same `external_id` was updated. The deployment counts in the sprint "
        "running at `deployed_at`.",
    )
    def post(self, request: Request, id: int) -> Response:
        project = self.project(request, id)
        data = _input(s.DeploymentInput, request)
        deployment, created = deployment_record(
            project=project, actor=request.user, **data
        )
        return Response(
            s.DeploymentOutput(deployment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class IncidentListView(ScopedMixin, generics.GenericAPIView):
    queryset = Incident.objects.none()  # for the schema; objects come from selectors
    serializer_class = s.IncidentOutput

    @extend_schema(
        parameters=[ID],
        responses=s.IncidentOutput(many=True),
        summary="A project's incidents, newest first",
    )
    def get(self, request: Request, id: int) -> Response:
        project = self.project(request, id)
        return _paginated(
            self, request, incident_list(project=project), s.IncidentOutput
        )

    @extend_schema(
        parameters=[ID],
        request=s.IncidentInput,
        responses={201: s.IncidentOutput, 200: s.IncidentOutput},
        summary="Report an incident or its resolution (idempotent by external_id)",
    )
    def post(self, request: Request, id: int) -> Response:
        project = self.project(request, id)
        data = _input(s.IncidentInput, request)
        incident, created = incident_record(project=project, actor=request.user, **data)
        return Response(
            s.IncidentOutput(incident).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ProjectMaturityView(ScopedMixin, APIView):
    @extend_schema(
        parameters=[ID],
        responses=s.ProjectMaturityOutput,
        summary="A project's maturity per sprint, the cohort's medians, and the scope suggestion",
    )
    def get(self, request: Request, id: int) -> Response:
        project = self.project(request, id)
        maturity = project_maturity(project=project, staff=request.user.is_staff)
        return Response(
            s.ProjectMaturityOutput(
                {
                    "snapshots": maturity.snapshots,
                    "cohort": maturity.cohort,
                    "scope_suggestion": scope_suggestion(maturity=maturity),
                }
            ).data
        )


class MaturityInvitationView(ScopedMixin, APIView):
    @extend_schema(
        parameters=[ID],
        request=s.MaturityInviteInput,
        responses={
            201: s.MaturityLinkOutput(many=True),
            409: OpenApiResponse(description="The questionnaire is not open."),
        },
        summary="Links to the maturity questionnaire for the project's current sprint",
    )
    def post(self, request: Request, id: int) -> Response:
        project = self.project(request, id)
        data = _input(s.MaturityInviteInput, request)
        members = list(
            User.objects.filter(
                pk__in=data["members"], memberships__organisation=project.organisation
            )
        )
        if len(members) != len(set(data["members"])):
            raise serializers.ValidationError(
                {"members": ["Only members of the project's organisation."]}
            )
        links = maturity_invite(
            project=project, actor=request.user, members=members, count=data["count"]
        )
        survey_slug = links[0][0].invitation.survey.slug
        body = [
            {
                "id": link.pk,
                "sprint": link.sprint_id,
                "member": link.member_id,
                "token": token,
                "link": _site_url(request) + questionnaire_path(survey_slug, token),
            }
            for link, token in links
        ]
        return Response(
            s.MaturityLinkOutput(body, many=True).data, status=status.HTTP_201_CREATED
        )


# --- Sprints -------------------------------------------------------------------------


class SprintListView(ScopedMixin, generics.ListAPIView):
    serializer_class = s.SprintOutput

    def get_queryset(self):
        sprints = sprint_list_for_user(user=self.request.user).prefetch_related(
            "pipelines"
        )
        project = query_id(self.request, "project")
        if project is not None:
            sprints = sprints.filter(project_id=project)
        return sprints

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "project",
                {"type": "integer", "minimum": 1},
                OpenApiParameter.QUERY,
                description="Only this project's sprints (its id, 1 or more).",
            )
        ],
        summary="List the sprints of your organisations' projects",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.SprintCreateInput,
        responses={
            201: s.SprintOutput,
            409: OpenApiResponse(description="The project already has an open sprint."),
        },
        summary="Start a project's next sprint, at step 1 (owners and members)",
    )
    def post(self, request: Request) -> Response:
        data = _input(s.SprintCreateInput, request)
        project = self.project(request, data["project"])
        sprint = sprint_start(project=project, actor=request.user, note=data["note"])
        return Response(
            s.SprintOutput(self.sprint(request, sprint.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class SprintDetailView(ScopedMixin, APIView):
    @extend_schema(parameters=[ID], responses=s.SprintOutput, summary="A sprint")
    def get(self, request: Request, id: int) -> Response:
        return Response(s.SprintOutput(self.sprint(request, id)).data)

    @extend_schema(
        parameters=[ID],
        request=s.SprintUpdateInput,
        responses={200: s.SprintOutput},
        summary="Save the current step's data without moving the sprint",
    )
    def patch(self, request: Request, id: int) -> Response:
        sprint = self.sprint(request, id)
        data = _input(s.SprintUpdateInput, request)
        sprint_update(
            sprint=sprint, actor=request.user, data=data["data"], note=data["note"]
        )
        return Response(s.SprintOutput(self.sprint(request, id)).data)

    @extend_schema(
        parameters=[ID],
        responses={204: None},
        summary="Delete a sprint (its history stays)",
    )
    def delete(self, request: Request, id: int) -> Response:
        sprint_delete(sprint=self.sprint(request, id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SprintTransitionView(ScopedMixin, APIView):
    @extend_schema(
        parameters=[ID],
        request=s.TransitionInput,
        responses={
            200: s.SprintOutput,
            400: OpenApiResponse(
                description="The step being left lacks data: `errors` names each field."
            ),
            409: OpenApiResponse(
                description="A move the flowchart does not have, or the sprint moved "
                "meanwhile (`invalid_transition`): `errors.to` lists the moves allowed now."
            ),
        },
        summary="Move a sprint along the flowchart",
        description="Steps: scope → pipelines → verification → monitoring → "
        "maintenance_decision. From verification, a result `not_resolved` goes back "
        'to "pipelines". From the decision, "scope" means maintenance is needed '
        "(give `maintenance_reason`): the sprint completes and the next one opens at "
        'scope (`next_sprint`); "completed" ends it. `data` carries the fields of the '
        "step being left; they may also be saved beforehand with PATCH.",
    )
    def post(self, request: Request, id: int) -> Response:
        sprint = self.sprint(request, id)
        serializer = s.TransitionInput(data=request.data)
        if not serializer.is_valid():
            errors = dict(serializer.errors)
            # The step's fields are named as themselves, as the service names them.
            nested = errors.pop("data", None)
            if isinstance(nested, dict):
                errors.update(nested)
            raise serializers.ValidationError(errors)
        data = serializer.validated_data
        sprint = sprint_transition(
            sprint=sprint,
            actor=request.user,
            to=data["to"],
            data=data.get("data"),
            note=data["note"],
            expected_state=data.get("expected_state"),
        )
        return Response(s.SprintOutput(self.sprint(request, sprint.pk)).data)


class SprintHistoryView(ScopedMixin, generics.GenericAPIView):
    queryset = Sprint.objects.none()  # for the schema; objects come from selectors
    serializer_class = s.HistoryEntryOutput

    @extend_schema(
        parameters=[ID],
        responses=s.HistoryEntryOutput(many=True),
        summary="A sprint's history: every move and change, its pipelines and metrics, newest first",
    )
    def get(self, request: Request, id: int) -> Response:
        entries = sprint_history(sprint=self.sprint(request, id))
        return _paginated(self, request, entries, s.HistoryEntryOutput)


class SprintMetricsView(ScopedMixin, APIView):
    @extend_schema(
        parameters=[ID],
        request=s.SprintMetricsInput,
        responses=s.SprintMetricsInput,
        summary="Enter a sprint's delivery metrics (raw values; empty ones are derived)",
    )
    def put(self, request: Request, id: int) -> Response:
        sprint = self.sprint(request, id)
        data = dict(_input(s.SprintMetricsInput, request))
        note = data.pop("note")
        metrics = sprint_metrics_set(
            sprint=sprint, actor=request.user, note=note, **data
        )
        return Response(s.SprintMetricsInput(metrics).data)


class PipelineListView(ScopedMixin, APIView):
    @extend_schema(
        parameters=[ID],
        request=s.PipelineInput,
        responses={
            201: s.PipelineOutput,
            409: OpenApiResponse(
                description="The sprint is not at its pipelines step."
            ),
        },
        summary="Record a pipeline the sprint created (during its pipelines step)",
    )
    def post(self, request: Request, id: int) -> Response:
        sprint = self.sprint(request, id)
        data = _input(s.PipelineInput, request)
        pipeline = pipeline_add(sprint=sprint, actor=request.user, **data)
        return Response(s.PipelineOutput(pipeline).data, status=status.HTTP_201_CREATED)

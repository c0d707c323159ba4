"""Survey API: definitions for any client, responses for respondents, management
for researchers."""

from __future__ import annotations

import re

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.filters import FilterBackend
from core.api.parsers import JSONParser, TextYAMLParser, YAMLParser
from core.api.renderers import CSVRenderer, YAMLRenderer
from core.csv import csv_text
from surveys.api import serializers as s
from surveys.api.permissions import IsResponseHolder
from surveys.api.schema import ResponseHolderSchema
from surveys.browse import (
    ResponseCursorPagination,
    ResponseFilter,
    response_list_for_browsing,
)
from surveys.definition import definition_canonical
from surveys.models import Response as SurveyResponse
from surveys.models import Survey
from surveys.selectors import (
    response_list,
    survey_can_manage,
    survey_can_read_results,
    survey_can_share,
    survey_collaborators,
    survey_get_for_answering,
    survey_list_for_user,
)
from surveys.services import (
    collaborator_add,
    collaborator_remove,
    invitations_create,
    request_fingerprint,
    response_create,
    response_save,
    response_submit,
    response_unvoid,
    response_void,
    survey_publish,
    survey_update,
)

# A key must be as hard to guess as a resume token: a replay hands back the
# first response, resume token included. A UUID matches.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{22,100}$")
IDEMPOTENCY_KEY_HELP = (
    "Send a UUID, or 22 to 100 letters, digits, '-' or '_' drawn at random "
    "(128 bits or more), so that no other client can guess it."
)


class IsResearcher(permissions.BasePermission):
    message = "Only researchers and staff may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(
            request.user
            and request.user.is_authenticated
            and request.user.is_researcher
        )


def _survey_for_reading(
    request: Request, slug: str, *, with_definition: bool = False
) -> Survey:
    """Any client reads a survey that is not a draft; drafts only its owner,
    collaborators and staff.

    The definition (large) is loaded only when the caller shows it; the others
    use the parsed definition cached per version.
    """
    surveys = Survey.objects.select_related("current_version")
    if not with_definition:
        surveys = surveys.defer("current_version__definition")
    survey = get_object_or_404(surveys, slug=slug)
    if survey.status == Survey.Status.DRAFT and not survey_can_read_results(
        survey=survey, user=request.user
    ):
        raise exceptions.NotFound()
    return survey


def _survey_for_managing(request: Request, slug: str) -> Survey:
    survey = _survey_for_reading(request, slug)
    if not survey_can_manage(survey=survey, user=request.user):
        raise exceptions.PermissionDenied(
            "Only the survey's owner, its editors or staff may do this."
        )
    return survey


class SurveyListView(generics.ListAPIView):
    """List surveys: open public ones for anyone, plus your own (researchers) or all (staff)."""

    serializer_class = s.SurveyOutput
    parser_classes = [JSONParser, YAMLParser, TextYAMLParser]
    filterset_fields = ["status", "access"]
    ordering_fields = ["slug", "created_at", "updated_at"]

    def get_permissions(self) -> list:
        if self.request.method == "POST":
            return [IsResearcher()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        return survey_list_for_user(user=self.request.user)

    @extend_schema(
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/yaml": OpenApiTypes.STR,
        },
        responses={201: s.VersionOutput},
        summary="Create a survey or publish its next version from a definition",
        description="Send the definition document itself (JSON, or YAML with "
        "`Content-Type: application/yaml`). Every problem is reported under "
        "`errors.definition`, each with its place; nothing is saved unless all is valid. "
        "Sending the current definition again changes nothing.",
    )
    def post(self, request: Request) -> Response:
        version = survey_publish(document=request.data, actor=request.user)
        return Response(s.VersionOutput(version).data, status=status.HTTP_201_CREATED)


class SurveyDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    def get_permissions(self) -> list:
        if self.request.method == "PATCH":
            return [IsResearcher()]
        return [permissions.AllowAny()]

    @extend_schema(
        responses=s.SurveyDetailOutput, summary="A survey and its current definition"
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = _survey_for_reading(request, slug, with_definition=True)
        return Response(s.SurveyDetailOutput(survey).data)

    @extend_schema(
        request=s.SurveyUpdateInput,
        responses=s.SurveyDetailOutput,
        summary="Open, close or reschedule a survey, or publish its results summary",
    )
    def patch(self, request: Request, slug: str) -> Response:
        survey = _survey_for_managing(request, slug)
        data = s.SurveyUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        survey = survey_update(survey=survey, actor=request.user, **data.validated_data)
        survey = _survey_for_reading(request, slug, with_definition=True)
        return Response(s.SurveyDetailOutput(survey).data)


class SurveyVersionView(APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [ORJSONRenderer, YAMLRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=["json", "yaml"],
                description="The same as `Accept: application/json` or "
                "`Accept: application/yaml`, for links.",
            )
        ],
        responses={
            (200, "application/json"): s.VersionOutput,
            (200, "application/yaml"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The definition document alone, in YAML, as "
                "`POST /surveys/` takes it (see docs/survey-definition.md).",
            ),
        },
        summary="One version's definition (JSON, or YAML with Accept: application/yaml)",
        description="With `Accept: application/yaml` (or `?format=yaml`) the answer "
        "is the definition document alone, as `POST /surveys/` takes it; errors "
        "are JSON either way.",
    )
    def get(self, request: Request, slug: str, number: int) -> Response:
        survey = _survey_for_reading(request, slug)
        version = get_object_or_404(
            survey.versions.select_related("survey"), number=number
        )
        if request.accepted_renderer.format == "yaml":
            return Response(definition_canonical(version.definition))
        return Response(s.VersionOutput(version).data)


def _survey_for_sharing(request: Request, slug: str) -> Survey:
    survey = _survey_for_reading(request, slug)
    if not survey_can_share(survey=survey, user=request.user):
        raise exceptions.PermissionDenied(
            "Only the survey's owner or staff may share it."
        )
    return survey


class CollaboratorsView(APIView):
    """Researchers the owner lets in: viewers read results, editors also edit."""

    permission_classes = [IsResearcher]

    @extend_schema(
        responses=s.CollaboratorOutput(many=True),
        summary="List a survey's collaborators (owner, staff)",
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = _survey_for_sharing(request, slug)
        return Response(
            s.CollaboratorOutput(survey_collaborators(survey=survey), many=True).data
        )

    @extend_schema(
        request=s.CollaboratorInput,
        responses={201: s.CollaboratorOutput},
        summary="Add a researcher as viewer or editor (again: change the role)",
    )
    def post(self, request: Request, slug: str) -> Response:
        survey = _survey_for_sharing(request, slug)
        data = s.CollaboratorInput(data=request.data)
        data.is_valid(raise_exception=True)
        collaborator = collaborator_add(
            survey=survey, actor=request.user, **data.validated_data
        )
        return Response(
            s.CollaboratorOutput(collaborator).data, status=status.HTTP_201_CREATED
        )


class CollaboratorDetailView(APIView):
    permission_classes = [IsResearcher]

    @extend_schema(responses={204: None}, summary="Remove a collaborator")
    def delete(self, request: Request, slug: str, collaborator_id: int) -> Response:
        survey = _survey_for_sharing(request, slug)
        collaborator = get_object_or_404(
            survey_collaborators(survey=survey), pk=collaborator_id
        )
        collaborator_remove(collaborator=collaborator, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationsView(APIView):
    permission_classes = [IsResearcher]
    renderer_classes = [ORJSONRenderer, CSVRenderer]

    @extend_schema(
        request=s.InvitationsInput,
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=["json", "csv"],
                description="The same as `Accept: application/json` or "
                "`Accept: text/csv`.",
            )
        ],
        responses={
            (201, "application/json"): s.InvitationOutput(many=True),
            (201, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="A CSV file with the columns id, url, token and "
                "expires_at, one invitation a row.",
            ),
        },
        summary="Generate single-use invitation links (JSON, or CSV with Accept: text/csv)",
    )
    def post(self, request: Request, slug: str) -> Response:
        survey = _survey_for_managing(request, slug)
        data = s.InvitationsInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = invitations_create(
            survey=survey, actor=request.user, **data.validated_data
        )
        rows = [
            {
                "id": invitation.public_id,
                "token": token,
                "url": request.build_absolute_uri(
                    reverse(
                        "surveys:invite",
                        kwargs={"slug": survey.slug, "invitation_token": token},
                    )
                ),
                "expires_at": invitation.expires_at,
            }
            for invitation, token in created
        ]
        if request.accepted_renderer.format == "csv":
            text = csv_text(
                ["id", "url", "token", "expires_at"],
                ([r["id"], r["url"], r["token"], r["expires_at"] or ""] for r in rows),
            )
            return Response(
                text,
                status=status.HTTP_201_CREATED,
                headers={
                    "Content-Disposition": f'attachment; filename="{survey.slug}-invitations.csv"'
                },
            )
        return Response(
            s.InvitationOutput(rows, many=True).data, status=status.HTTP_201_CREATED
        )


def _idempotency_key(request: Request) -> str:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return ""
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise exceptions.ValidationError({"Idempotency-Key": [IDEMPOTENCY_KEY_HELP]})
    return key


class SurveyFilterBackend(FilterBackend):
    """The API's filter backend, handing the view's survey to the FilterSet.

    django-filter documents overriding ``get_filterset_kwargs`` for this.
    """

    def get_filterset_kwargs(self, request: Request, queryset, view: APIView) -> dict:
        return {
            **super().get_filterset_kwargs(request, queryset, view),
            "survey": view.survey,
        }


class ResponseCreateView(generics.ListAPIView):
    """Answer a survey (POST, anyone); browse its responses (GET, its researchers).

    One URL, two audiences: the POST is the public submission path and does
    exactly what it did alone, since permissions are chosen by method and the
    filters and pagination run only in ``list``.
    """

    permission_classes = [permissions.AllowAny]
    serializer_class = s.ResponseBrowseOutput
    filter_backends = [SurveyFilterBackend]
    filterset_class = ResponseFilter
    pagination_class = ResponseCursorPagination

    def get_permissions(self) -> list:
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [IsResearcher()]

    def get_queryset(self):
        if getattr(
            self, "swagger_fake_view", False
        ):  # drf-spectacular's documented hook
            return SurveyResponse.objects.none()
        return response_list_for_browsing(survey=self.survey)

    @extend_schema(
        summary="Browse a survey's responses (owner, collaborators, staff)",
        description="Submitted responses, newest submission first; with "
        "`status=draft` the drafts alone, most recently started first (the date "
        "filters then apply to the start date). Cursor pagination: follow `next` "
        "and `previous`; a response that arrives meanwhile never shifts a page. "
        "Every filter is checked: an unknown value is a 400 naming its parameter.",
        responses={
            200: s.ResponseBrowseOutput(many=True),
            400: OpenApiResponse(description="A filter has a bad value."),
            401: OpenApiResponse(description="Not signed in."),
            403: OpenApiResponse(
                description="Not a researcher, or not the survey's owner, "
                "collaborator or staff."
            ),
            404: OpenApiResponse(
                description="No such survey (or a draft of another's)."
            ),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        self.survey = _survey_for_reading(request, slug)
        if not survey_can_read_results(survey=self.survey, user=request.user):
            raise exceptions.PermissionDenied(
                "Only the survey's owner, its collaborators or staff may browse its "
                "responses."
            )
        return self.list(request, slug)

    @extend_schema(
        request=s.ResponseCreateInput,
        responses={
            201: s.ResponseCreatedOutput,
            409: OpenApiResponse(
                description="The survey is closed, not open yet or full."
            ),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                pattern=IDEMPOTENCY_KEY.pattern,
                description="Retrying with the same key returns the first response "
                "(with its resume token), never a second. " + IDEMPOTENCY_KEY_HELP,
            )
        ],
        summary="Answer a survey",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = s.ResponseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        key = _idempotency_key(request)
        survey = survey_get_for_answering(slug=slug)
        if survey is None or (
            survey.status == Survey.Status.DRAFT
            and not survey_can_manage(survey=survey, user=request.user)
        ):
            raise exceptions.NotFound()
        fields = data.validated_data
        response, created = response_create(
            survey=survey,
            answers=fields["answers"],
            submit=fields["submit"],
            language=fields["language"],
            invitation_token=fields["invitation"],
            idempotency_key=key,
            fingerprint=request_fingerprint(request.data) if key else "",
        )
        return Response(
            s.response_created_body(response),
            status=status.HTTP_201_CREATED,
            headers={} if created else {"Idempotent-Replayed": "true"},
        )


class ResponseDetailView(APIView):
    """A response is reached with its resume token (X-Resume-Token) or by staff."""

    permission_classes = [IsResponseHolder]
    schema = ResponseHolderSchema()

    @extend_schema(
        responses=s.ResponseOutput,
        summary="Read a response",
    )
    def get(self, request: Request, response_id: str) -> Response:
        response = get_object_or_404(response_list(), pk=response_id)
        self.check_object_permissions(request, response)
        return Response(s.ResponseOutput(response).data)

    @extend_schema(
        request=s.ResponseUpdateInput,
        responses={
            200: s.ResponseOutput,
            409: OpenApiResponse(description="The response was submitted: read-only."),
        },
        summary="Save answers to a draft response",
    )
    def patch(self, request: Request, response_id: str) -> Response:
        response = get_object_or_404(response_list(), pk=response_id)
        self.check_object_permissions(request, response)
        data = s.ResponseUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        response = response_save(
            response=response,
            answers=data.validated_data["answers"],
            language=data.validated_data.get("language"),
        )
        return Response(s.ResponseOutput(response).data)


class ResponseSubmitView(APIView):
    """A response is reached with its resume token (X-Resume-Token) or by staff."""

    permission_classes = [IsResponseHolder]
    schema = ResponseHolderSchema()

    @extend_schema(
        request=s.ResponseSubmitInput,
        responses={200: s.ResponseOutput},
        summary="Submit a response (submitting twice is harmless)",
    )
    def post(self, request: Request, response_id: str) -> Response:
        response = get_object_or_404(response_list(), pk=response_id)
        self.check_object_permissions(request, response)
        data = s.ResponseSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        response = response_submit(
            response=response, answers=data.validated_data.get("answers")
        )
        return Response(s.ResponseOutput(response).data)


_VOID_STATUSES = {
    400: OpenApiResponse(description="No reason given."),
    401: OpenApiResponse(description="Not signed in."),
    403: OpenApiResponse(
        description="Not the survey's owner, one of its editors or staff."
    ),
    404: OpenApiResponse(description="No such response."),
    409: OpenApiResponse(description="The response is a draft."),
}


class ResponseVoidView(APIView):
    """Void a response: kept, but left out of every result; logged with its reason."""

    permission_classes = [IsResearcher]
    change = staticmethod(response_void)

    @extend_schema(
        request=s.ResponseVoidInput,
        responses={200: s.ResponseOutput, **_VOID_STATUSES},
        summary="Void a response (owner, editors, staff); again: no change",
    )
    def post(self, request: Request, response_id: str) -> Response:
        response = get_object_or_404(response_list(), pk=response_id)
        data = s.ResponseVoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        response = self.change(
            response=response, reason=data.validated_data["reason"], actor=request.user
        )
        return Response(s.ResponseOutput(response).data)


class ResponseUnvoidView(ResponseVoidView):
    """Count a voided response again; logged with its reason."""

    change = staticmethod(response_unvoid)

    @extend_schema(
        request=s.ResponseVoidInput,
        responses={200: s.ResponseOutput, **_VOID_STATUSES},
        summary="Un-void a response (owner, editors, staff); again: no change",
    )
    def post(self, request: Request, response_id: str) -> Response:
        return super().post(request, response_id)

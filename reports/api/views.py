import orjson
from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import error_body
from reports.aggregation import ALL
from reports.api.serializers import (
    AggregatesOutput,
    AggregatesQueryInput,
    DashboardOutput,
    ProfileOutput,
)
from reports.dashboard import activity_for_reader
from reports.public import ACTIVITY
from reports.selectors import (
    aggregate_get,
    aggregate_groups,
    aggregate_public_get,
    aggregate_segments,
    profile_get,
)
from surveys.api.permissions import IsResponseHolder
from surveys.api.schema import ResponseHolderSchema
from surveys.models import Response as SurveyResponse
from surveys.models import Survey
from surveys.selectors import response_list, survey_can_read_results


class ResponseProfileView(APIView):
    """A submitted response's maturity profile (computed by Celery within seconds)."""

    permission_classes = [IsResponseHolder]
    schema = ResponseHolderSchema()

    @extend_schema(
        responses={
            200: ProfileOutput,
            202: OpenApiResponse(
                description="Submitted; the profile is being computed."
            ),
            409: OpenApiResponse(
                description="The response is a draft (submit it first) or was voided."
            ),
        },
        summary="A response's maturity profile",
    )
    def get(self, request: Request, response_id: str) -> Response:
        response = get_object_or_404(response_list(), pk=response_id)
        self.check_object_permissions(request, response)
        if response.status != SurveyResponse.Status.SUBMITTED:
            body = error_body(
                detail="Submit the response to get its profile.", code="response_draft"
            )
            return Response(body, status=status.HTTP_409_CONFLICT)
        if response.is_voided:
            # Voiding removes the profile: "pending" would have the client poll forever.
            body = error_body(
                detail="The response was voided; it has no profile.",
                code="response_voided",
            )
            return Response(body, status=status.HTTP_409_CONFLICT)
        profile = profile_get(response=response)
        if profile is None:
            body = error_body(
                detail="The profile is being computed; retry shortly.",
                code="profile_pending",
            )
            return Response(
                body, status=status.HTTP_202_ACCEPTED, headers={"Retry-After": "2"}
            )
        profile.version = response.version
        return Response(ProfileOutput(profile).data)


class SurveyDashboardView(APIView):
    """What a survey's dashboard shows beside its aggregates: responses per
    day, the completion funnel, the time to complete and the bottlenecks.

    Stored by each refresh of the aggregates, so a request reads one row:
    nothing is counted on request. The survey's owner, its collaborators and
    staff; 404 for anyone else, as for a survey that does not exist.
    """

    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [ORJSONRenderer]

    @extend_schema(
        responses={
            200: DashboardOutput,
            401: OpenApiResponse(description="Not signed in."),
            404: OpenApiResponse(
                description="No such survey, or not its owner, a collaborator "
                "or staff; or nothing computed yet (`aggregates_pending`)."
            ),
        },
        summary="Dashboard activity of a survey",
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = (
            Survey.objects.only("pk", "slug", "owner_id", "current_version_id")
            .filter(slug=slug)
            .first()
        )
        if survey is None or not survey_can_read_results(
            survey=survey, user=request.user
        ):
            raise exceptions.NotFound()
        snapshot = aggregate_get(survey=survey, segment=ACTIVITY)
        if snapshot is None:
            message = (
                "survey: nothing is computed yet; the dashboard is refreshed "
                "within seconds of a submission."
            )
            return Response(
                error_body(
                    detail=message,
                    code="aggregates_pending",
                    errors={"survey": [message]},
                ),
                status=status.HTTP_404_NOT_FOUND,
            )
        k = settings.PRIVACY_MIN_CELL_SIZE
        activity = activity_for_reader(
            orjson.loads(snapshot.groups_json), k=k, staff=request.user.is_staff
        )
        meta = {
            "survey": survey.slug,
            "version": snapshot.version.number,
            "computed_at": snapshot.computed_at,
            "min_cell_size": k,
        }
        return Response(DashboardOutput({**meta, **activity}).data)


class SurveyAggregatesView(APIView):
    """A survey's cohort aggregates by segment, as stored by the last refresh.

    Nothing is computed on request: one query finds the survey, one the
    snapshot (two more only to explain a 404). The snapshot's groups, stored
    JSON, go into the response as an ``orjson.Fragment``, so they are neither
    decoded nor encoded again; hence orjson's renderer, named here. Anyone else
    reads the public summary (``reports.public``) where the survey allows it.
    """

    # Anonymous clients may read a public summary; the rest is checked in get().
    permission_classes = [permissions.AllowAny]
    renderer_classes = [ORJSONRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("segment", OpenApiTypes.STR, OpenApiParameter.QUERY),
            OpenApiParameter("version", OpenApiTypes.INT, OpenApiParameter.QUERY),
        ],
        responses={
            200: AggregatesOutput,
            401: OpenApiResponse(
                description="Anonymous, and the survey's results are not public."
            ),
            403: OpenApiResponse(
                description="Not the survey's owner or staff, and its results are "
                "not public (`permission_denied`); or a segment was asked of the "
                "public summary (`segment_not_public`, named in `errors.segment`)."
            ),
            404: OpenApiResponse(
                description="No such survey, a draft of someone else, a segment "
                "not precomputed (`errors.segment` lists the available ones), or "
                "no such version (`errors.version`)."
            ),
        },
        summary="Cohort aggregates of a survey by segment",
        description="For the survey's owner (a researcher) and staff: every "
        'precomputed segment, `scope` "full". Cells computed from fewer than '
        "`PRIVACY_MIN_CELL_SIZE` responses are suppressed, visibly, for everyone "
        "but staff.\n\n"
        "**Public summary.** When the survey's `public_results` is on (and it is "
        "not a draft), anyone else, anonymous clients included, reads a summary, "
        '`scope` "public": the segment "" (all responses) only, with the '
        "maturity cells (`dimensions`, `overall`, `breadth`, `items`) and the "
        "counts of multiple-choice and ranking questions under `questions`; no "
        "demographic, likert, matrix or tool cells, no per-response data. Every "
        "cell under `PRIVACY_MIN_CELL_SIZE` responses is suppressed in it. "
        "Asking it for any other segment is a 403 `segment_not_public`.",
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = (
            Survey.objects.only(
                "pk",
                "slug",
                "owner_id",
                "status",
                "current_version_id",
                "public_results",
            )
            .filter(slug=slug)
            .first()
        )
        manager = survey is not None and survey_can_read_results(
            survey=survey, user=request.user
        )
        if not manager and not (survey is not None and survey.results_are_public):
            # As before public summaries: anonymous clients learn nothing,
            # not even whether the survey exists.
            if not request.user.is_authenticated:
                raise exceptions.NotAuthenticated()
            if survey is None or survey.status == Survey.Status.DRAFT:
                raise exceptions.NotFound()
            raise exceptions.PermissionDenied(
                "Only the survey's owner, its collaborators or staff may read its aggregates."
            )
        query = AggregatesQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        segment = query.validated_data["segment"].strip()
        number = query.validated_data.get("version")
        k = settings.PRIVACY_MIN_CELL_SIZE
        if not manager:
            return _public_summary(survey, segment, number, k)
        staff = request.user.is_staff
        snapshot = aggregate_get(
            survey=survey,
            segment=segment,
            version_number=number,
            min_cell_size=None if staff else k,
        )
        if snapshot is None:
            return _not_found(survey, segment, number)
        # Decoded only to key a pair the other way round, or to suppress with a
        # threshold changed since the snapshot was computed.
        resuppress = not staff and snapshot.min_cell_size != k
        if resuppress or snapshot.segment != segment:
            groups = aggregate_groups(snapshot, segment=segment, staff=staff)
        else:
            groups = orjson.Fragment(snapshot.groups_json)
        # The groups are stored cells, so they bypass the serializer, which
        # would only walk them.
        meta = AggregatesOutput(
            {
                "survey": survey.slug,
                "version": snapshot.version.number,
                "segment": segment,
                "n": snapshot.n,
                "computed_at": snapshot.computed_at,
                "min_cell_size": k,
                "scope": AggregatesOutput.FULL,
            }
        ).data
        return Response({**meta, "groups": groups})


def _public_summary(
    survey: Survey, segment: str, number: int | None, k: int
) -> Response:
    """The public summary: all responses only, public parts only, suppressed."""
    if segment:
        message = _(
            "segment: the public summary covers all responses only; leave "
            '"segment" empty. Segments are for the survey\'s owner and staff.'
        )
        return Response(
            error_body(
                detail=message, code="segment_not_public", errors={"segment": [message]}
            ),
            status=status.HTTP_403_FORBIDDEN,
        )
    summary = aggregate_public_get(
        survey=survey, min_cell_size=k, version_number=number
    )
    if summary is None:
        return _not_found(survey, segment, number)
    return Response(
        AggregatesOutput(
            {
                "survey": survey.slug,
                "version": summary.version,
                "segment": "",
                "n": summary.n,
                "computed_at": summary.computed_at,
                "min_cell_size": k,
                "scope": AggregatesOutput.PUBLIC,
                "groups": {ALL: summary.cells},
            }
        ).data
    )


def _not_found(survey: Survey, segment: str, number: int | None) -> Response:
    available = aggregate_segments(survey=survey, version_number=number)
    if available is None:
        field = "version"
        message = (
            f"version: {survey.slug} has no version {number}."
            if number is not None
            else f"version: {survey.slug} has no published version."
        )
        code = "version_not_found"
    elif not available:
        field = "segment"
        message = (
            "segment: the aggregates of this version are not computed yet; "
            "they are refreshed within seconds of a submission."
        )
        code = "aggregates_pending"
    else:
        field = "segment"
        listed = ", ".join(f'"{key}"' for key in available)
        message = (
            f'segment: "{segment}" is not precomputed. Available segments: {listed}.'
        )
        code = "segment_not_found"
    return Response(
        error_body(detail=message, code=code, errors={field: [message]}),
        status=status.HTTP_404_NOT_FOUND,
    )

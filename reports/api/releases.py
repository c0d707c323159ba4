"""Data releases over the API: list a survey's releases, publish one, fetch a file."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import InputSerializer
from reports.api.exports import digest_header
from reports.models import Release
from reports.release_services import RELEASE_FORMATS, release_create, release_folder
from surveys.models import Survey
from surveys.selectors import survey_can_read_results


class ReleaseFile(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.CharField()


class ReleaseOutput(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    files = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "number",
            "title",
            "version",
            "status",
            "created_at",
            "responses",
            "formats",
            "notes",
            "error",
            "files",
        ]

    def get_files(self, release: Release) -> list[dict]:
        base = f"/api/v1/surveys/{release.survey.slug}/releases/{release.number}/files/"
        return [{**f, "url": base + f["name"]} for f in release.files]


class ReleaseInput(InputSerializer):
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=list(RELEASE_FORMATS)),
        required=False,
        help_text="Data formats of the bundle (default: csv, parquet, sav).",
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def _survey_or_404(request: Request, slug: str) -> Survey:
    survey = (
        Survey.objects.select_related("current_version", "owner")
        .filter(slug=slug)
        .first()
    )
    if survey is None or not survey_can_read_results(survey=survey, user=request.user):
        raise exceptions.NotFound("No such survey.")
    return survey


_NOT_FOUND = OpenApiResponse(
    description="No such survey, or not its owner, a collaborator or staff."
)


class SurveyReleaseListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={
            200: ReleaseOutput(many=True),
            401: OpenApiResponse(description="Not signed in."),
            404: _NOT_FOUND,
        },
        summary="A survey's data releases, newest first",
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = _survey_or_404(request, slug)
        releases = survey.releases.select_related("version", "survey").order_by(
            "-number"
        )
        return Response(ReleaseOutput(releases, many=True).data)

    @extend_schema(
        request=ReleaseInput,
        responses={
            202: ReleaseOutput,
            400: OpenApiResponse(description="`errors` names the field (`formats`)."),
            401: OpenApiResponse(description="Not signed in."),
            403: OpenApiResponse(description="Not the survey's owner or staff."),
            404: _NOT_FOUND,
        },
        summary="Publish a data release (built in the background)",
    )
    def post(self, request: Request, slug: str) -> Response:
        survey = _survey_or_404(request, slug)
        data = ReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        release = release_create(
            survey=survey,
            actor=request.user,
            formats=data.validated_data.get("formats"),
            notes=data.validated_data.get("notes", ""),
        )
        release.refresh_from_db()
        return Response(ReleaseOutput(release).data, status=status.HTTP_202_ACCEPTED)


class SurveyReleaseFileView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            401: OpenApiResponse(description="Not signed in."),
            404: OpenApiResponse(description="No such survey, release or file."),
        },
        summary="One file of a data release, byte for byte",
    )
    def get(self, request: Request, slug: str, number: int, name: str) -> FileResponse:
        survey = _survey_or_404(request, slug)
        release = survey.releases.filter(
            number=number, status=Release.Status.DONE
        ).first()
        entry = next(
            (f for f in (release.files if release else []) if f["name"] == name), None
        )
        if entry is None:
            raise exceptions.NotFound("No such file.")
        path = release_folder(release) / entry["name"]
        response = FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"{slug}-release-{number}-{name}",
        )
        response["Digest"] = digest_header(entry["sha256"])
        return response

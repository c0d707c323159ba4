"""Exports over the API: start one, follow it, download it, cancel it."""

from __future__ import annotations

import base64

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.query import query_value
from core.api.serializers import InputSerializer
from reports.export_selectors import export_get_for_user, export_list_for_user
from reports.export_services import (
    export_cancel,
    export_create,
    export_download_name,
    export_path,
)
from reports.exports import CONTENT_TYPES
from reports.models import Export
from surveys.models import Survey


class ExportInput(InputSerializer):
    survey = serializers.SlugField(help_text="The survey's slug.")
    format = serializers.ChoiceField(choices=Export.Format.choices)
    layout = serializers.ChoiceField(
        choices=Export.Layout.choices, default=Export.Layout.WIDE
    )
    filters = serializers.JSONField(
        required=False,
        default=dict,
        help_text='{"versions": [1], "submitted_from": "2026-01-01", '
        '"submitted_to": "2026-12-31", "status": "submitted|draft|all", '
        '"include_voided": false, "segment": {"question": "role", "value": '
        '"data_scientist"}, "include_free_text": false, "include_personal": false}',
    )
    bom = serializers.BooleanField(default=False, help_text="CSV: start with a BOM.")


class ExportCreated(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()


class ExportOutput(serializers.ModelSerializer):
    survey = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requested_by = serializers.EmailField(source="requested_by.email", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "survey",
            "requested_by",
            "format",
            "layout",
            "filters",
            "status",
            "progress",
            "rows",
            "size",
            "checksum",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]

    def get_download_url(self, export: Export) -> str | None:
        if export.status != Export.Status.DONE:
            return None
        return f"/api/v1/exports/{export.pk}/download/"


def digest_header(sha256_hex: str) -> str:
    """The ``Digest`` header of a file (RFC 3230): its SHA-256 in base64."""
    return "sha-256=" + base64.b64encode(bytes.fromhex(sha256_hex)).decode()


_NOT_YOURS = OpenApiResponse(
    description="No such export, or not yours: only its requester, the survey's "
    "owner and staff see an export."
)


def _export_or_404(request: Request, export_id: str) -> Export:
    export = export_get_for_user(export_id=str(export_id), user=request.user)
    if export is None:
        raise exceptions.NotFound("No such export.")
    return export


class ExportListView(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ExportOutput
    queryset = Export.objects.none()  # the schema's model; reads use the selector

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "survey", OpenApiTypes.STR, description="Only this survey's exports."
            )
        ],
        responses={200: ExportOutput(many=True)},
        summary="List exports",
        description="Your exports on surveys you may still read, every export of "
        "the surveys you own (staff: all), newest first.",
    )
    def get(self, request: Request) -> Response:
        exports = export_list_for_user(
            user=request.user, survey_slug=query_value(request, "survey") or ""
        )
        page = self.paginate_queryset(exports)
        return self.get_paginated_response(ExportOutput(page, many=True).data)

    @extend_schema(
        request=ExportInput,
        responses={
            202: ExportCreated,
            400: OpenApiResponse(
                description="Invalid input; `errors` names the field "
                "(`format`, `layout`, `filters.versions`, ...)."
            ),
            401: OpenApiResponse(description="Not signed in."),
            403: OpenApiResponse(
                description="Not the survey's owner, editor, viewer or staff; or "
                "free text or personal fields asked by someone who is not the "
                "owner or staff (`errors` names the filter)."
            ),
        },
        summary="Start an export",
        description="Queues the export on the `exports` queue and answers at once. "
        "Follow it at `/api/v1/exports/{id}/`.",
    )
    def post(self, request: Request) -> Response:
        data = ExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        survey = (
            Survey.objects.select_related("current_version")
            .filter(slug=data.validated_data["survey"])
            .first()
        )
        if survey is None:
            raise exceptions.PermissionDenied("You may not export this survey's data.")
        export = export_create(
            survey=survey,
            actor=request.user,
            fmt=data.validated_data["format"],
            layout=data.validated_data["layout"],
            filters=data.validated_data["filters"],
            bom=data.validated_data["bom"],
        )
        export.refresh_from_db(fields=["status"])
        return Response(
            {"id": str(export.pk), "status": export.status},
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/exports/{export.pk}/"},
        )


class ExportDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={
            200: ExportOutput,
            401: OpenApiResponse(description="Not signed in."),
            404: _NOT_YOURS,
        },
        summary="An export's status, progress, rows, size and checksum",
    )
    def get(self, request: Request, export_id: str) -> Response:
        return Response(ExportOutput(_export_or_404(request, export_id)).data)


class ExportDownloadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            401: OpenApiResponse(description="Not signed in."),
            404: _NOT_YOURS,
            409: OpenApiResponse(description="Not done yet (`export_not_ready`)."),
            410: OpenApiResponse(description="Expired, failed or cancelled: no file."),
        },
        summary="Download an export's file",
    )
    def get(self, request: Request, export_id: str) -> Response | FileResponse:
        export = _export_or_404(request, export_id)
        if export.status in {Export.Status.QUEUED, Export.Status.RUNNING}:
            raise _Conflict()
        path = export_path(export)
        if export.status != Export.Status.DONE or not path.exists():
            raise _Gone()
        response = FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=export_download_name(export),
            content_type=CONTENT_TYPES[export.format],
        )
        response["Digest"] = digest_header(export.checksum)
        return response


class ExportCancelView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: ExportOutput,
            401: OpenApiResponse(description="Not signed in."),
            404: _NOT_YOURS,
        },
        summary="Cancel an export (a finished one is left as it is)",
    )
    def post(self, request: Request, export_id: str) -> Response:
        export = export_cancel(export=_export_or_404(request, export_id))
        return Response(ExportOutput(export).data)


class _Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The export is not done yet; follow its progress and retry."
    default_code = "export_not_ready"


class _Gone(exceptions.APIException):
    status_code = 410
    default_detail = "The export has no file: it expired, failed or was cancelled."
    default_code = "export_gone"

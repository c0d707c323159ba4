"""The tool catalogue API: anyone reads it, staff correct it (with history)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.history import ChangeOutput
from core.api.query import query_value
from core.api.serializers import InputSerializer
from core.history import Entry
from reports.catalogue import tool_history, tool_list
from reports.catalogue_services import tool_create, tool_delete, tool_update
from reports.cohort import cohort_cells, practitioner_ratings, reference_survey
from reports.models import CRITERIA, Tool

CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)
RATINGS = Tool.Rating.choices


class ToolOutput(serializers.ModelSerializer):
    practitioners = serializers.SerializerMethodField(
        help_text="How the reference survey's respondents rate the tool: the lower "
        "median rating per criterion and the mean satisfaction (1-5), each with its "
        "n. Cells from fewer than PRIVACY_MIN_CELL_SIZE responses are suppressed "
        "for everyone but staff. Null when nobody rated the tool."
    )

    class Meta:
        model = Tool
        fields = [
            "code",
            "name",
            "source",
            *CRITERIA,
            "open_source",
            "notes",
            "practitioners",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_practitioners(self, tool: Tool) -> dict | None:
        return self.context.get("ratings", {}).get(tool.code)


class ToolInput(InputSerializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=120)
    open_source = serializers.BooleanField(
        required=False, allow_null=True, default=None
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (kept in the history).",
    )

    def get_fields(self):
        fields = super().get_fields()
        for criterion in CRITERIA:
            fields[criterion] = serializers.ChoiceField(
                choices=RATINGS, required=False, allow_blank=True, default=""
            )
        return fields


class ToolUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=120, required=False)
    open_source = serializers.BooleanField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def get_fields(self):
        fields = super().get_fields()
        for criterion in CRITERIA:
            fields[criterion] = serializers.ChoiceField(
                choices=RATINGS, required=False, allow_blank=True
            )
        return fields


class ToolQueryInput(InputSerializer):
    present = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CRITERIA)),
        required=False,
        default=list,
    )
    open_source = serializers.BooleanField(
        required=False, allow_null=True, default=None
    )


class ToolHistoryOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_email = serializers.EmailField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    changes = ChangeOutput(many=True)


def _ratings(request: Request) -> dict:
    staff = bool(request.user and request.user.is_staff)
    return practitioner_ratings(cohort_cells(survey=reference_survey(), staff=staff))


class IsStaffOrReadOnly(permissions.BasePermission):
    def has_permission(self, request: Request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(
            request.user and request.user.is_authenticated and request.user.is_staff
        )


class ToolListView(generics.ListAPIView):
    """The catalogue: the paper's 11 tools on 7 criteria, and the platforms the
    reference questionnaire lists."""

    permission_classes = [IsStaffOrReadOnly]
    serializer_class = ToolOutput
    filter_backends: list = []

    def get_queryset(self):
        open_source = query_value(self.request, "open_source")
        query = ToolQueryInput(
            data={
                "present": self.request.query_params.getlist("present"),
                **({} if open_source is None else {"open_source": open_source}),
            }
        )
        query.is_valid(raise_exception=True)
        return tool_list(**query.validated_data)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "ratings": _ratings(self.request)}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "present",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                many=True,
                enum=list(CRITERIA),
                description="Only tools that fully meet this criterion (repeat for several).",
            ),
            OpenApiParameter("open_source", OpenApiTypes.BOOL, OpenApiParameter.QUERY),
        ],
        auth=[],
        summary="The tool catalogue, with practitioners' ratings",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ToolInput,
        responses={201: ToolOutput, 403: OpenApiResponse(description="Staff only.")},
        summary="Add a tool to the catalogue (staff)",
    )
    def post(self, request: Request) -> Response:
        data = ToolInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        note = fields.pop("note")
        tool = tool_create(actor=request.user, note=note, **fields)
        return Response(ToolOutput(tool).data, status=status.HTTP_201_CREATED)


class ToolDetailView(APIView):
    permission_classes = [IsStaffOrReadOnly]

    @extend_schema(
        parameters=[CODE], responses=ToolOutput, auth=[], summary="A catalogue entry"
    )
    def get(self, request: Request, code: str) -> Response:
        tool = get_object_or_404(Tool, code=code)
        return Response(ToolOutput(tool, context={"ratings": _ratings(request)}).data)

    @extend_schema(
        parameters=[CODE],
        request=ToolUpdateInput,
        responses={200: ToolOutput, 403: OpenApiResponse(description="Staff only.")},
        summary="Correct a catalogue entry (staff; the change and its note are kept)",
    )
    def patch(self, request: Request, code: str) -> Response:
        tool = get_object_or_404(Tool, code=code)
        data = ToolUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        note = fields.pop("note")
        tool = tool_update(tool=tool, actor=request.user, note=note, **fields)
        return Response(ToolOutput(tool).data)

    @extend_schema(
        parameters=[CODE],
        responses={204: None, 403: OpenApiResponse(description="Staff only.")},
        summary="Remove a catalogue entry (staff; its history stays)",
    )
    def delete(self, request: Request, code: str) -> Response:
        tool_delete(tool=get_object_or_404(Tool, code=code), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ToolHistoryView(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        parameters=[CODE],
        responses=ToolHistoryOutput(many=True),
        summary="Every change of a catalogue entry, oldest first (staff)",
    )
    def get(self, request: Request, code: str) -> Response:
        tool = get_object_or_404(Tool, code=code)
        entries: list[Entry] = tool_history(tool=tool)
        return Response(ToolHistoryOutput(entries, many=True).data)

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from surveys.api.permissions import RESUME_HEADER_NAME
from surveys.api.serializers import ANSWER_KEYS_HELP


class AnswersFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "surveys.api.serializers.AnswersField"

    def map_serializer_field(self, auto_schema, direction):
        schema = build_basic_type(OpenApiTypes.OBJECT)
        schema["additionalProperties"] = {}
        schema["description"] = f"Question code -> answer value. {ANSWER_KEYS_HELP}"
        return schema


class ResponseHolderSchema(AutoSchema):
    """Document an operation guarded by ``IsResponseHolder``.

    It takes the resume token header, and anonymous clients that hold the
    token may call it, which DRF's permission classes cannot tell the schema.
    """

    def get_override_parameters(self) -> list:
        header = OpenApiParameter(
            RESUME_HEADER_NAME,
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description="The resume token returned when the response was created "
            "(staff need none).",
        )
        return [*super().get_override_parameters(), header]

    def get_auth(self) -> list:
        return [*super().get_auth(), {}]

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes


class AnswersFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "surveys.api.serializers.AnswersField"

    def map_serializer_field(self, auto_schema, direction):
        schema = build_basic_type(OpenApiTypes.OBJECT)
        schema["additionalProperties"] = {}
        schema["description"] = (
            'Question code -> answer value; an "other" text goes under '
            "`<code>__other`. See docs/survey-definition.md for each type's value."
        )
        return schema

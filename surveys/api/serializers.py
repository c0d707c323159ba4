from django.conf import settings
from rest_framework import serializers

from surveys.models import Response, Survey

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class SurveyOutput(serializers.ModelSerializer):
    version = serializers.IntegerField(source="current_version.number", allow_null=True)
    languages = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "slug",
            "title",
            "description",
            "status",
            "access",
            "opens_at",
            "closes_at",
            "response_quota",
            "version",
            "languages",
            "created_at",
            "updated_at",
        ]

    def get_languages(self, survey: Survey) -> list[str]:
        version = survey.current_version
        return list(version.definition.get("languages", [])) if version else []


class SurveyDetailOutput(SurveyOutput):
    definition = serializers.JSONField(
        source="current_version.definition",
        allow_null=True,
        help_text="The current version's full definition: pages, questions, types, "
        "choices, limits and conditions (see docs/survey-definition.md).",
    )

    class Meta(SurveyOutput.Meta):
        fields = [*SurveyOutput.Meta.fields, "consent", "definition"]


class SurveyUpdateInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Survey.Status.choices, required=False)
    access = serializers.ChoiceField(choices=Survey.Access.choices, required=False)
    opens_at = serializers.DateTimeField(required=False, allow_null=True)
    closes_at = serializers.DateTimeField(required=False, allow_null=True)
    response_quota = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=10_000_000
    )


class VersionOutput(serializers.Serializer):
    slug = serializers.CharField(source="survey.slug")
    number = serializers.IntegerField()
    checksum = serializers.CharField()
    published_at = serializers.DateTimeField()
    definition = serializers.JSONField()


class InvitationsInput(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=10_000)
    label = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None
    )


class InvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    token = serializers.CharField(help_text="Shown once; only its hash is stored.")
    url = serializers.URLField()
    expires_at = serializers.DateTimeField(allow_null=True)


class ResponseCreateInput(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text="Question code -> answer value (see the question types).",
    )
    submit = serializers.BooleanField(required=False, default=False)
    language = serializers.ChoiceField(
        choices=LANGUAGE_CODES, required=False, default="en"
    )
    invitation = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text="The invitation token, for invitation-only surveys.",
    )


class ResponseUpdateInput(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        default=dict,
        help_text="Answers to merge in; a null value removes an answer.",
    )
    language = serializers.ChoiceField(choices=LANGUAGE_CODES, required=False)


class ResponseSubmitInput(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True), required=False
    )


class ResponseVoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ResponseOutput(serializers.ModelSerializer):
    survey = serializers.CharField(source="survey.slug")
    version = serializers.IntegerField(source="version.number")
    voided = serializers.BooleanField(source="is_voided")

    class Meta:
        model = Response
        fields = [
            "id",
            "survey",
            "version",
            "status",
            "answers",
            "language",
            "channel",
            "current_page",
            "started_at",
            "updated_at",
            "submitted_at",
            "voided",
        ]


class ResponseCreatedOutput(ResponseOutput):
    resume_token = serializers.CharField(
        help_text="Send as the X-Resume-Token header to read, change or submit it."
    )

    class Meta(ResponseOutput.Meta):
        fields = [*ResponseOutput.Meta.fields, "resume_token"]

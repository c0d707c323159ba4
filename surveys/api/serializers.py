from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from core.api.serializers import InputSerializer
from surveys.models import Response, Survey, SurveyCollaborator
from surveys.services import resume_token_for

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


ANSWER_KEYS_HELP = (
    "The keys are the question codes of the response's survey version (each "
    'matches `^[a-z][a-z0-9_]{0,39}$`); an "other" text goes under '
    "`<code>__other`. Any other key, or a value its question does not take, "
    "is a 400 naming it in `errors`. See docs/survey-definition.md for each "
    "type's value."
)


class AnswersField(serializers.Field):
    """A JSON object of answers, passed through as it is.

    The answer sheet checks every value against its question (and reports
    errors by question code), so nothing is validated per key here; this also
    keeps the submission path cheap. The schema cannot list a survey's codes,
    so every answers field's description says which keys it takes.
    """

    default_error_messages = {
        "not_a_dict": "Send an object mapping question codes to answers."
    }

    def __init__(self, **kwargs) -> None:
        help_text = kwargs.pop("help_text", "Question code -> answer value.")
        super().__init__(help_text=f"{help_text} {ANSWER_KEYS_HELP}", **kwargs)

    def to_internal_value(self, data: object) -> dict:
        if not isinstance(data, dict):
            self.fail("not_a_dict")
        return data

    def to_representation(self, value: dict) -> dict:
        return value


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
            "public_results",
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


class SurveyUpdateInput(InputSerializer):
    status = serializers.ChoiceField(choices=Survey.Status.choices, required=False)
    access = serializers.ChoiceField(choices=Survey.Access.choices, required=False)
    opens_at = serializers.DateTimeField(required=False, allow_null=True)
    closes_at = serializers.DateTimeField(required=False, allow_null=True)
    response_quota = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=10_000_000
    )
    public_results = serializers.BooleanField(
        required=False,
        help_text="Let anyone, anonymous clients included, read the public summary "
        "of the results (GET /surveys/{slug}/aggregates/ with no segment, and the "
        "page /surveys/{slug}/results/). Ignored while the survey is a draft.",
    )


class VersionOutput(serializers.Serializer):
    slug = serializers.CharField(source="survey.slug")
    number = serializers.IntegerField()
    checksum = serializers.CharField()
    published_at = serializers.DateTimeField()
    definition = serializers.JSONField()


class CollaboratorInput(InputSerializer):
    email = serializers.EmailField(help_text="A researcher's account email.")
    role = serializers.ChoiceField(choices=SurveyCollaborator.Role.choices)


class CollaboratorOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.ChoiceField(choices=SurveyCollaborator.Role.choices)
    added_at = serializers.DateTimeField()


class InvitationsInput(InputSerializer):
    count = serializers.IntegerField(min_value=1, max_value=10_000)
    label = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A moment in the future (a past one is a 400); none: no expiry.",
    )


class InvitationOutput(serializers.Serializer):
    id = serializers.UUIDField(help_text="The invitation's public identifier.")
    token = serializers.CharField(help_text="Shown once; only its hash is stored.")
    url = serializers.URLField()
    expires_at = serializers.DateTimeField(allow_null=True)


class ResponseCreateInput(InputSerializer):
    answers = AnswersField(
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


class ResponseUpdateInput(InputSerializer):
    answers = AnswersField(
        required=False,
        default=dict,
        help_text="Answers to merge in; a null value removes an answer.",
    )
    language = serializers.ChoiceField(choices=LANGUAGE_CODES, required=False)


class ResponseSubmitInput(InputSerializer):
    answers = AnswersField(required=False)


class ResponseVoidInput(InputSerializer):
    reason = serializers.CharField(max_length=2000)


class ResponseBrowseOutput(serializers.Serializer):
    """A response as the researchers browsing a survey see it."""

    id = serializers.UUIDField()
    version = serializers.IntegerField(source="version.number")
    status = serializers.ChoiceField(choices=Response.Status.choices)
    voided = serializers.BooleanField(source="is_voided")
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()
    language = serializers.CharField()
    channel = serializers.ChoiceField(choices=Response.Channel.choices)
    started_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(
        allow_null=True, help_text="Null for a draft."
    )
    answers = AnswersField(help_text="Question code -> answer value.")

    def to_representation(self, instance: Response) -> dict:
        # Built directly, as ResponseOutput is: a page of 50 rows through DRF's
        # fields cost more than its query.
        return {
            "id": str(instance.id),
            "version": instance.version.number,
            "status": instance.status,
            "voided": instance.is_voided,
            "voided_at": _iso(instance.voided_at),
            "void_reason": instance.void_reason,
            "language": instance.language,
            "channel": instance.channel,
            "started_at": _iso(instance.started_at),
            "submitted_at": _iso(instance.submitted_at),
            "answers": instance.answers,
        }


class ResponseOutput(serializers.Serializer):
    # A plain Serializer: a ModelSerializer rebuilds its fields on every use,
    # which is measurable on the submission path.
    id = serializers.UUIDField()
    survey = serializers.CharField(source="survey.slug")
    version = serializers.IntegerField(source="version.number")
    status = serializers.ChoiceField(choices=Response.Status.choices)
    answers = AnswersField(help_text="Question code -> answer value.")
    language = serializers.CharField()
    channel = serializers.ChoiceField(choices=Response.Channel.choices)
    current_page = serializers.CharField()
    started_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    voided = serializers.BooleanField(source="is_voided")

    def to_representation(self, instance: Response) -> dict:
        # Built directly: DRF would deep-copy every declared field per call, a
        # cost that shows on the submission path. The declared fields above
        # still document the shape in the OpenAPI schema.
        return {
            "id": str(instance.id),
            "survey": instance.survey.slug,
            "version": instance.version.number,
            "status": instance.status,
            "answers": instance.answers,
            "language": instance.language,
            "channel": instance.channel,
            "current_page": instance.current_page,
            "started_at": _iso(instance.started_at),
            "updated_at": _iso(instance.updated_at),
            "submitted_at": _iso(instance.submitted_at),
            "voided": instance.is_voided,
        }


class ResponseCreatedOutput(ResponseOutput):
    resume_token = serializers.CharField(
        help_text="Send as the X-Resume-Token header to read, change or submit it."
    )

    def to_representation(self, instance: Response) -> dict:
        return {
            **super().to_representation(instance),
            "resume_token": instance.resume_token,
        }


def response_created_body(response: Response) -> dict:
    """A just-started response with its resume token, as the API returns it."""
    if getattr(response, "resume_token", None) is None:
        response.resume_token = resume_token_for(response.id)
    return ResponseCreatedOutput().to_representation(response)


_DATETIME = serializers.DateTimeField()


def _iso(value):
    """DRF's ISO 8601 rendering of a datetime, without its per-call set-up."""
    if value is None or value.tzinfo is None:
        return None if value is None else _DATETIME.to_representation(value)
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text

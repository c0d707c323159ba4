from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments import benchmarks, flowchart
from assessments.models import (
    CaseStudy,
    Deployment,
    Incident,
    MemberInvitation,
    Membership,
    Organisation,
    Pipeline,
    Project,
    Sprint,
)
from assessments.services.projects import CASE_STUDY_FIELDS
from core.api.history import ChangeOutput
from core.api.serializers import InputSerializer

ROLE_HELP = "Your role in the organisation: owner, member or viewer (null for staff who are not members)."


# --- Organisations ----------------------------------------------------------------


class OrganisationInput(InputSerializer):
    name = serializers.CharField(max_length=120)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class OrganisationOutput(serializers.ModelSerializer):
    role = serializers.CharField(
        source="viewer_role", allow_null=True, help_text=ROLE_HELP
    )

    class Meta:
        model = Organisation
        fields = ["id", "name", "role", "created_at", "updated_at"]
        read_only_fields = fields


class MemberOutput(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.pk")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")

    class Meta:
        model = Membership
        fields = ["user_id", "email", "full_name", "role", "created_at"]
        read_only_fields = fields


class MemberInviteInput(InputSerializer):
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        help_text="Sent the link by e-mail, and only this address may accept it. "
        "Leave empty for a link to share.",
    )
    role = serializers.ChoiceField(
        choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class MemberInvitationOutput(serializers.ModelSerializer):
    # Read-only model fields lose allow_blank in DRF: say it here, or the
    # schema would promise an address on a link made to share.
    email = serializers.CharField(
        allow_blank=True,
        help_text="The only address that may accept; empty for a link to share.",
    )
    token = serializers.CharField(help_text="Shown once: only its hash is stored.")
    link = serializers.CharField(help_text="The page where the invitee accepts.")

    class Meta:
        model = MemberInvitation
        fields = ["id", "email", "role", "created_at", "expires_at", "token", "link"]
        read_only_fields = fields


class MemberUpdateInput(InputSerializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class InvitationAcceptInput(InputSerializer):
    token = serializers.CharField(max_length=128)


class MembershipOutput(serializers.ModelSerializer):
    organisation = serializers.IntegerField(source="organisation_id")

    class Meta:
        model = Membership
        fields = ["organisation", "role", "created_at"]
        read_only_fields = fields


# --- History ------------------------------------------------------------------------


class ActorOutput(serializers.Serializer):
    id = serializers.IntegerField(source="actor_id")
    email = serializers.EmailField(
        source="actor_email",
        allow_null=True,
        help_text="Null once the user is deleted.",
    )


class HistoryEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    model = serializers.ChoiceField(
        choices=[
            "organisation",
            "membership",
            "member_invitation",
            "project",
            "sprint",
            "pipeline",
            "sprint_metrics",
            "case_study",
            "tool",
        ]
    )
    object_id = serializers.IntegerField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    note = serializers.CharField(allow_blank=True)
    changes = ChangeOutput(many=True)

    @extend_schema_field(ActorOutput(allow_null=True))
    def get_actor(self, entry) -> dict | None:
        if entry.actor_id is None:
            return None
        return ActorOutput(entry).data


# --- Projects -------------------------------------------------------------------------


class ProjectInput(InputSerializer):
    organisation = serializers.IntegerField(help_text="The organisation's id.")
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class ProjectUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class ProjectOutput(serializers.ModelSerializer):
    organisation = serializers.IntegerField(source="organisation_id")
    role = serializers.CharField(
        source="viewer_role", allow_null=True, help_text=ROLE_HELP
    )
    current_sprint = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "organisation",
            "name",
            "description",
            "role",
            "current_sprint",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_current_sprint(self, project) -> int | None:
        """The id of the open sprint, if any (annotated by the view)."""
        return getattr(project, "open_sprint_id", None)


class CaseStudyInput(InputSerializer):
    automated_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=list(flowchart.LIFECYCLE_STAGES.items())),
        required=False,
        max_length=6,
    )
    automation_why = serializers.CharField(required=False, allow_blank=True)
    tools = serializers.ListField(
        child=serializers.SlugField(max_length=40),
        required=False,
        max_length=50,
        help_text="Codes of catalogue tools (GET /api/v1/tools/).",
    )
    frameworks = serializers.CharField(required=False, allow_blank=True)
    challenges_technical = serializers.CharField(required=False, allow_blank=True)
    challenges_organisational = serializers.CharField(required=False, allow_blank=True)
    challenges_cultural = serializers.CharField(required=False, allow_blank=True)
    benefits = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class CaseStudyOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    updated_at = serializers.DateTimeField(
        allow_null=True, help_text="Null until the case study is first saved."
    )

    class Meta:
        model = CaseStudy
        fields = ["project", *CASE_STUDY_FIELDS, "updated_at"]
        read_only_fields = fields


class DeploymentInput(InputSerializer):
    deployed_at = serializers.DateTimeField(
        help_text="When the model version went into service."
    )
    committed_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the code or data change it ships was made (for the lead time).",
    )
    model_version = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=120
    )
    failed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Rolled back, hotfixed or caused an incident.",
    )
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=120,
        help_text="Your CI run's id: reporting it again updates the same deployment.",
    )


class DeploymentOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    sprint = serializers.IntegerField(source="sprint_id", allow_null=True)

    class Meta:
        model = Deployment
        fields = [
            "id",
            "project",
            "sprint",
            "deployed_at",
            "committed_at",
            "model_version",
            "failed",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields


class IncidentInput(InputSerializer):
    started_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None
    )
    summary = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=120,
        help_text="Your id for it: reporting it again (say, resolved) updates it.",
    )
    deployment_external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=120,
        help_text="The external_id of the deployment that caused it.",
    )


class IncidentOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    sprint = serializers.IntegerField(source="sprint_id", allow_null=True)
    deployment = serializers.IntegerField(source="deployment_id", allow_null=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "project",
            "sprint",
            "deployment",
            "started_at",
            "resolved_at",
            "summary",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields


class MetricValueOutput(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    source = serializers.ChoiceField(choices=["entered", "derived"], allow_null=True)
    label = serializers.ChoiceField(
        choices=list(benchmarks.LABELS),
        allow_null=True,
        help_text="From the benchmark table named by benchmark_version.",
    )


class SprintMetricValuesOutput(serializers.Serializer):
    deployments_per_week = MetricValueOutput()
    lead_time_hours = MetricValueOutput()
    change_failure_rate = MetricValueOutput(help_text="A share, from 0 to 1.")
    time_to_restore_hours = MetricValueOutput()


class SprintMetricsRowOutput(serializers.Serializer):
    sprint = serializers.IntegerField(source="sprint.pk")
    number = serializers.IntegerField(source="sprint.number")
    state = serializers.CharField(source="sprint.state")
    started_at = serializers.DateTimeField(source="sprint.started_at")
    completed_at = serializers.DateTimeField(
        source="sprint.completed_at", allow_null=True
    )
    length_days = serializers.FloatField(
        help_text="Sprint length, so far for an open one."
    )
    deployments = serializers.IntegerField()
    incidents = serializers.IntegerField()
    metrics = SprintMetricValuesOutput()


class ProjectMetricsOutput(serializers.Serializer):
    benchmark_version = serializers.CharField()
    sprints = SprintMetricsRowOutput(many=True)


class MaturitySnapshotOutput(serializers.Serializer):
    sprint = serializers.IntegerField(source="sprint_id", allow_null=True)
    sprint_number = serializers.IntegerField(allow_null=True)
    respondents = serializers.IntegerField(source="n")
    profile = serializers.SerializerMethodField(
        help_text="The organisation profile: median per item, alignment gaps."
    )

    @extend_schema_field(serializers.DictField())
    def get_profile(self, snapshot) -> dict:
        return snapshot.profile.to_dict()


class ProjectMaturityOutput(serializers.Serializer):
    snapshots = MaturitySnapshotOutput(many=True, help_text="Oldest first.")
    cohort = serializers.DictField(
        child=serializers.DictField(),
        help_text="Per dimension, the survey cohort's median score and level.",
    )
    scope_suggestion = serializers.DictField(allow_null=True)


class MaturityInviteInput(InputSerializer):
    members = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        max_length=50,
        help_text="User ids of members to name on the links.",
    )
    count = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=50, help_text="Unnamed links."
    )


class MaturityLinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sprint = serializers.IntegerField(allow_null=True)
    member = serializers.IntegerField(allow_null=True)
    token = serializers.CharField()
    link = serializers.CharField(
        help_text="Shown once: the questionnaire for this project."
    )


# --- Sprints --------------------------------------------------------------------------


class PipelineInput(InputSerializer):
    name = serializers.CharField(max_length=120)
    stage = serializers.ChoiceField(choices=list(flowchart.LIFECYCLE_STAGES.items()))
    tools = serializers.ListField(
        child=serializers.SlugField(max_length=40), required=False, max_length=30
    )
    repository_url = serializers.URLField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class PipelineOutput(serializers.ModelSerializer):
    sprint = serializers.IntegerField(source="sprint_id")

    class Meta:
        model = Pipeline
        fields = [
            "id",
            "sprint",
            "name",
            "stage",
            "tools",
            "repository_url",
            "description",
            "created_at",
        ]
        read_only_fields = fields


class StepDataInput(InputSerializer):
    """The data of the step the sprint is in (only that step's fields)."""

    objective = serializers.CharField(
        required=False, allow_blank=True, help_text="Scope: what will be solved."
    )
    approach = serializers.CharField(
        required=False, allow_blank=True, help_text="Scope: how."
    )
    delivery = serializers.CharField(
        required=False, allow_blank=True, help_text="Scope: how it will be delivered."
    )
    target_dimensions = serializers.ListField(
        child=serializers.CharField(max_length=8),
        required=False,
        max_length=8,
        help_text="Scope: the bottleneck's maturity dimensions (D1-D8).",
    )
    target_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=list(flowchart.LIFECYCLE_STAGES.items())),
        required=False,
        max_length=6,
    )
    target_items = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=32,
        help_text="Scope: maturity items to move (e.g. d6_2).",
    )
    pipelines = PipelineInput(
        many=True, required=False, help_text="Pipelines: the ones created."
    )
    evidence = serializers.CharField(required=False, allow_blank=True)
    metric_name = serializers.CharField(
        required=False, allow_blank=True, max_length=120
    )
    metric_before = serializers.FloatField(required=False, allow_null=True)
    metric_after = serializers.FloatField(required=False, allow_null=True)
    result = serializers.ChoiceField(
        choices=list(flowchart.RESULTS.items()), required=False, allow_blank=True
    )
    monitored = serializers.ListField(
        child=serializers.ChoiceField(choices=list(flowchart.MONITORED.items())),
        required=False,
        max_length=4,
    )
    cicd = serializers.CharField(required=False, allow_blank=True)
    maintenance_reason = serializers.ChoiceField(
        choices=list(flowchart.MAINTENANCE_REASONS.items()),
        required=False,
        allow_blank=True,
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Not a field of any step."] for name in sorted(unknown)}
                )
        return super().to_internal_value(data)


class SprintCreateInput(InputSerializer):
    project = serializers.IntegerField()
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class SprintUpdateInput(InputSerializer):
    data = StepDataInput()
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class TransitionInput(InputSerializer):
    to = serializers.ChoiceField(choices=list(flowchart.STATE_LABELS.items()))
    data = StepDataInput(required=False, help_text="The data of the step being left.")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )
    expected_state = serializers.ChoiceField(
        choices=list(flowchart.STATE_LABELS.items()),
        required=False,
        help_text="Refuse (409) if the sprint is no longer in this state.",
    )


class SprintOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    # Read-only model fields lose allow_blank in DRF, and with it the empty
    # value in the schema's enum: these are empty until a step sets them.
    opened_for = serializers.ChoiceField(
        choices=flowchart.REASON_CHOICES,
        allow_blank=True,
        help_text="The maintenance reason carried from the previous sprint; "
        "empty for a sprint not opened for maintenance.",
    )
    result = serializers.ChoiceField(
        choices=list(flowchart.RESULTS.items()),
        allow_blank=True,
        help_text="Empty until the verification step records one.",
    )
    maintenance_reason = serializers.ChoiceField(
        choices=flowchart.REASON_CHOICES,
        allow_blank=True,
        help_text="Empty unless the sprint needs maintenance.",
    )
    organisation = serializers.IntegerField(source="project.organisation_id")
    step = serializers.IntegerField(
        allow_null=True, help_text="1-5; null once completed."
    )
    allowed_transitions = serializers.SerializerMethodField()
    previous = serializers.IntegerField(source="previous_id", allow_null=True)
    next_sprint = serializers.SerializerMethodField()
    pipelines = PipelineOutput(many=True)
    role = serializers.CharField(
        source="viewer_role", allow_null=True, help_text=ROLE_HELP
    )

    class Meta:
        model = Sprint
        fields = [
            "id",
            "project",
            "organisation",
            "number",
            "state",
            "step",
            "allowed_transitions",
            "previous",
            "next_sprint",
            "opened_for",
            "objective",
            "approach",
            "delivery",
            "target_dimensions",
            "target_stages",
            "target_items",
            "pipelines",
            "evidence",
            "metric_name",
            "metric_before",
            "metric_after",
            "result",
            "monitored",
            "cicd",
            "needs_maintenance",
            "maintenance_reason",
            "started_at",
            "completed_at",
            "updated_at",
            "role",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, sprint) -> list[str]:
        return list(flowchart.TRANSITIONS[sprint.state])

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_next_sprint(self, sprint) -> int | None:
        following = Sprint.objects.filter(previous_id=sprint.pk).values_list(
            "pk", flat=True
        )
        return following.first() if sprint.needs_maintenance else None


class SprintMetricsInput(InputSerializer):
    deployments_per_week = serializers.FloatField(
        required=False, allow_null=True, min_value=0
    )
    lead_time_hours = serializers.FloatField(
        required=False, allow_null=True, min_value=0
    )
    change_failure_rate = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=1
    )
    time_to_restore_hours = serializers.FloatField(
        required=False, allow_null=True, min_value=0
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )

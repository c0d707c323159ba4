from rest_framework import serializers

from reports.models import ResponseProfile
from reports.profiles import PROFILE_CONTENT


class DimensionOutput(serializers.Serializer):
    code = serializers.CharField()
    score = serializers.FloatField(
        allow_null=True, help_text="S: sum of item points, 0-4."
    )
    level = serializers.FloatField(
        allow_null=True, help_text="L: the ladder level, 0-4."
    )
    assessed = serializers.BooleanField()
    flagged_items = serializers.ListField(child=serializers.CharField())
    na_items = serializers.ListField(child=serializers.CharField())


class DescriptiveOutput(serializers.Serializer):
    tools = serializers.ListField(child=serializers.CharField())
    open_source_share = serializers.FloatField(allow_null=True)
    valued_stages = serializers.ListField(child=serializers.CharField())


class ProfileOutput(serializers.ModelSerializer):
    response = serializers.UUIDField(source="response_id")
    version = serializers.IntegerField(source="version.number")
    dimensions = DimensionOutput(many=True)
    flagged = serializers.ListField(child=serializers.CharField())
    descriptive = DescriptiveOutput()

    class Meta:
        model = ResponseProfile
        fields = ["response", "version", *PROFILE_CONTENT, "computed_at"]


class AggregatesQueryInput(serializers.Serializer):
    segment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="A single-choice question code, two joined by a comma "
        '("role,experience_years"), or empty for all responses.',
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The version number; the current version by default.",
    )


class AggregatesOutput(serializers.Serializer):
    FULL = "full"
    PUBLIC = "public"

    survey = serializers.CharField()
    version = serializers.IntegerField()
    segment = serializers.CharField(allow_blank=True)
    n = serializers.IntegerField(
        help_text="Responses in one of the segment's groups (staff only; "
        "null in a suppressed cell)."
    )
    computed_at = serializers.DateTimeField()
    min_cell_size = serializers.IntegerField(
        help_text="Cells computed from fewer responses are suppressed for "
        "everyone but staff."
    )
    scope = serializers.ChoiceField(
        choices=[FULL, PUBLIC],
        help_text='"full" for the survey\'s owner and staff; "public" for the '
        "public summary anyone may read where the survey allows it: the segment "
        '"" only, its maturity cells and the counts of multiple-choice and '
        "ranking questions, every cell under min_cell_size suppressed.",
    )
    groups = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        help_text='Each group ("all" for the segment "", a value, or a pair of '
        'values "a,b") with its cells: n, dimensions, overall, breadth, items, '
        "questions and tools. A suppressed cell reads "
        '{"suppressed": true, "n": null, "reason": "fewer than k responses"}.',
    )


class DashboardDayOutput(serializers.Serializer):
    started = serializers.IntegerField()
    submitted = serializers.IntegerField()


class DashboardDurationOutput(serializers.Serializer):
    n = serializers.IntegerField(help_text="Submitted responses timed.")
    q1 = serializers.FloatField(allow_null=True, help_text="Minutes.")
    median = serializers.FloatField(allow_null=True, help_text="Minutes.")
    q3 = serializers.FloatField(allow_null=True, help_text="Minutes.")


class DashboardOutput(serializers.Serializer):
    """What the dashboard shows beside the aggregates, as stored by the last refresh."""

    survey = serializers.CharField()
    version = serializers.IntegerField()
    computed_at = serializers.DateTimeField()
    min_cell_size = serializers.IntegerField()
    started = serializers.IntegerField(
        help_text="Responses started (drafts and submitted, voided left out)."
    )
    submitted = serializers.IntegerField(help_text="Submitted, not voided.")
    days = serializers.DictField(
        child=DashboardDayOutput(),
        help_text='Per day ("2026-05-01", the site\'s time zone): responses '
        "started and submitted. Days without any are left out.",
    )
    pages = serializers.ListField(
        child=serializers.CharField(), help_text="Page codes, in order."
    )
    funnel = serializers.DictField(
        child=serializers.IntegerField(),
        help_text='Responses by the furthest page reached: "0" none answered, '
        '"1" the first page, ...; a submitted response reached the last page. '
        "Reached page p = the sum over keys >= p.",
    )
    derived = serializers.IntegerField(
        help_text="Drafts whose furthest page comes from their answers (API "
        "drafts store no page)."
    )
    duration = DashboardDurationOutput()
    bottlenecks = serializers.DictField(
        help_text='Responses by bottleneck dimension code ("" none). For '
        "everyone but staff, "
        '{"suppressed": true, "n": null, ...} under min_cell_size responses.'
    )

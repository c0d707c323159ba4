from rest_framework import serializers

from reports.models import ResponseProfile


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
        fields = [
            "response",
            "version",
            "scoring_version",
            "overall_level",
            "breadth",
            "bottleneck",
            "dimensions",
            "flagged",
            "descriptive",
            "computed_at",
        ]

"""Stored results: each submitted response's maturity profile.

Profiles are computed by Celery after a submission and read as they are, so
pages and the API never score on request.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResponseProfile(models.Model):
    response = models.OneToOneField(
        "surveys.Response",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
    )
    version = models.ForeignKey(
        "surveys.SurveyVersion", on_delete=models.CASCADE, related_name="+"
    )
    scoring_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("The scoring rules' version; empty without rules."),
    )
    overall_level = models.FloatField(null=True, blank=True)
    breadth = models.FloatField(null=True, blank=True)
    bottleneck = models.CharField(max_length=40, blank=True)
    dimensions = models.JSONField(default=list, blank=True)
    flagged = models.JSONField(default=list, blank=True)
    descriptive = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["version", "overall_level"], name="profile_version_level"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall_level__isnull=True)
                | models.Q(overall_level__gte=0, overall_level__lte=10),
                name="profile_level_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"profile of {self.response_id}"

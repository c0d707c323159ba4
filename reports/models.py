"""Stored results: each submitted response's maturity profile, cohort
aggregates, and the tool catalogue.

Profiles are computed by Celery after a submission and read as they are, so
pages and the API never score on request.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import tracked_history

# The paper's criteria (Figure 2) a tool is rated on, besides being open source.
CRITERIA = (
    "data_versioning",
    "continuous_integration",
    "training",
    "pipeline_automation",
    "orchestrator",
    "monitoring",
)


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

    @property
    def scores(self) -> dict[str, Any]:
        """The scored part, as ``presentation.profile_context`` takes it."""
        return {
            "dimensions": self.dimensions,
            "overall_level": self.overall_level,
            "breadth": self.breadth,
            "bottleneck": self.bottleneck,
            "flagged": self.flagged,
        }


class CohortAggregate(models.Model):
    """A stored snapshot of one segment's cohort aggregates for a survey version.

    ``data`` maps each group of the segment (a value of its question, a pair
    of values "a,b" for two questions, or "all" for the segment "") to the
    group's cells, as ``reports.aggregation.group_cells`` builds them, for
    staff. ``public_data`` is the same with every cell computed from fewer than
    ``min_cell_size`` responses suppressed, for everyone else; both are stored
    so that a read is a single row, served as it is.
    """

    version = models.ForeignKey(
        "surveys.SurveyVersion", on_delete=models.CASCADE, related_name="+"
    )
    segment = models.CharField(
        max_length=100,
        blank=True,
        help_text=_(
            "Empty for all responses, a single-choice question code, or two "
            'codes joined by a comma ("role,experience_years").'
        ),
    )
    n = models.PositiveIntegerField(
        default=0, help_text=_("Responses that fall in one of the segment's groups.")
    )
    data = models.JSONField(default=dict, blank=True)
    public_data = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("data, with the cells under min_cell_size suppressed."),
    )
    min_cell_size = models.PositiveSmallIntegerField(
        default=5, help_text=_("The privacy threshold public_data was built with.")
    )
    computed_at = models.DateTimeField(
        help_text=_("When the computation started reading the responses.")
    )
    source_count = models.PositiveIntegerField(
        default=0,
        help_text=_("Submitted, non-voided responses of the version, before reading."),
    )
    source_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("The latest submission or void of the version, before reading."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "segment"], name="aggregate_segment_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"aggregates of version {self.version_id} by {self.segment or 'all'}"


class Tool(models.Model):
    """An entry of the tool catalogue: how far a tool meets each of the paper's criteria.

    Seeded from the paper's Figure 2 (``reports/data/tool-matrix.csv``) and the
    platforms the reference questionnaire lists; staff correct and extend it,
    and every change is kept in its history.
    """

    class Source(models.TextChoices):
        PAPER = "paper", _("The paper's tool matrix")
        PLATFORM = "platform", _("Listed by the reference questionnaire")
        STAFF = "staff", _("Added by staff")

    class Rating(models.TextChoices):
        PRESENT = "present", _("Present")
        PARTIAL = "partial", _("Partial")
        ABSENT = "absent", _("Absent")
        UNKNOWN = "", _("Not rated")

    code = models.SlugField(
        max_length=40,
        unique=True,
        help_text=_("Stable code, as in the questionnaire's tool choices."),
    )
    name = models.CharField(_("name"), max_length=120)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.STAFF
    )
    data_versioning = models.CharField(
        _("data versioning"), max_length=7, choices=Rating.choices, blank=True
    )
    continuous_integration = models.CharField(
        _("continuous integration"), max_length=7, choices=Rating.choices, blank=True
    )
    training = models.CharField(
        _("training"), max_length=7, choices=Rating.choices, blank=True
    )
    pipeline_automation = models.CharField(
        _("pipeline automation"), max_length=7, choices=Rating.choices, blank=True
    )
    orchestrator = models.CharField(
        _("orchestration"), max_length=7, choices=Rating.choices, blank=True
    )
    monitoring = models.CharField(
        _("monitoring"), max_length=7, choices=Rating.choices, blank=True
    )
    open_source = models.BooleanField(
        _("open source"), null=True, blank=True, help_text=_("Empty when not known.")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked_history()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    **{f"{criterion}__in": ["present", "partial", "absent", ""]}
                ),
                name=f"tool_{criterion}_rating",
            )
            for criterion in CRITERIA
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ratings(self) -> dict[str, str]:
        """Criterion -> present / partial / absent ("" when not rated)."""
        return {criterion: getattr(self, criterion) for criterion in CRITERIA}


class Export(models.Model):
    """One export of a survey's data: the job, its file, and its log entry.

    The row outlives the file: once the file expires (``EXPORT_RETENTION_DAYS``)
    it stays as the record of who exported what, with which filters, and when.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")
        JSONL = "jsonl", _("JSON Lines")
        PARQUET = "parquet", _("Parquet")
        SAV = "sav", _("SPSS (.sav)")
        DATAPACKAGE = "datapackage", _("Frictionless Data Package (zip)")

    class Layout(models.TextChoices):
        WIDE = "wide", _("Wide: one row per response")
        LONG = "long", _("Long: one row per answer")
        CODEBOOK = "codebook", _("Codebook only")
        AGGREGATES = "aggregates", _("Cohort aggregates")

    # Not sequential: an id tells nothing of how many exports exist.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(
        "surveys.Survey", on_delete=models.CASCADE, related_name="exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    format = models.CharField(max_length=12, choices=Format.choices)
    layout = models.CharField(max_length=12, choices=Layout.choices)
    filters = models.JSONField(default=dict, blank=True)
    bom = models.BooleanField(default=False, help_text=_("CSV: start with a BOM."))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    size = models.BigIntegerField(default=0)
    checksum = models.CharField(max_length=64, blank=True, help_text=_("SHA-256."))
    error = models.TextField(blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The survey's export list, newest first.
            models.Index(
                fields=["survey", "-created_at"], name="export_survey_created"
            ),
            # The expiry task's scan.
            models.Index(fields=["status", "expires_at"], name="export_status_expires"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="export_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.survey_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.DONE,
            self.Status.FAILED,
            self.Status.CANCELLED,
            self.Status.EXPIRED,
        }


class Release(models.Model):
    """A frozen, numbered, citable bundle of a survey's data.

    Immutable once built: its files (data in the chosen formats, codebook,
    definition and scoring rules as published, README, CITATION.cff) are kept
    with a SHA-256 each and served byte for byte; a new release gets the next
    number.
    """

    class Status(models.TextChoices):
        BUILDING = "building", _("Building")
        DONE = "done", _("Published")
        FAILED = "failed", _("Failed")

    survey = models.ForeignKey(
        "surveys.Survey", on_delete=models.PROTECT, related_name="releases"
    )
    number = models.PositiveIntegerField()
    version = models.ForeignKey(
        "surveys.SurveyVersion", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    formats = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(
        default=timezone.now,
        help_text=_("Responses submitted up to this moment are included."),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.BUILDING
    )
    responses = models.PositiveIntegerField(default=0)
    files = models.JSONField(
        default=list, blank=True, help_text=_("Each file's name, size and SHA-256.")
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["survey", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "number"], name="release_number_per_survey"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} release {self.number}"

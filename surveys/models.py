"""Surveys, their immutable versions, invitations and responses.

Storage design: a version keeps its whole definition as one JSON document (the
source of truth, parsed once per process and cached); pages and questions are
also materialised as rows at publication so they can be queried and linked
(tags, codebooks). A response keeps its answers as one JSON document keyed by
question code, so saving or submitting a response is a single-row write
whatever the number of questions, and aggregation reads one column with
set-based SQL (``jsonb_each_text``) or COPY.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def hash_token(token: str) -> str:
    """Hash a bearer token for storage: only the holder keeps the clear value."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    # Hex, so that no token starts with a character a spreadsheet reads as a formula.
    return secrets.token_hex(32)


def translate(text: dict[str, str] | None, language: str | None = None) -> str:
    """Pick the text in the active language, falling back to English, then any."""
    if not text:
        return ""
    language = (language or get_language() or "en").lower()
    return text.get(language) or text.get("en") or next(iter(text.values()))


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Access(models.TextChoices):
        PUBLIC = "public", _("Public link")
        INVITATION = "invitation", _("Invitation only")

    slug = models.SlugField(max_length=60, unique=True)
    title = models.JSONField(default=dict, help_text=_("Title per language."))
    description = models.JSONField(default=dict, blank=True)
    consent = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    access = models.CharField(
        max_length=12, choices=Access.choices, default=Access.PUBLIC
    )
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    response_quota = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Stop accepting submissions after this many."),
    )
    public_results = models.BooleanField(
        default=False,
        help_text=_(
            "Let anyone read a summary of the results (all responses, small "
            "groups suppressed) once the survey is out of draft."
        ),
    )
    current_version = models.ForeignKey(
        "SurveyVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surveys"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="survey_dates_ordered",
                violation_error_message=_(
                    "The closing date must be after the opening date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def display_title(self) -> str:
        return translate(self.title) or self.slug

    @property
    def results_are_public(self) -> bool:
        """Whether anyone may read the public summary of the results.

        A draft's results are never public: it is still being tried out.
        """
        return self.public_results and self.status != self.Status.DRAFT


class SurveyCollaborator(models.Model):
    """Another researcher the owner lets into a survey's results, or its editing.

    A viewer reads the dashboards, browses the responses and exports them; an
    editor may also change the survey (publish, open and close, invite) and
    void responses. Sharing and personal data stay with the owner and staff.
    """

    class Role(models.TextChoices):
        VIEWER = "viewer", _("Viewer")
        EDITOR = "editor", _("Editor")

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="collaborators"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="survey_collaborations",
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["survey", "added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"], name="collaborator_once_per_survey"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug}: {self.user_id} ({self.role})"


class SurveyVersion(models.Model):
    """A published definition. Immutable: a change publishes a new version."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    checksum = models.CharField(
        max_length=64, help_text=_("SHA-256 of the definition.")
    )
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "number"], name="version_number_per_survey"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.pop("force_edit", False):
            raise ValueError("A published survey version is immutable.")
        super().save(*args, **kwargs)


class Page(models.Model):
    version = models.ForeignKey(
        SurveyVersion, on_delete=models.CASCADE, related_name="pages"
    )
    code = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()
    title = models.JSONField(default=dict)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="page_code_per_version"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Question(models.Model):
    """A question row, materialised from the definition for queries and links."""

    version = models.ForeignKey(
        SurveyVersion, on_delete=models.CASCADE, related_name="questions"
    )
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=20)
    text = models.JSONField(default=dict)
    required = models.BooleanField(default=False)
    tags = models.JSONField(default=list, blank=True)
    spec = models.JSONField(help_text=_("The question as written in the definition."))

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="question_code_per_version"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Invitation(models.Model):
    """A single-use link. Only the token's hash is stored."""

    # What clients see of an invitation: a sequential id would tell how many
    # invitations exist. PostgreSQL draws it, for existing rows too.
    public_id = models.UUIDField(db_default=RandomUUID(), unique=True, editable=False)
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True, help_text=_("A batch name."))
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.survey.slug} invitation {self.pk}"

    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class ResponseQuerySet(models.QuerySet):
    """Responses, with the one rule of which of them count in results."""

    @staticmethod
    def counted_condition(relation: str = "") -> Q:
        """The condition of ``counted``, as seen through ``relation`` if given.

        For filters on another model (``relation="response"``) and for
        conditional aggregates (``Count(..., filter=...)``).
        """
        prefix = f"{relation}__" if relation else ""
        return Q(
            **{
                f"{prefix}status": Response.Status.SUBMITTED,
                f"{prefix}voided_at__isnull": True,
            }
        )

    def counted(self, *, version_id: int | None = None) -> ResponseQuerySet:
        """Responses that count in profiles and aggregates: submitted, not voided."""
        counted = self.filter(self.counted_condition())
        return counted if version_id is None else counted.filter(version_id=version_id)


class Response(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No single-column indexes on survey and version: the composite indexes
    # below start with them, and every index costs each submission's INSERT.
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    version = models.ForeignKey(
        SurveyVersion,
        on_delete=models.PROTECT,
        related_name="responses",
        db_index=False,
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    answers = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10, default="en")
    channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    current_page = models.CharField(max_length=40, blank=True)
    # Unique through Meta.constraints: unique=True would add a second,
    # pattern-matching index on PostgreSQL that no lookup uses.
    resume_token_hash = models.CharField(max_length=64)
    invitation = models.OneToOneField(
        Invitation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="response",
        help_text=_("One response per invitation, enforced by the database."),
    )
    idempotency_key = models.CharField(max_length=100, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # read only when a user is deleted; not worth an index
    )

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["version", "status"], name="response_version_status"),
            models.Index(
                fields=["survey", "status", "submitted_at"],
                name="response_survey_status",
            ),
            # The response browser's drafts, newest start first (a cursor on
            # started_at, ties by id). Partial: only drafts are in it, so a
            # response created submitted never pays for it, and a submission
            # takes its row out of it.
            models.Index(
                fields=["survey", "started_at", "id"],
                condition=Q(status="draft"),
                name="response_survey_draft_started",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resume_token_hash"], name="response_resume_token_hash_unique"
            ),
            models.UniqueConstraint(
                fields=["survey", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="response_idempotency_key_per_survey",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="response_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | Q(status="submitted"),
                name="response_only_submitted_voided",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class ResponseVoidEvent(models.Model):
    """One void or un-void of a response: who, when and why.

    The response row holds only its current state (``voided_at`` and friends);
    this log keeps every change, written by the same service in the same
    transaction. A table of its own rather than django-simple-history on
    ``Response``: that would add a history row to every draft save and
    submission, the write path that must stay cheapest.
    """

    class Action(models.TextChoices):
        VOID = "void", _("Voided")
        UNVOID = "unvoid", _("Un-voided")

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="void_events"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # read only when a user is deleted; not worth an index
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["response", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="void_event_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.response_id} at {self.at:%Y-%m-%d %H:%M}"

"""Organisations, their ML projects, adoption sprints (the paper's flowchart),
case studies, delivery records and the links to maturity questionnaires.

Every model a team edits keeps its history (``core.history``): organisations,
memberships, projects, sprints, pipelines, case studies and sprint metrics.
Deployments and incidents are records of events themselves.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import flowchart
from core.history import tracked_history

INVITATION_DAYS = 14


def _choices(labels: dict) -> list[tuple[str, str]]:
    return list(labels.items())


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked_history()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")
        VIEWER = "viewer", _("Viewer")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=Role.choices, default=Role.MEMBER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = tracked_history()

    class Meta:
        ordering = ["organisation", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                name="membership_once_per_organisation",
                violation_error_message=_("This person is already a member."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "member", "viewer"]),
                name="membership_role_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"

    @property
    def can_edit(self) -> bool:
        """Owners and members change projects and sprints; viewers only read."""
        return self.role in (self.Role.OWNER, self.Role.MEMBER)


def _invitation_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=INVITATION_DAYS)


class MemberInvitation(models.Model):
    """A single-use link to join an organisation; only the token's hash is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="member_invitations"
    )
    email = models.EmailField(
        blank=True, help_text=_("Sent by e-mail when given; else share the link.")
    )
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    history = tracked_history(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(accepted_by__isnull=False),
                name="member_invitation_accepted_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation to {self.organisation}"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class Project(models.Model):
    """An ML project of an organisation: the unit that runs sprints."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked_history()

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="project_name_per_organisation",
                violation_error_message=_(
                    "The organisation already has a project with this name."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Sprint(models.Model):
    """One pass through the flowchart; its fields hold each step's data."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="sprints"
    )
    number = models.PositiveIntegerField(_("number"))
    state = models.CharField(
        _("step"),
        max_length=24,
        choices=_choices(flowchart.STATE_LABELS),
        default=flowchart.SCOPE,
    )
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous sprint"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_sprint",
        help_text=_("The sprint whose maintenance decision opened this one."),
    )
    opened_for = models.CharField(
        _("opened for"),
        max_length=32,
        choices=_choices(flowchart.MAINTENANCE_REASONS),
        blank=True,
        help_text=_("The maintenance reason carried from the previous sprint."),
    )
    # Step 1: objective and scope.
    objective = models.TextField(_("what will be solved"), blank=True)
    approach = models.TextField(_("how it will be solved"), blank=True)
    delivery = models.TextField(_("how it will be delivered"), blank=True)
    target_dimensions = ArrayField(
        models.CharField(max_length=8),
        verbose_name=_("bottleneck dimensions"),
        default=list,
        blank=True,
    )
    target_stages = ArrayField(
        models.CharField(max_length=32, choices=_choices(flowchart.LIFECYCLE_STAGES)),
        verbose_name=_("bottleneck lifecycle stages"),
        default=list,
        blank=True,
    )
    target_items = ArrayField(
        models.CharField(max_length=40),
        verbose_name=_("target practices"),
        default=list,
        blank=True,
    )
    # Step 3: verification.
    evidence = models.TextField(_("evidence"), blank=True)
    metric_name = models.CharField(_("metric"), max_length=120, blank=True)
    metric_before = models.FloatField(_("before"), null=True, blank=True)
    metric_after = models.FloatField(_("after"), null=True, blank=True)
    result = models.CharField(
        _("result"), max_length=16, choices=_choices(flowchart.RESULTS), blank=True
    )
    # Step 4: monitoring.
    monitored = ArrayField(
        models.CharField(max_length=24, choices=_choices(flowchart.MONITORED)),
        verbose_name=_("monitored"),
        default=list,
        blank=True,
    )
    cicd = models.TextField(_("CI/CD in place"), blank=True)
    # Step 5: the maintenance decision.
    needs_maintenance = models.BooleanField(
        _("needs maintenance"), null=True, blank=True
    )
    maintenance_reason = models.CharField(
        _("maintenance reason"),
        max_length=32,
        choices=_choices(flowchart.MAINTENANCE_REASONS),
        blank=True,
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked_history()

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="sprint_number_per_project"
            ),
            # The flowchart is one loop: a project runs one sprint at a time.
            models.UniqueConstraint(
                fields=["project"],
                condition=~Q(state=flowchart.COMPLETED),
                name="one_open_sprint_per_project",
                violation_error_message=_("The project already has an open sprint."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=list(flowchart.STATES)),
                name="sprint_state_known",
            ),
            models.CheckConstraint(
                condition=Q(state=flowchart.COMPLETED, completed_at__isnull=False)
                | (~Q(state=flowchart.COMPLETED) & Q(completed_at__isnull=True)),
                name="sprint_completed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True)
                | Q(completed_at__gte=F("started_at")),
                name="sprint_dates_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(needs_maintenance=True) | ~Q(maintenance_reason=""),
                name="sprint_maintenance_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} sprint {self.number}"

    @property
    def is_open(self) -> bool:
        return self.state != flowchart.COMPLETED

    @property
    def step(self) -> int | None:
        return flowchart.step_number(self.state)


class Pipeline(models.Model):
    """A pipeline a sprint created: which lifecycle stage it automates, with what."""

    sprint = models.ForeignKey(
        Sprint, on_delete=models.CASCADE, related_name="pipelines"
    )
    name = models.CharField(_("name"), max_length=120)
    stage = models.CharField(
        _("lifecycle stage"),
        max_length=32,
        choices=_choices(flowchart.LIFECYCLE_STAGES),
    )
    tools = ArrayField(
        models.SlugField(max_length=40),
        verbose_name=_("tools"),
        default=list,
        blank=True,
        help_text=_("Codes of catalogue tools."),
    )
    repository_url = models.URLField(_("repository"), blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked_history()

    class Meta:
        ordering = ["sprint", "created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class CaseStudy(models.Model):
    """A project's case study, in the shape of the paper's four questions."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="case_study"
    )
    automated_stages = ArrayField(
        models.CharField(max_length=32, choices=_choices(flowchart.LIFECYCLE_STAGES)),
        verbose_name=_("automated lifecycle stages"),
        default=list,
        blank=True,
    )
    automation_why = models.TextField(_("why these stages"), blank=True)
    tools = ArrayField(
        models.SlugField(max_length=40),
        verbose_name=_("tools"),
        default=list,
        blank=True,
    )
    frameworks = models.TextField(
        _("other tools, frameworks and platforms"), blank=True
    )
    challenges_technical = models.TextField(_("technical challenges"), blank=True)
    challenges_organisational = models.TextField(
        _("organisational challenges"), blank=True
    )
    challenges_cultural = models.TextField(_("cultural challenges"), blank=True)
    benefits = models.TextField(_("benefits perceived"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked_history()

    class Meta:
        verbose_name_plural = "case studies"

    def __str__(self) -> str:
        return f"case study of {self.project}"


class SprintMetrics(models.Model):
    """Delivery metrics entered for a sprint (raw values, DORA adapted to models).

    Values left empty are derived from the deployments and incidents recorded
    during the sprint, when there are any.
    """

    sprint = models.OneToOneField(
        Sprint, on_delete=models.CASCADE, related_name="metrics"
    )
    deployments_per_week = models.FloatField(
        _("deployments per week"), null=True, blank=True
    )
    lead_time_hours = models.FloatField(
        _("lead time for changes (hours)"), null=True, blank=True
    )
    change_failure_rate = models.FloatField(
        _("change failure rate"),
        null=True,
        blank=True,
        help_text=_("A share, from 0 to 1."),
    )
    time_to_restore_hours = models.FloatField(
        _("time to restore (hours)"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked_history()

    class Meta:
        verbose_name_plural = "sprint metrics"
        constraints = [
            models.CheckConstraint(
                condition=Q(change_failure_rate__isnull=True)
                | Q(change_failure_rate__gte=0, change_failure_rate__lte=1),
                name="metrics_failure_rate_is_a_share",
                violation_error_message=_("The change failure rate is from 0 to 1."),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0}),
                    name=f"metrics_{name}_not_negative",
                )
                for name in (
                    "deployments_per_week",
                    "lead_time_hours",
                    "time_to_restore_hours",
                )
            ],
        ]

    def __str__(self) -> str:
        return f"metrics of {self.sprint}"


class DeliveryEvent(models.Model):
    """What deployments and incidents share: their project, the sprint running
    when they happened, and the reporter's own id for them."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    sprint = models.ForeignKey(
        Sprint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="%(class)ss",
        help_text=_("The sprint running when it happened."),
    )
    external_id = models.CharField(
        max_length=120,
        blank=True,
        help_text=_(
            "The reporter's id (a CI run's): a repeated report updates, never duplicates."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["project", "external_id"],
                condition=~Q(external_id=""),
                name="%(class)s_external_id_per_project",
            ),
        ]


class Deployment(DeliveryEvent):
    """A model release, reported by hand or by a CI pipeline."""

    deployed_at = models.DateTimeField(default=timezone.now)
    committed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the code or data change it ships was made (lead time)."),
    )
    model_version = models.CharField(max_length=120, blank=True)
    failed = models.BooleanField(
        default=False,
        help_text=_("Rolled back, hotfixed or caused an incident."),
    )

    class Meta(DeliveryEvent.Meta):
        ordering = ["project", "deployed_at"]
        indexes = [
            # Metrics read a project's deployments by time.
            models.Index(fields=["project", "deployed_at"], name="deployment_by_time")
        ]
        constraints = [
            *DeliveryEvent.Meta.constraints,
            models.CheckConstraint(
                condition=Q(committed_at__isnull=True)
                | Q(committed_at__lte=F("deployed_at")),
                name="deployment_commit_before_deploy",
                violation_error_message=_(
                    "The change must be committed before it is deployed."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"deployment of {self.project} at {self.deployed_at:%Y-%m-%d %H:%M}"


class Incident(DeliveryEvent):
    """A production failure of a project's model, and when service was restored."""

    deployment = models.ForeignKey(
        Deployment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        help_text=_("The deployment that caused it, if known."),
    )
    started_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    summary = models.CharField(max_length=200, blank=True)

    class Meta(DeliveryEvent.Meta):
        ordering = ["project", "started_at"]
        indexes = [
            # Metrics read a project's incidents by time.
            models.Index(fields=["project", "started_at"], name="incident_by_time")
        ]
        constraints = [
            *DeliveryEvent.Meta.constraints,
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True)
                | Q(resolved_at__gte=F("started_at")),
                name="incident_resolved_after_start",
                violation_error_message=_("An incident is resolved after it started."),
            ),
        ]

    def __str__(self) -> str:
        return f"incident of {self.project} at {self.started_at:%Y-%m-%d %H:%M}"


class MaturityInvitation(models.Model):
    """A link to the maturity questionnaire for one project and sprint.

    It holds a surveys invitation: the response given through that link is the
    project's, and the sprint's snapshot of the project's maturity.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="maturity_invitations"
    )
    sprint = models.ForeignKey(
        Sprint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="maturity_invitations",
    )
    invitation = models.OneToOneField(
        "surveys.Invitation", on_delete=models.CASCADE, related_name="maturity_link"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who the link is for."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"maturity invitation for {self.project}"

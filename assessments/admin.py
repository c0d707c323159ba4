from django.contrib import admin

from assessments.models import Membership, Organisation, Project, Sprint
from core.admin import RecordedAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(RecordedAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(Project)
class ProjectAdmin(RecordedAdmin):
    list_display = ("name", "organisation", "created_at")
    list_filter = ("organisation",)
    search_fields = ("name",)


@admin.register(Sprint)
class SprintAdmin(RecordedAdmin):
    """Read-mostly: sprints move along the flowchart on their page or the API."""

    list_display = ("__str__", "state", "started_at", "completed_at")
    list_filter = ("state",)
    readonly_fields = (
        "project",
        "number",
        "state",
        "previous",
        "opened_for",
        "needs_maintenance",
        "started_at",
        "completed_at",
    )

from django.contrib import admin

from core.admin import RecordedAdmin
from reports.models import CRITERIA, Tool


@admin.register(Tool)
class ToolAdmin(RecordedAdmin):
    list_display = ("name", "code", "source", *CRITERIA, "open_source")
    list_filter = ("source", "open_source")
    search_fields = ("name", "code")
    readonly_fields = ("source", "created_at", "updated_at")

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from surveys.models import Invitation, Question, Response, Survey, SurveyVersion
from surveys.services import response_void


class ReadOnlyAdmin(admin.ModelAdmin):
    """Versions and their questions are immutable: the admin only shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        "display_title",
        "status",
        "access",
        "current_version",
        "owner",
    ]
    list_filter = ["status", "access"]
    search_fields = ["slug"]
    readonly_fields = [
        "current_version",
        "title",
        "description",
        "consent",
        "created_at",
    ]
    raw_id_fields = ["owner"]


@admin.register(SurveyVersion)
class SurveyVersionAdmin(ReadOnlyAdmin):
    list_display = ["survey", "number", "published_at", "published_by", "checksum"]
    list_filter = ["survey"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["code", "type", "version", "page", "required"]
    list_filter = ["type", "version__survey"]
    search_fields = ["code"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["survey", "label", "created_at", "expires_at", "created_by"]
    list_filter = ["survey", "label"]
    exclude = ["token_hash"]


@admin.action(description=_("Void the selected responses (reason: voided in admin)"))
def void_responses(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    done = 0
    for response in queryset.counted():
        try:
            response_void(
                response=response, reason="Voided in admin.", actor=request.user
            )
            done += 1
        except (DomainError, ValidationError) as exc:
            modeladmin.message_user(request, f"{response.pk}: {exc}", messages.ERROR)
    modeladmin.message_user(request, _("%(n)d responses voided.") % {"n": done})


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "survey",
        "version",
        "status",
        "language",
        "channel",
        "submitted_at",
        "voided_at",
    ]
    list_filter = ["status", "survey", "language", "channel"]
    list_select_related = ["survey", "version"]
    exclude = ["resume_token_hash", "idempotency_fingerprint"]
    actions = [void_responses]

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from surveys.forms import answer_rows
from surveys.models import (
    Invitation,
    Question,
    Response,
    Survey,
    SurveyVersion,
    translate,
)
from surveys.selectors import sheet_for_version
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
        "title_text",
        "status",
        "access",
        "current_version",
        "owner",
    ]
    list_filter = ["status", "access"]
    search_fields = ["slug"]
    # The texts per language are the published version's: shown, in the
    # admin's language, never edited here.
    exclude = ["title", "description", "consent"]
    readonly_fields = [
        "current_version",
        "title_text",
        "description_text",
        "consent_text",
        "created_at",
    ]
    raw_id_fields = ["owner"]

    @admin.display(description=_("Title"))
    def title_text(self, survey: Survey) -> str:
        return survey.display_title

    @admin.display(description=_("Description"))
    def description_text(self, survey: Survey) -> str:
        return translate(survey.description)  # the admin keeps its line breaks

    @admin.display(description=_("Consent"))
    def consent_text(self, survey: Survey) -> str:
        return translate(survey.consent)


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
    exclude = ["resume_token_hash", "idempotency_fingerprint", "answers"]
    readonly_fields = ["answers_table"]
    actions = [void_responses]

    @admin.display(description=_("Answers"))
    def answers_table(self, response: Response) -> str:
        """The answers as the respondent read them, in the admin's language."""
        rows = answer_rows(sheet_for_version(response.version), response.answers)
        if not rows:
            return self.get_empty_value_display()
        return format_html(
            '<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("Question"),
            _("Answer"),
            _("Code"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                ((text, answer, code) for code, text, answer in rows),
            ),
        )

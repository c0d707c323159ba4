"""The admin of models with history: each change asks why, and records who."""

from django import forms
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.history import record_change


class RecordedForm(forms.ModelForm):
    change_note = forms.CharField(
        label=_("Why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the change in the history."),
    )


class RecordedAdmin(SimpleHistoryAdmin):
    """A model admin whose saves and deletions carry the actor and a note."""

    form = RecordedForm

    def save_model(self, request, obj, form, change) -> None:
        record_change(
            obj, actor=request.user, note=form.cleaned_data.get("change_note", "")
        )
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj) -> None:
        record_change(obj, actor=request.user)
        super().delete_model(request, obj)

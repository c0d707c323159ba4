"""Forms of the researcher's survey management pages.

They check only the shape of the input (types, limits, a file or a text);
the definition itself is checked by ``survey_publish`` and the settings by
``survey_update``, whose errors the views copy back onto these forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.definition import DefinitionLoadError, definition_load
from surveys.models import Survey
from surveys.services import MAX_INVITATIONS_PER_BATCH

DEFINITION_EXTENSIONS = ["yaml", "yml", "json"]
# Browsers submit datetime-local inputs in this form (seconds when step < 60).
DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def max_definition_bytes() -> int:
    """The largest definition accepted: the same limit as any request body."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 1024 * 1024


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _datetime_field(label: str, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=DATETIME_LOCAL_FORMATS,
        widget=DateTimeLocalInput(),
    )


def copy_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form, by field where it has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = name if name in form.fields else None
        if field is None and name != NON_FIELD_ERRORS:
            # A field the form does not show: keep its name with the message.
            errors = [f"{name}: {message}" for message in ValidationError(errors)]
        form.add_error(field, errors)


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Labels read as plain text: no trailing colon, in any language.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DefinitionUploadForm(_Form):
    """A survey definition, as a YAML or JSON file or as pasted text.

    ``cleaned_data["document"]`` holds the parsed document (not yet checked
    against the format: ``survey_publish`` reports every problem of it).
    """

    file = forms.FileField(
        label=_("Definition file"),
        required=False,
        help_text=_("A .yaml, .yml or .json file."),
        validators=[FileExtensionValidator(DEFINITION_EXTENSIONS)],
        widget=forms.FileInput(
            attrs={"accept": ".yaml,.yml,.json,application/json,application/yaml"}
        ),
    )
    text = forms.CharField(
        label=_("Or paste the definition"),
        required=False,
        strip=False,
        help_text=_("YAML or JSON. Leave empty when you choose a file."),
        widget=forms.Textarea(
            attrs={
                "rows": 12,
                "spellcheck": "false",
                "autocapitalize": "off",
                "autocomplete": "off",
                "class": "definition-text",
            }
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and upload.size > max_definition_bytes():
            raise ValidationError(
                _("The file is too large: the limit is %(limit)s."),
                params={"limit": filesizeformat(max_definition_bytes())},
                code="too_large",
            )
        return upload

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("file")
        text = cleaned.get("text") or ""
        if self.errors:
            return cleaned
        if upload and text.strip():
            raise ValidationError(
                _("Choose a file or paste a definition, not both."), code="both"
            )
        if upload:
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ValidationError(
                    _("The file is not UTF-8 text."), code="encoding"
                ) from exc
        elif not text.strip():
            raise ValidationError(
                _("Choose a definition file or paste a definition."), code="empty"
            )
        try:
            cleaned["document"] = definition_load(text)
        except DefinitionLoadError as exc:
            raise ValidationError(
                _("The definition is not valid YAML or JSON: %(problem)s"),
                params={"problem": str(exc).removeprefix("not valid YAML or JSON: ")},
                code="syntax",
            ) from exc
        return cleaned

    @property
    def problems(self) -> list[tuple[str, str]]:
        """The form's general errors as (place, message); place may be empty.

        Definition problems read ``pages[2].questions[4].choices: message``.
        """
        result = []
        for error in self.non_field_errors():
            place, separator, message = str(error).partition(": ")
            if separator and place and " " not in place:
                result.append((place, message))
            else:
                result.append(("", str(error)))
        return result


class SurveySettingsForm(_Form):
    access = forms.ChoiceField(
        label=_("Who may answer"),
        choices=Survey.Access.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Invitation only: each respondent needs a single-use invitation link."
        ),
    )
    opens_at = _datetime_field(
        _("Opens at"), _("Optional. Before this time the survey is not open yet.")
    )
    closes_at = _datetime_field(
        _("Closes at"), _("Optional. From this time the survey is closed.")
    )
    response_quota = forms.IntegerField(
        label=_("Response quota"),
        required=False,
        min_value=1,
        help_text=_("Optional. Stop accepting submissions after this many."),
    )
    public_results = forms.BooleanField(
        label=_("Publish a summary of the results"),
        required=False,
        help_text=_(
            "Anyone may then read it, on a public page and through the API: all "
            "responses together (never by group), maturity levels and the most "
            "chosen answers, with every figure from fewer than %(k)d responses "
            "hidden. Not while the survey is a draft."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["public_results"]
        field.help_text = field.help_text % {"k": settings.PRIVACY_MIN_CELL_SIZE}

    @classmethod
    def for_survey(cls, survey: Survey, **kwargs: Any) -> SurveySettingsForm:
        initial = {
            "access": survey.access,
            "opens_at": survey.opens_at,
            "closes_at": survey.closes_at,
            "response_quota": survey.response_quota,
            "public_results": survey.public_results,
        }
        return cls(initial=initial, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error(
                "closes_at",
                ValidationError(
                    _("The closing date must be after the opening date."),
                    code="dates_ordered",
                ),
            )
        return cleaned


class InvitationsForm(_Form):
    count = forms.IntegerField(
        label=_("Number of invitations"),
        min_value=1,
        max_value=MAX_INVITATIONS_PER_BATCH,
        initial=10,
    )
    label = forms.CharField(
        label=_("Batch name"),
        required=False,
        max_length=100,
        help_text=_("Optional, e.g. the group of people you will send them to."),
    )
    expires_at = _datetime_field(
        _("Expires at"), _("Optional. After this time the links no longer work.")
    )

    def clean_expires_at(self) -> Any:
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise ValidationError(_("Choose a time in the future."), code="past")
        return expires_at

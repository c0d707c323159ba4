"""The base of every API input serializer."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

NOT_TEXT = _("Not a valid string.")


def _not_text(field: serializers.Field, value: Any) -> Any:
    """The errors of a value a text field would take only by converting it."""
    if isinstance(field, serializers.CharField):
        if value is not None and not isinstance(value, str):
            return [NOT_TEXT]
    elif isinstance(field, serializers.ListField) and isinstance(value, list):
        errors = {
            index: problem
            for index, item in enumerate(value)
            if (problem := _not_text(field.child, item))
        }
        return errors or None
    return None


class InputSerializer(serializers.Serializer):
    """A plain input serializer whose text fields take text only.

    DRF's ``CharField`` turns a number into its text, so ``{"invitation": 0}``
    would pass where the schema says string; here it is a 400 naming the field.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {
                name: problem
                for name, field in self.fields.items()
                if not field.read_only
                and name in data
                and (problem := _not_text(field, data[name]))
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

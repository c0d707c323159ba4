"""The API form of a recorded change (``core.history.Change``)."""

from rest_framework import serializers


class ChangeOutput(serializers.Serializer):
    field = serializers.CharField(help_text="The field's code.")
    label = serializers.CharField(
        help_text="The field's name, in the request's language."
    )
    old = serializers.JSONField(
        allow_null=True, help_text="Null when it was empty or new."
    )
    new = serializers.JSONField(allow_null=True)

"""Query parameters as the schema documents them: one value each, never empty."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.request import Request


def query_value(
    request: Request, name: str, *, allow_empty: bool = False
) -> str | None:
    """Return the one value of a single-valued query parameter, or None if absent.

    Sent twice or sent empty is a 400 naming it: the schema allows neither,
    and taking the last value, or none, would hide a client's mistake.
    """
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise serializers.ValidationError({name: [_("Send this parameter once.")]})
    if values[0] == "" and not allow_empty:
        raise serializers.ValidationError(
            {name: [_("Send a value, or leave the parameter out.")]}
        )
    return values[0]


def query_values(request: Request, name: str) -> list[str]:
    """Return every value of a repeatable query parameter; an empty one is a 400."""
    values = request.query_params.getlist(name)
    if "" in values:
        raise serializers.ValidationError(
            {name: [_("Send a value, or leave the parameter out.")]}
        )
    return values


def query_id(request: Request, name: str) -> int | None:
    """Return a query parameter naming an object by its id, or None if absent."""
    value = query_value(request, name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise serializers.ValidationError(
            {name: [_("Send a whole number, 1 or more.")]}
        )
    return int(value)

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def shown(value: Any) -> Any:
    """A recorded value as a person reads it: lists joined, empty said so."""
    if value is None or value == "" or value == []:
        return format_html("<em>{}</em>", _("empty"))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value


@register.filter
def level(value: Any) -> str:
    """A level or score in the language's number format; a dash when missing."""
    return "\N{EN DASH}" if value is None else number_format(value)


@register.simple_tag
def organisations_of(user: Any) -> list:
    """The user's organisations (for the home page), or none when signed out."""
    from assessments.selectors import organisation_list_for_user

    if not getattr(user, "is_authenticated", False):
        return []
    return list(organisation_list_for_user(user=user)[:6])

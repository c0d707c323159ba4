"""Content negotiation: ``Accept``, or ``?format=`` where a view has several
representations (the schema documents the parameter there, and only there)."""

from rest_framework.negotiation import DefaultContentNegotiation

from core.api.query import query_value


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with ``?format=`` a parameter only where it chooses.

    Where a view has several renderers, ``format`` is sent once and never
    empty (DRF would read an empty one as none and a repeated one as its last
    value). Where it has one, ``format`` is not a parameter of the operation
    and is ignored like any unknown one (DRF would answer 404 to an unknown
    format); ``Accept`` still applies.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        if name and not format_suffix:
            if len(renderers) == 1:
                format_suffix = renderers[0].format
            else:
                query_value(request, name)
        return super().select_renderer(request, renderers, format_suffix)

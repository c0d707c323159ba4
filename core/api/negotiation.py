"""Content negotiation: ``Accept``, or ``?format=`` where a view has several
representations (the schema documents the parameter there)."""

from rest_framework.negotiation import DefaultContentNegotiation

from core.api.query import query_value


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with ``?format=`` sent once and never empty.

    DRF reads an empty ``format`` as none and a repeated one as its last
    value; the schema documents one value of an enum.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        if name and len(renderers) > 1:
            query_value(request, name)
        return super().select_renderer(request, renderers, format_suffix)

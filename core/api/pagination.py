from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination

from core.api.query import query_id, query_value


class StrictPageSize:
    """``page_size`` as the schema says: a whole number of 1 or more, sent once
    (DRF would silently use the default), capped by the setting."""

    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        size = query_id(request, self.page_size_query_param)
        if size is None:
            return self.page_size
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = str(
                    _("Number of results to return per page (at most %(max)d).")
                    % {"max": self.max_page_size}
                )
        return parameters


class PageNumberPagination(StrictPageSize, pagination.PageNumberPagination):
    """Page-number pagination: ``?page=N&page_size=M``; a page past the end is a 404."""

    def paginate_queryset(self, queryset, request, view=None):
        query_value(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


class CursorPagination(StrictPageSize, pagination.CursorPagination):
    """Cursor pagination (stable while rows arrive): ``?cursor=...&page_size=M``,
    each sent once and never empty."""

    def paginate_queryset(self, queryset, request, view=None):
        query_value(request, self.cursor_query_param)
        return super().paginate_queryset(queryset, request, view)

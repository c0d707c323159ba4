from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination

from core.api.query import query_id, query_value


class PageNumberPagination(pagination.PageNumberPagination):
    """Page-number pagination: ``?page=N&page_size=M``, M capped by the setting.

    A ``page_size`` that is not a whole number of 1 or more is a 400 naming
    it (DRF would silently use the default); a page past the end is a 404.
    """

    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        query_value(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request) -> int:
        size = query_id(request, self.page_size_query_param)
        if size is None:
            return self.page_size
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = str(
                    _("Number of results to return per page (at most %(max)d).")
                    % {"max": self.max_page_size}
                )
        return parameters

"""The filter backend of every list: django-filter, with each filter's
parameter sent at most once and never empty."""

from django_filters import MultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend

from core.api.query import query_value, query_values


class FilterBackend(DjangoFilterBackend):
    """Refuse ``?status=`` and ``?status=open&status=closed``.

    django-filter reads an empty value as no filter and a repeated one as its
    last value; the schema documents one value from the filter's choices.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            for name, field in filterset_class.base_filters.items():
                if isinstance(field, MultipleChoiceFilter):  # may repeat, never empty
                    query_values(request, name)
                else:
                    query_value(request, name)
        return super().filter_queryset(request, queryset, view)

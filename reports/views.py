from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def dashboards(request: HttpRequest) -> HttpResponse:
    """The entry page of the results dashboards."""
    return render(request, "reports/dashboards.html")

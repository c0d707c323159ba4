from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def survey_list(request: HttpRequest) -> HttpResponse:
    """List the surveys open to the public."""
    return render(request, "surveys/list.html", {"surveys": []})

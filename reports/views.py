from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reports.presentation import profile_context
from reports.selectors import profile_get, rules_for_version_id
from surveys.models import translate
from surveys.selectors import sheet_for_version_id
from surveys.session import held_response


def dashboards(request: HttpRequest) -> HttpResponse:
    """The entry page of the results dashboards."""
    return render(request, "reports/dashboards.html")


@never_cache
@require_GET
def my_profile(request: HttpRequest, slug: str) -> HttpResponse:
    """The maturity profile of the response this session submitted.

    htmx asks for the fragment (polling while the worker computes it); a
    browser without JavaScript gets the same content as a full page.
    """
    response, _token = held_response(request, slug)
    if response is None or not response.is_submitted:
        return redirect("surveys:landing", slug=slug)
    # A voided response has no profile (voiding removes it): say so, stop polling.
    profile = None if response.is_voided else profile_get(response=response)
    context = {
        "slug": slug,
        "pending": profile is None and not response.is_voided,
        "voided": response.is_voided,
    }
    if profile is not None:
        definition = sheet_for_version_id(response.version_id).definition
        context |= profile_context(
            profile={
                "dimensions": profile.dimensions,
                "overall_level": profile.overall_level,
                "breadth": profile.breadth,
                "bottleneck": profile.bottleneck,
                "flagged": profile.flagged,
            },
            descriptive=profile.descriptive,
            definition=definition,
            rules=rules_for_version_id(response.version_id),
            language=get_language() or "en",
        )
        context["survey_title"] = translate(definition.title)
    template = (
        "reports/_profile.html"
        if request.headers.get("HX-Request")
        else "reports/profile.html"
    )
    return render(request, template, context)

"""The paths of the links an organisation hands out (prefix the site's address)."""

from django.urls import reverse


def member_invitation_path(token: str) -> str:
    """Where an invitee accepts an invitation to join an organisation."""
    return reverse("assessments:invitation_accept", args=[token])


def questionnaire_path(survey_slug: str, token: str) -> str:
    """Where a member answers the maturity questionnaire for a project's sprint."""
    return reverse("surveys:invite", args=[survey_slug, token])

"""Demo data for the run command: accounts, the reference questionnaire, its
synthetic responses, and the demo team's organisation."""

from pathlib import Path

from django.conf import settings
from django.db import transaction

from accounts.models import User
from assessments.models import Organisation
from demo.seeding import responses_seed
from demo.teams import demo_team_load as _team_load
from reports.services import aggregates_recompute, profiles_recompute
from surveys.definition import definition_load
from surveys.models import Survey, SurveyVersion
from surveys.services import survey_hand_over, survey_publish, survey_update

REFERENCE_SURVEY = (
    Path(settings.BASE_DIR) / "surveys" / "definitions" / "mlops-practices.yaml"
)

DEFAULT_DEMO_PASSWORD = "mlops-demo-2026"  # noqa: S105 - published on purpose

DEMO_USERS = [
    {
        "email": "admin@example.org",
        "full_name": "Demo Admin",
        "is_staff": True,
        "is_superuser": True,
    },
    {
        "email": "researcher@example.org",
        "full_name": "Demo Researcher",
        "role": User.Role.RESEARCHER,
    },
    {
        "email": "team@example.org",
        "full_name": "Demo Team Member",
        "role": User.Role.TEAM_MEMBER,
    },
]


def demo_password() -> str:
    return settings.DEMO_PASSWORD or DEFAULT_DEMO_PASSWORD


@transaction.atomic
def demo_load(*, password: str | None = None) -> list[User]:
    """Create or refresh the demo accounts; safe to run any number of times."""
    password = password or demo_password()
    users = []
    for spec in DEMO_USERS:
        defaults = {key: value for key, value in spec.items() if key != "email"}
        user, _created = User.objects.update_or_create(
            email=spec["email"], defaults=defaults
        )
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        users.append(user)
    return users


def reference_survey_load(*, actor: User) -> SurveyVersion:
    """Publish the reference questionnaire (a no-op when unchanged) and open it."""
    document = definition_load(REFERENCE_SURVEY.read_text(encoding="utf-8"))
    version = survey_publish(document=document, actor=actor)
    if version.survey.status == Survey.Status.DRAFT:
        version.survey = survey_update(
            survey=version.survey, actor=actor, status=Survey.Status.OPEN
        )
    return version


def demo_survey_load(*, owner: User, staff: User) -> SurveyVersion:
    """Publish the reference questionnaire as ``owner``'s, with public results.

    The demo researcher then finds a survey to manage, results and aggregates
    to read. A survey an older demo load gave to someone else is handed over.
    """
    slug = definition_load(REFERENCE_SURVEY.read_text(encoding="utf-8"))["slug"]
    survey = Survey.objects.filter(slug=slug).first()
    if survey is not None and survey.owner_id != owner.pk:
        survey_hand_over(survey=survey, owner=owner, actor=staff)
    version = reference_survey_load(actor=owner)
    if not version.survey.public_results:
        version.survey = survey_update(
            survey=version.survey, actor=owner, public_results=True
        )
    return version


def demo_responses_load(*, survey: Survey, count: int) -> int:
    """Seed synthetic responses once (seed 1) and compute their results.

    Returns how many were added: 0 when the survey already has responses.
    """

    if count <= 0 or survey.responses.exists():
        return 0
    added = responses_seed(survey=survey, count=count, seed=1)
    profiles_recompute(survey=survey)
    aggregates_recompute(version=survey.current_version)
    return added


def demo_team_load(*, users: list[User], survey: Survey) -> Organisation | None:
    """Give team@example.org its organisation (once); None when it has it already."""
    member = next(user for user in users if user.email == "team@example.org")
    return _team_load(member=member, survey=survey)

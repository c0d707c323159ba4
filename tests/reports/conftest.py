import pytest

from surveys.models import Survey
from tests.reports.profile_helpers import SLUG, reference_publication


@pytest.fixture(scope="session", autouse=True)
def _reference_publication(django_db_setup, django_db_blocker) -> None:
    """Publish the reference questionnaire once per run, outside every test.

    Nothing of it stays in the database (the publication is rolled back):
    ``reference_survey`` copies its rows into the test that asks for it, so
    no other test sees them and a flush between tests loses nothing. A survey
    left behind by an interrupted run is published over instead, as before.
    """
    with django_db_blocker.unblock():
        if not Survey.objects.filter(slug=SLUG).exists():
            reference_publication()

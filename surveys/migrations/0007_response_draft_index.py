"""Index the drafts of each survey by start, for the response browser.

Built CONCURRENTLY (so the migration is not atomic): a plain CREATE INDEX
would block every response's INSERT and UPDATE while it reads the table.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("surveys", "0006_response_void_log"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="response",
            index=models.Index(
                condition=models.Q(("status", "draft")),
                fields=["survey", "started_at", "id"],
                name="response_survey_draft_started",
            ),
        ),
    ]

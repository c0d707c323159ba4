"""Drop the Response indexes nothing reads; every index costs each submission.

The single-column indexes of ``survey`` and ``version`` are covered by the
composite indexes that start with them; ``voided_by`` is read only when a user
is deleted; the pattern-matching (``_like``) index of the resume-token hash
serves no lookup. The token hash stays unique, now as a named constraint.

Only the model state changes through Django's operations: letting them run
would drop and re-add three foreign keys (re-checking every row) under an
exclusive lock of the responses table. Instead, on PostgreSQL each index is
dropped CONCURRENTLY (so the migration is not atomic) and the unique
constraint is renamed in place; on SQLite the indexes are dropped and the
unique column constraint, inline in the table, is left as it is.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "surveys_response_survey_id_907701cf": "survey_id",
    "surveys_response_version_id_f0ee267c": "version_id",
    "surveys_response_voided_by_id_db1b769a": "voided_by_id",
}
LIKE_INDEX = "surveys_response_resume_token_hash_cc9e7b61_like"
OLD_UNIQUE = "surveys_response_resume_token_hash_key"
NEW_UNIQUE = "response_resume_token_hash_unique"


def forwards(apps, schema_editor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    concurrently = "CONCURRENTLY " if postgres else ""
    for name in [*INDEXES, *([LIKE_INDEX] if postgres else [])]:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")
    if postgres:
        schema_editor.execute(
            f"ALTER TABLE surveys_response RENAME CONSTRAINT {OLD_UNIQUE} TO {NEW_UNIQUE}"
        )


def backwards(apps, schema_editor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    concurrently = "CONCURRENTLY " if postgres else ""
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX {concurrently}IF NOT EXISTS {name} "
            f"ON surveys_response ({column})"
        )
    if postgres:
        schema_editor.execute(
            f"ALTER TABLE surveys_response RENAME CONSTRAINT {NEW_UNIQUE} TO {OLD_UNIQUE}"
        )
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {LIKE_INDEX} "
            "ON surveys_response (resume_token_hash varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("surveys", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="response",
                    name="resume_token_hash",
                    field=models.CharField(max_length=64),
                ),
                migrations.AlterField(
                    model_name="response",
                    name="survey",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="responses",
                        to="surveys.survey",
                    ),
                ),
                migrations.AlterField(
                    model_name="response",
                    name="version",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="responses",
                        to="surveys.surveyversion",
                    ),
                ),
                migrations.AlterField(
                    model_name="response",
                    name="voided_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AddConstraint(
                    model_name="response",
                    constraint=models.UniqueConstraint(
                        fields=("resume_token_hash",), name=NEW_UNIQUE
                    ),
                ),
            ],
        ),
    ]

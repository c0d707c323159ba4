"""Migration 0006 gives each response voided before the log existed its event."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("surveys", "0005_survey_collaborator")]
AFTER = [("surveys", "0006_response_void_log")]


@pytest.mark.django_db(transaction=True)
def test_existing_voids_are_logged_as_void_events():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        user = apps.get_model("accounts", "User").objects.create(
            email="staff@example.org", is_staff=True
        )
        survey = apps.get_model("surveys", "Survey").objects.create(
            slug="old", owner=user
        )
        version = apps.get_model("surveys", "SurveyVersion").objects.create(
            survey=survey, number=1, definition={}, checksum="x", published_by=user
        )
        Response = apps.get_model("surveys", "Response")
        now = timezone.now()
        common = {"survey": survey, "version": version, "status": "submitted"}
        voided = Response.objects.create(
            **common,
            resume_token_hash="a",
            submitted_at=now,
            voided_at=now,
            void_reason="spam",
            voided_by=user,
        )
        Response.objects.create(**common, resume_token_hash="b", submitted_at=now)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        events = apps.get_model("surveys", "ResponseVoidEvent").objects.values_list(
            "response_id", "action", "reason", "actor_id", "at"
        )

        assert list(events) == [(voided.pk, "void", "spam", user.pk, now)]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

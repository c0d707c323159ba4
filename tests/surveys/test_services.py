"""Every write to surveys: publishing, distribution settings, invitations, responses."""

import copy
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.caching import clear_process_caches
from core.errors import Conflict, Forbidden, Gone, Unprocessable
from surveys.models import (
    Invitation,
    Page,
    Question,
    Response,
    Survey,
    SurveyVersion,
    hash_token,
)
from surveys.selectors import (
    response_get_by_token,
    survey_availability,
    survey_submitted_count,
)
from surveys.services import (
    definition_checksum,
    invitations_create,
    response_create,
    response_save,
    response_save_valid,
    response_start,
    response_submit,
    response_void,
    resume_token_for,
    survey_hand_over,
    survey_publish,
    survey_update,
)
from tests.accounts.factories import UserFactory
from tests.surveys.factories import (
    InvitationFactory,
    PageFactory,
    QuestionFactory,
    ResponseFactory,
    SurveyFactory,
    SurveyVersionFactory,
    answers_for,
    definition_with_questions,
)
from tests.surveys.sample_definition import COMPLETE_ANSWERS, SAMPLE, sample, t

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Survey, SurveyVersion, Page, Question, Invitation, Response)
    }


# --- Factories --------------------------------------------------------------------


def test_survey_factory_makes_a_published_open_survey():
    survey = SurveyFactory()

    assert survey.status == Survey.Status.OPEN
    assert survey.current_version.number == 1
    assert survey.current_version.definition["slug"] == survey.slug
    assert survey.owner.is_researcher
    assert survey_availability(survey=survey) == "open"


def test_every_factory_makes_a_valid_row():
    survey = SurveyFactory()
    version = SurveyVersionFactory(survey=survey)
    page = PageFactory(version=version)
    question = QuestionFactory(page=page)
    invitation = InvitationFactory()
    draft = ResponseFactory(survey=survey)
    voided = ResponseFactory(survey=survey, voided=True)

    for row in (survey, version, page, question, invitation, draft, voided):
        row.full_clean()
    assert version.number == 2
    assert question.version == version
    assert Invitation.objects.get(token_hash=hash_token(invitation.token)) == invitation
    assert response_get_by_token(token=draft.resume_token) == draft
    assert voided.is_submitted and voided.is_voided


# --- survey_publish ----------------------------------------------------------------


def test_publish_creates_the_survey_and_version_one(researcher):
    version = survey_publish(document=sample(), actor=researcher)

    survey = Survey.objects.get(slug="sample")
    assert version.number == 1
    assert version.definition == SAMPLE
    assert version.checksum == definition_checksum(SAMPLE)
    assert version.published_by == researcher
    assert survey.owner == researcher
    assert survey.status == Survey.Status.DRAFT
    assert survey.current_version == version
    assert survey.title == SAMPLE["title"]
    assert survey.description == SAMPLE["description"]
    assert survey.consent == SAMPLE["consent"]


def test_publish_materialises_pages_and_questions(researcher):
    version = survey_publish(document=sample(), actor=researcher)

    pages = list(version.pages.values_list("code", "position"))
    assert pages == [("about", 0), ("tools", 1), ("final", 2)]
    questions = list(version.questions.order_by("position"))
    assert [q.code for q in questions] == list(COMPLETE_ANSWERS)
    assert [q.position for q in questions] == list(range(11))
    role = questions[0]
    assert role.page.code == "about"
    assert role.type == "single_choice"
    assert role.required is True
    assert role.text == SAMPLE["pages"][0]["questions"][0]["text"]
    assert role.spec == SAMPLE["pages"][0]["questions"][0]
    assert version.questions.get(code="comments").page.code == "final"


def test_publish_keeps_tags_on_question_rows(researcher):
    document = sample()
    document["pages"][0]["questions"][1]["tags"] = ["maturity:D1:1", "profile"]

    version = survey_publish(document=document, actor=researcher)

    assert version.questions.get(code="experience").tags == ["maturity:D1:1", "profile"]
    assert version.questions.get(code="role").tags == []


def test_publishing_the_same_document_again_is_a_no_op(researcher):
    first = survey_publish(document=sample(), actor=researcher)
    before = row_counts()

    again = survey_publish(document=copy.deepcopy(SAMPLE), actor=researcher)

    assert again == first
    assert row_counts() == before


def test_a_changed_document_publishes_version_two(researcher):
    first = survey_publish(document=sample(), actor=researcher)

    second = survey_publish(document=sample(title=t("Renamed")), actor=researcher)

    survey = Survey.objects.get(slug="sample")
    assert second.number == 2
    assert second != first
    assert survey.current_version == second
    assert survey.title == t("Renamed")
    assert Page.objects.filter(version=first).count() == 3
    assert Page.objects.filter(version=second).count() == 3
    assert Question.objects.filter(version=second).count() == 11


def test_republishing_an_older_document_makes_a_new_version(researcher):
    survey_publish(document=sample(), actor=researcher)
    survey_publish(document=sample(title=t("Renamed")), actor=researcher)

    third = survey_publish(document=sample(), actor=researcher)

    assert third.number == 3
    assert third.definition == SAMPLE


def test_responses_keep_pointing_at_their_version(researcher):
    survey = SurveyFactory(owner=researcher)
    first_version = survey.current_version
    response = ResponseFactory(survey=survey, submitted=True)
    stored = copy.deepcopy(Response.objects.get(pk=response.pk).answers)

    document = sample(slug=survey.slug)
    document["pages"][0]["questions"][1]["choices"].pop()  # drop "gt3"
    survey_publish(document=document, actor=researcher)

    response.refresh_from_db()
    assert response.version == first_version
    assert response.answers == stored == COMPLETE_ANSWERS
    assert Survey.objects.get(pk=survey.pk).current_version.number == 2


def test_a_draft_keeps_validating_against_its_own_version(researcher):
    survey = SurveyFactory(owner=researcher)
    response, _created = response_start(survey=survey)
    document = sample(slug=survey.slug)
    document["pages"][0]["questions"][1]["choices"].pop()  # drop "gt3"
    survey_publish(document=document, actor=researcher)

    response_save(response=response, answers={"experience": "gt3"})

    response.refresh_from_db()
    assert response.answers == {"experience": "gt3"}
    assert response.version.number == 1


def test_a_published_version_is_immutable(researcher):
    version = survey_publish(document=sample(), actor=researcher)
    version.definition = sample(title=t("Tampered"))

    with pytest.raises(ValueError, match="immutable"):
        version.save()

    assert SurveyVersion.objects.get(pk=version.pk).definition == SAMPLE


def test_an_invalid_document_saves_nothing(researcher):
    document = sample()
    document["pages"][1]["questions"][0]["choices"].append(
        {"code": "dvc", "label": t("Again")}
    )
    document["pages"][0]["questions"][1]["text"].pop("pt-br")
    before = row_counts()

    with pytest.raises(ValidationError) as excinfo:
        survey_publish(document=document, actor=researcher)

    assert excinfo.value.message_dict == {
        "definition": [
            'pages[0].questions[1].text: missing text for "pt-br"',
            'pages[1].questions[0].choices: duplicate code "dvc"',
        ]
    }
    assert row_counts() == before


def test_an_invalid_new_version_leaves_the_current_one(researcher):
    first = survey_publish(document=sample(), actor=researcher)
    before = row_counts()

    with pytest.raises(ValidationError):
        survey_publish(document=sample(pages=[]), actor=researcher)

    assert row_counts() == before
    assert Survey.objects.get(slug="sample").current_version == first


@pytest.mark.parametrize("document", [None, [], "slug: sample"])
def test_a_document_that_is_not_an_object_is_refused(researcher, document):
    with pytest.raises(ValidationError) as excinfo:
        survey_publish(document=document, actor=researcher)

    assert "definition" in excinfo.value.message_dict
    assert Survey.objects.count() == 0


def test_a_non_researcher_cannot_create_a_survey(user):
    with pytest.raises(PermissionDenied):
        survey_publish(document=sample(), actor=user)

    assert Survey.objects.count() == 0


def test_a_researcher_cannot_publish_someone_elses_survey(researcher):
    survey_publish(document=sample(), actor=researcher)
    other = UserFactory(role="researcher")

    with pytest.raises(PermissionDenied):
        survey_publish(document=sample(title=t("Mine now")), actor=other)

    survey = Survey.objects.get(slug="sample")
    assert survey.versions.count() == 1
    assert survey.owner == researcher


def test_staff_may_publish_any_survey(researcher, staff_user):
    survey_publish(document=sample(), actor=researcher)

    version = survey_publish(document=sample(title=t("By staff")), actor=staff_user)

    assert version.number == 2
    assert version.published_by == staff_user
    assert version.survey.owner == researcher


def test_an_inactive_researcher_cannot_create_a_survey():
    inactive = UserFactory(role="researcher", is_active=False)

    with pytest.raises(PermissionDenied):
        survey_publish(document=sample(), actor=inactive)


# --- survey_update -------------------------------------------------------------------


def test_the_owner_opens_and_closes_a_survey(researcher):
    survey = SurveyFactory(owner=researcher, status=Survey.Status.DRAFT)

    survey_update(survey=survey, actor=researcher, status=Survey.Status.OPEN)
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.OPEN

    survey_update(survey=survey, actor=researcher, status=Survey.Status.CLOSED)
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.CLOSED


def test_opening_an_unpublished_survey_fails(researcher):
    survey = SurveyFactory(owner=researcher, definition=None)

    with pytest.raises(ValidationError) as excinfo:
        survey_update(survey=survey, actor=researcher, status=Survey.Status.OPEN)

    assert list(excinfo.value.message_dict) == ["status"]
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.DRAFT


def test_a_survey_with_responses_cannot_go_back_to_draft(researcher):
    survey = SurveyFactory(owner=researcher)
    ResponseFactory(survey=survey)

    with pytest.raises(ValidationError) as excinfo:
        survey_update(survey=survey, actor=researcher, status=Survey.Status.DRAFT)

    assert list(excinfo.value.message_dict) == ["status"]
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.OPEN


def test_dates_quota_and_access_are_saved(researcher):
    survey = SurveyFactory(owner=researcher)
    opens = timezone.now() + timedelta(days=1)
    closes = opens + timedelta(days=30)

    survey_update(
        survey=survey,
        actor=researcher,
        opens_at=opens,
        closes_at=closes,
        response_quota=100,
        access=Survey.Access.INVITATION,
    )

    row = Survey.objects.get(pk=survey.pk)
    assert (row.opens_at, row.closes_at, row.response_quota) == (opens, closes, 100)
    assert row.access == Survey.Access.INVITATION
    assert survey_availability(survey=row) == "not_open_yet"


def test_dates_and_quota_can_be_cleared_and_are_kept_when_not_given(researcher):
    closes = timezone.now() + timedelta(days=3)
    survey = SurveyFactory(owner=researcher, closes_at=closes, response_quota=5)

    survey_update(survey=survey, actor=researcher, status=Survey.Status.CLOSED)
    assert Survey.objects.get(pk=survey.pk).closes_at == closes

    survey_update(survey=survey, actor=researcher, closes_at=None, response_quota=None)
    row = Survey.objects.get(pk=survey.pk)
    assert (row.closes_at, row.response_quota) == (None, None)


def test_public_results_are_switched_and_kept_when_not_given(researcher, user):
    survey = SurveyFactory(owner=researcher)

    survey_update(survey=survey, actor=researcher, public_results=True)
    survey_update(survey=survey, actor=researcher, status=Survey.Status.CLOSED)
    assert Survey.objects.get(pk=survey.pk).public_results is True
    with pytest.raises(PermissionDenied):
        survey_update(survey=survey, actor=user, public_results=False)
    assert Survey.objects.get(pk=survey.pk).results_are_public is True

    survey_update(survey=survey, actor=researcher, public_results=False)
    assert Survey.objects.get(pk=survey.pk).public_results is False


def test_closing_before_opening_is_refused(researcher):
    survey = SurveyFactory(owner=researcher)
    opens = timezone.now() + timedelta(days=2)

    with pytest.raises(ValidationError) as excinfo:
        survey_update(
            survey=survey,
            actor=researcher,
            opens_at=opens,
            closes_at=opens - timedelta(days=1),
        )

    assert "The closing date must be after the opening date." in str(excinfo.value)
    row = Survey.objects.get(pk=survey.pk)
    assert (row.opens_at, row.closes_at) == (None, None)


def test_only_the_owner_or_staff_may_update(researcher, staff_user, user):
    survey = SurveyFactory(owner=researcher)
    other = UserFactory(role="researcher")

    for outsider in (other, user):
        with pytest.raises(PermissionDenied):
            survey_update(survey=survey, actor=outsider, status=Survey.Status.CLOSED)
    survey_update(survey=survey, actor=staff_user, status=Survey.Status.CLOSED)

    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.CLOSED


@pytest.mark.parametrize(
    ("settings", "availability"),
    [
        ({}, "open"),
        ({"status": Survey.Status.DRAFT}, "draft"),
        ({"status": Survey.Status.CLOSED}, "closed"),
        ({"opens_at": timedelta(hours=1)}, "not_open_yet"),
        ({"opens_at": -timedelta(hours=1)}, "open"),
        ({"closes_at": -timedelta(seconds=1)}, "closed"),
        ({"closes_at": timedelta(hours=1)}, "open"),
    ],
)
def test_availability_follows_status_and_dates(researcher, settings, availability):
    now = timezone.now()
    values = {
        key: now + value if isinstance(value, timedelta) else value
        for key, value in settings.items()
    }
    survey = SurveyFactory(owner=researcher, **values)

    assert survey_availability(survey=survey) == availability


def test_an_unpublished_survey_is_unavailable(researcher):
    assert survey_availability(survey=SurveyFactory(definition=None)) == "unpublished"


# --- invitations_create ----------------------------------------------------------------


def test_invitations_are_created_with_hashed_tokens(researcher):
    survey = SurveyFactory(owner=researcher, access=Survey.Access.INVITATION)
    expires = timezone.now() + timedelta(days=7)

    created = invitations_create(
        survey=survey, count=3, actor=researcher, label="wave 1", expires_at=expires
    )

    assert len(created) == 3
    tokens = [token for _invitation, token in created]
    assert len(set(tokens)) == 3
    for invitation, token in created:
        row = Invitation.objects.get(pk=invitation.pk)
        assert row.token_hash == hash_token(token)
        assert token not in row.token_hash
        assert (row.label, row.expires_at, row.created_by) == (
            "wave 1",
            expires,
            researcher,
        )


@pytest.mark.parametrize("count", [0, -1, 10_001])
def test_an_invitation_count_out_of_range_is_refused(researcher, count):
    survey = SurveyFactory(owner=researcher)

    with pytest.raises(ValidationError) as excinfo:
        invitations_create(survey=survey, count=count, actor=researcher)

    assert list(excinfo.value.message_dict) == ["count"]
    assert Invitation.objects.count() == 0


def test_an_invitation_expiring_in_the_past_is_refused(researcher):
    survey = SurveyFactory(owner=researcher)

    with pytest.raises(ValidationError) as excinfo:
        invitations_create(
            survey=survey,
            count=1,
            actor=researcher,
            expires_at=timezone.now() - timedelta(minutes=1),
        )

    assert list(excinfo.value.message_dict) == ["expires_at"]
    assert Invitation.objects.count() == 0


def test_only_the_owner_or_staff_may_invite(researcher):
    survey = SurveyFactory(owner=researcher)

    with pytest.raises(PermissionDenied):
        invitations_create(survey=survey, count=1, actor=UserFactory(role="researcher"))

    assert Invitation.objects.count() == 0


# --- response_start -----------------------------------------------------------------------


def test_start_creates_a_draft_on_the_current_version():
    survey = SurveyFactory()

    response, created = response_start(survey=survey, language="pt-br")

    assert created is True
    row = Response.objects.get(pk=response.pk)
    assert row.status == Response.Status.DRAFT
    assert row.version == survey.current_version
    assert row.language == "pt-br"
    assert row.answers == {}
    assert row.resume_token_hash == hash_token(resume_token_for(row.pk))
    assert response_get_by_token(token=resume_token_for(row.pk)) == row


def test_start_with_the_same_idempotency_key_returns_the_same_response():
    survey = SurveyFactory()

    first, first_created = response_start(
        survey=survey, idempotency_key="k-1", fingerprint="abc"
    )
    second, second_created = response_start(
        survey=survey, idempotency_key="k-1", fingerprint="abc"
    )

    assert (first_created, second_created) == (True, False)
    assert second.pk == first.pk
    assert Response.objects.count() == 1


def test_the_same_key_with_a_different_body_is_unprocessable():
    survey = SurveyFactory()
    response_start(survey=survey, idempotency_key="k-1", fingerprint="abc")

    with pytest.raises(Unprocessable) as excinfo:
        response_start(survey=survey, idempotency_key="k-1", fingerprint="xyz")

    assert excinfo.value.code == "idempotency_key_reused"
    assert excinfo.value.status == 422
    assert Response.objects.count() == 1


def test_the_same_key_on_another_survey_is_another_response():
    first, _ = response_start(survey=SurveyFactory(), idempotency_key="k-1")
    second, created = response_start(survey=SurveyFactory(), idempotency_key="k-1")

    assert created is True
    assert second.pk != first.pk


def test_a_replayed_key_is_answered_even_after_the_survey_closed(researcher):
    survey = SurveyFactory(owner=researcher)
    first, _ = response_start(survey=survey, idempotency_key="k-1")
    survey_update(survey=survey, actor=researcher, status=Survey.Status.CLOSED)
    survey.refresh_from_db()

    again, created = response_start(survey=survey, idempotency_key="k-1")

    assert (again.pk, created) == (first.pk, False)


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ({"status": Survey.Status.CLOSED}, "survey_closed"),
        ({"status": Survey.Status.DRAFT}, "survey_draft"),
        ({"opens_at": timedelta(days=1)}, "survey_not_open_yet"),
        ({"closes_at": -timedelta(minutes=1)}, "survey_closed"),
    ],
)
def test_start_refuses_a_survey_that_is_not_open(settings, code):
    now = timezone.now()
    values = {
        key: now + value if isinstance(value, timedelta) else value
        for key, value in settings.items()
    }
    survey = SurveyFactory(**values)

    with pytest.raises(Conflict) as excinfo:
        response_start(survey=survey)

    assert excinfo.value.code == code
    assert Response.objects.count() == 0


def test_start_refuses_an_unpublished_survey():
    with pytest.raises(Conflict) as excinfo:
        response_start(survey=SurveyFactory(definition=None))

    assert excinfo.value.code == "survey_unpublished"


def test_an_invitation_only_survey_needs_a_token():
    survey = SurveyFactory(access=Survey.Access.INVITATION)

    with pytest.raises(Forbidden) as excinfo:
        response_start(survey=survey)

    assert (excinfo.value.status, excinfo.value.code) == (403, "invitation_required")
    assert Response.objects.count() == 0


def test_an_unknown_invitation_token_is_forbidden():
    survey = SurveyFactory(access=Survey.Access.INVITATION)

    with pytest.raises(Forbidden) as excinfo:
        response_start(survey=survey, invitation_token="not-a-token")

    assert (excinfo.value.status, excinfo.value.code) == (403, "invitation_invalid")


def test_a_token_of_another_survey_is_forbidden():
    invitation = InvitationFactory()
    other = SurveyFactory(access=Survey.Access.INVITATION)

    with pytest.raises(Forbidden) as excinfo:
        response_start(survey=other, invitation_token=invitation.token)

    assert excinfo.value.code == "invitation_invalid"


def test_an_expired_invitation_is_gone():
    invitation = InvitationFactory(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(Gone) as excinfo:
        response_start(survey=invitation.survey, invitation_token=invitation.token)

    assert (excinfo.value.status, excinfo.value.code) == (410, "invitation_expired")
    assert Response.objects.count() == 0


def test_a_valid_invitation_starts_a_response_linked_to_it():
    invitation = InvitationFactory(expires_at=timezone.now() + timedelta(days=1))

    response, created = response_start(
        survey=invitation.survey, invitation_token=invitation.token
    )

    assert created is True
    assert Response.objects.get(pk=response.pk).invitation == invitation


def test_an_invitation_with_a_draft_resumes_it():
    invitation = InvitationFactory()
    first, _ = response_start(
        survey=invitation.survey, invitation_token=invitation.token
    )

    again, created = response_start(
        survey=invitation.survey, invitation_token=invitation.token
    )

    assert (again.pk, created) == (first.pk, False)
    assert Response.objects.count() == 1


def test_a_used_invitation_is_a_conflict():
    invitation = InvitationFactory()
    first, _ = response_start(
        survey=invitation.survey, invitation_token=invitation.token
    )
    response_submit(response=first, answers=COMPLETE_ANSWERS)

    with pytest.raises(Conflict) as excinfo:
        response_start(survey=invitation.survey, invitation_token=invitation.token)

    assert (excinfo.value.status, excinfo.value.code) == (409, "invitation_used")
    assert Response.objects.count() == 1


def test_a_public_survey_ignores_an_invitation_token():
    survey = SurveyFactory()

    response, created = response_start(survey=survey, invitation_token="whatever")

    assert created is True
    assert response.invitation is None


# --- response_save ---------------------------------------------------------------------------


def test_save_merges_answers_into_the_draft():
    response = ResponseFactory(answers={"role": "engineer"})

    response_save(response=response, answers={"experience": "gt3", "years": 7})

    row = Response.objects.get(pk=response.pk)
    assert row.answers == {"role": "engineer", "experience": "gt3", "years": 7}
    assert row.status == Response.Status.DRAFT


def test_save_overwrites_and_a_null_removes_an_answer():
    response = ResponseFactory(answers={"role": "engineer", "experience": "gt3"})

    response_save(response=response, answers={"role": "scientist", "experience": None})

    assert Response.objects.get(pk=response.pk).answers == {"role": "scientist"}


def test_save_sets_language_and_current_page():
    response = ResponseFactory()

    response_save(response=response, answers={}, language="pt-br", current_page="tools")

    row = Response.objects.get(pk=response.pk)
    assert (row.language, row.current_page) == ("pt-br", "tools")


def test_save_stores_clean_values():
    response = ResponseFactory()

    response_save(response=response, answers={"nickname": "  ana  ", "years": 4.0})

    assert Response.objects.get(pk=response.pk).answers == {
        "nickname": "ana",
        "years": 4,
    }


def test_save_with_any_error_saves_nothing():
    response = ResponseFactory(answers={"role": "engineer"})

    with pytest.raises(ValidationError) as excinfo:
        response_save(
            response=response,
            answers={"experience": "x", "years": 8, "zzz": 1},
            language="pt-br",
        )

    assert excinfo.value.message_dict == {
        "zzz": ["Unknown question."],
        "experience": ["Choose one of: lt1, 1to3, gt3."],
    }
    row = Response.objects.get(pk=response.pk)
    assert row.answers == {"role": "engineer"}
    assert row.language == "en"


def test_save_does_not_enforce_required_questions():
    response = ResponseFactory()

    response_save(response=response, answers={"years": 3})

    assert Response.objects.get(pk=response.pk).answers == {"years": 3}


def test_save_with_validate_pages_enforces_that_page_only():
    response = ResponseFactory()

    with pytest.raises(ValidationError) as excinfo:
        response_save(response=response, answers={"years": 3}, validate_pages={"about"})

    assert excinfo.value.message_dict == {
        "role": ["This question is required."],
        "experience": ["This question is required."],
    }


def test_save_keeps_answers_that_a_later_change_hides():
    response = ResponseFactory(answers={"experience": "gt3", "nickname": "ana"})

    response_save(response=response, answers={"experience": "lt1"})

    assert Response.objects.get(pk=response.pk).answers == {
        "experience": "lt1",
        "nickname": "ana",
    }


def test_save_valid_keeps_the_valid_answers_and_the_earlier_invalid_ones():
    response = ResponseFactory(answers={"role": "engineer", "years": 4})

    saved, errors = response_save_valid(
        response=response,
        answers={"role": None, "experience": "gt3", "years": "four", "zzz": 1},
        language="pt-br",
        current_page="about",
    )

    assert errors == {"zzz": ["Unknown question."], "years": ["Enter a number."]}
    row = Response.objects.get(pk=response.pk)
    # The cleared role is gone, the new experience kept, the earlier years kept.
    assert row.answers == {"experience": "gt3", "years": 4}
    assert (row.language, row.current_page) == ("pt-br", "about")
    assert saved.answers == row.answers


def test_save_valid_refuses_a_submitted_response():
    response = ResponseFactory(submitted=True)

    with pytest.raises(Conflict):
        response_save_valid(response=response, answers={"years": 3})


@pytest.mark.parametrize("answers", [["role"], "role", 3])
def test_save_refuses_answers_that_are_not_an_object(answers):
    response = ResponseFactory()

    with pytest.raises(ValidationError) as excinfo:
        response_save(response=response, answers=answers)

    assert list(excinfo.value.message_dict) == ["answers"]


def test_a_submitted_response_cannot_change():
    response = ResponseFactory(submitted=True)

    with pytest.raises(Conflict) as excinfo:
        response_save(response=response, answers={"years": 9})

    assert (excinfo.value.status, excinfo.value.code) == (409, "response_submitted")
    assert Response.objects.get(pk=response.pk).answers == COMPLETE_ANSWERS


# --- response_submit ---------------------------------------------------------------------------


def test_submit_validates_and_submits():
    response = ResponseFactory(answers=dict(COMPLETE_ANSWERS))

    submitted = response_submit(response=response)

    row = Response.objects.get(pk=response.pk)
    assert submitted.status == row.status == Response.Status.SUBMITTED
    assert row.submitted_at is not None
    assert row.answers == COMPLETE_ANSWERS


def test_submit_merges_the_last_answers():
    response = ResponseFactory(answers={"role": "engineer", "nickname": "old"})
    last = {k: v for k, v in COMPLETE_ANSWERS.items() if k != "role"}

    response_submit(response=response, answers={**last, "nickname": None})

    expected = {k: v for k, v in COMPLETE_ANSWERS.items() if k != "nickname"}
    assert Response.objects.get(pk=response.pk).answers == expected


def test_submit_drops_answers_to_hidden_questions():
    response = ResponseFactory(answers={**COMPLETE_ANSWERS, "experience": "lt1"})

    response_submit(response=response)

    answers = Response.objects.get(pk=response.pk).answers
    assert "nickname" not in answers
    assert "comments" not in answers


def test_submit_with_missing_required_answers_changes_nothing():
    response = ResponseFactory(answers={"role": "engineer"})

    with pytest.raises(ValidationError) as excinfo:
        response_submit(response=response, answers={"years": 3})

    assert set(excinfo.value.message_dict) == {"experience", "tools", "stages"}
    row = Response.objects.get(pk=response.pk)
    assert row.status == Response.Status.DRAFT
    assert row.answers == {"role": "engineer"}


def test_submitting_twice_is_a_no_op():
    response = ResponseFactory(answers=dict(COMPLETE_ANSWERS))
    first = response_submit(response=response)

    again = response_submit(response=response, answers={"years": 50})

    assert again.submitted_at == first.submitted_at
    assert Response.objects.get(pk=response.pk).answers == COMPLETE_ANSWERS


def test_submit_to_a_closed_survey_is_a_conflict(researcher):
    survey = SurveyFactory(owner=researcher)
    response = ResponseFactory(survey=survey, answers=dict(COMPLETE_ANSWERS))
    survey_update(survey=survey, actor=researcher, status=Survey.Status.CLOSED)

    with pytest.raises(Conflict) as excinfo:
        response_submit(response=response)

    assert (excinfo.value.status, excinfo.value.code) == (409, "survey_closed")
    assert Response.objects.get(pk=response.pk).status == Response.Status.DRAFT


def test_submit_to_a_full_survey_is_a_conflict():
    survey = SurveyFactory(response_quota=2)
    ResponseFactory.create_batch(2, survey=survey, submitted=True)
    response = ResponseFactory(survey=survey, answers=dict(COMPLETE_ANSWERS))

    with pytest.raises(Conflict) as excinfo:
        response_submit(response=response)

    assert excinfo.value.code == "survey_full"
    assert survey_submitted_count(survey=survey) == 2


def test_the_quota_counts_only_submitted_responses_that_are_not_void():
    survey = SurveyFactory(response_quota=2)
    ResponseFactory(survey=survey, submitted=True)
    ResponseFactory(survey=survey, voided=True)
    ResponseFactory.create_batch(3, survey=survey)  # drafts
    response = ResponseFactory(survey=survey, answers=dict(COMPLETE_ANSWERS))

    response_submit(response=response)

    assert survey_submitted_count(survey=survey) == 2
    assert survey_availability(survey=survey) == "full"


def test_start_refuses_a_full_survey():
    survey = SurveyFactory(response_quota=1)
    ResponseFactory(survey=survey, submitted=True)

    with pytest.raises(Conflict) as excinfo:
        response_start(survey=survey)

    assert excinfo.value.code == "survey_full"


# A submission's queries, with its version's definition not parsed yet in this
# process: the savepoint, the response locked (with its survey and version),
# the definition, the UPDATE, and the savepoint's release.
SUBMIT_QUERIES = 5


def test_submit_query_count_is_bounded(django_assert_num_queries):
    response = ResponseFactory()
    clear_process_caches()

    with django_assert_num_queries(SUBMIT_QUERIES):
        response_submit(response=response, answers=COMPLETE_ANSWERS)

    assert Response.objects.get(pk=response.pk).is_submitted


def test_submit_query_count_does_not_grow_with_questions(
    researcher, django_assert_num_queries
):
    document = definition_with_questions(200)
    survey = SurveyFactory(owner=researcher, slug=document["slug"], definition=document)
    assert survey.current_version.questions.count() == 200
    response = ResponseFactory(survey=survey)
    answers = answers_for(document)
    clear_process_caches()

    with django_assert_num_queries(SUBMIT_QUERIES):
        response_submit(response=response, answers=answers)

    row = Response.objects.get(pk=response.pk)
    assert row.is_submitted
    assert row.answers == answers


def test_submit_with_a_quota_stays_within_the_budget(django_assert_num_queries):
    survey = SurveyFactory(response_quota=10)
    response = ResponseFactory(survey=survey)
    clear_process_caches()

    # The quota adds two: the survey locked, and its submitted responses counted.
    with django_assert_num_queries(SUBMIT_QUERIES + 2):
        response_submit(response=response, answers=COMPLETE_ANSWERS)

    assert Response.objects.get(pk=response.pk).is_submitted


# --- response_void ----------------------------------------------------------------------------


def test_staff_void_a_submitted_response(staff_user):
    response = ResponseFactory(submitted=True)

    response_void(response=response, reason="  duplicate entry ", actor=staff_user)

    row = Response.objects.get(pk=response.pk)
    assert row.is_voided
    assert (row.void_reason, row.voided_by) == ("duplicate entry", staff_user)
    assert row.answers == COMPLETE_ANSWERS


@pytest.mark.parametrize("role", ["researcher", ""])
def test_only_the_owner_editors_and_staff_may_void(role):
    response = ResponseFactory(submitted=True)

    with pytest.raises(PermissionDenied):
        response_void(response=response, reason="spam", actor=UserFactory(role=role))

    assert not Response.objects.get(pk=response.pk).is_voided


@pytest.mark.parametrize("reason", ["", "   "])
def test_voiding_needs_a_reason(staff_user, reason):
    response = ResponseFactory(submitted=True)

    with pytest.raises(ValidationError) as excinfo:
        response_void(response=response, reason=reason, actor=staff_user)

    assert list(excinfo.value.message_dict) == ["reason"]
    assert not Response.objects.get(pk=response.pk).is_voided


def test_voiding_twice_keeps_the_first_void(staff_user):
    response = ResponseFactory(submitted=True)
    first = response_void(response=response, reason="spam", actor=staff_user)

    again = response_void(
        response=response, reason="other reason", actor=UserFactory(is_staff=True)
    )

    row = Response.objects.get(pk=response.pk)
    assert again.voided_at == first.voided_at == row.voided_at
    assert (row.void_reason, row.voided_by) == ("spam", staff_user)


def test_a_draft_cannot_be_voided(staff_user):
    response = ResponseFactory()

    with pytest.raises(Conflict) as excinfo:
        response_void(response=response, reason="spam", actor=staff_user)

    assert excinfo.value.code == "response_not_submitted"


# --- response_create -------------------------------------------------------------------------


def test_create_and_submit_in_one_call():
    survey = SurveyFactory()

    response, created = response_create(
        survey=survey, answers=COMPLETE_ANSWERS, submit=True
    )

    row = Response.objects.get(pk=response.pk)
    assert created is True
    assert row.is_submitted
    assert row.channel == Response.Channel.API
    assert row.answers == COMPLETE_ANSWERS


def test_create_a_draft_with_answers():
    survey = SurveyFactory()

    response, _created = response_create(
        survey=survey, answers={"role": "engineer"}, submit=False, language="pt-br"
    )

    row = Response.objects.get(pk=response.pk)
    assert row.status == Response.Status.DRAFT
    assert (row.answers, row.language) == ({"role": "engineer"}, "pt-br")


@pytest.mark.parametrize("submit", [True, False])
def test_create_with_a_bad_answer_saves_nothing(submit):
    survey = SurveyFactory()

    with pytest.raises(ValidationError) as excinfo:
        response_create(
            survey=survey,
            answers={**COMPLETE_ANSWERS, "experience": "x"},
            submit=submit,
            idempotency_key="k-1",
        )

    assert excinfo.value.message_dict == {
        "experience": ["Choose one of: lt1, 1to3, gt3."]
    }
    assert Response.objects.count() == 0


def test_create_replays_an_idempotency_key_without_changes():
    survey = SurveyFactory()
    first, _ = response_create(
        survey=survey,
        answers=COMPLETE_ANSWERS,
        submit=True,
        idempotency_key="k",
        fingerprint="f",
    )

    again, created = response_create(
        survey=survey,
        answers=COMPLETE_ANSWERS,
        submit=True,
        idempotency_key="k",
        fingerprint="f",
    )

    assert (again.pk, created) == (first.pk, False)
    assert Response.objects.count() == 1


# --- survey_hand_over --------------------------------------------------------------


def test_staff_hand_a_survey_over_to_a_researcher(staff_user, researcher):
    survey = SurveyFactory(owner=staff_user)

    survey_hand_over(survey=survey, owner=researcher, actor=staff_user)

    assert Survey.objects.get(pk=survey.pk).owner == researcher


def test_only_staff_hand_a_survey_over_and_only_to_a_researcher(researcher):
    survey = SurveyFactory(owner=researcher)
    other = UserFactory(role="researcher")

    with pytest.raises(PermissionDenied):
        survey_hand_over(survey=survey, owner=other, actor=researcher)
    with pytest.raises(ValidationError):
        survey_hand_over(
            survey=survey, owner=UserFactory(), actor=UserFactory(is_staff=True)
        )
    assert Survey.objects.get(pk=survey.pk).owner == researcher

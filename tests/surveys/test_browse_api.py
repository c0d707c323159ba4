"""GET /api/v1/surveys/{slug}/responses/: researchers browse the submitted
responses of a survey they own or collaborate on (its drafts when asking for
them); void and un-void them."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from surveys.models import Response, ResponseVoidEvent, SurveyCollaborator
from tests.accounts.factories import UserFactory
from tests.surveys.factories import (
    ResponseFactory,
    SurveyFactory,
    SurveyVersionFactory,
)
from tests.surveys.sample_definition import COMPLETE_ANSWERS, opts, sample, t

pytestmark = pytest.mark.django_db


def url(slug: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/surveys/{slug}/responses/" + (f"?{query}" if query else "")


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def owner():
    return UserFactory(role="researcher")


@pytest.fixture
def survey(owner):
    return SurveyFactory(owner=owner)


def collaborator(survey, role: str):
    user = UserFactory(role="researcher")
    SurveyCollaborator.objects.create(
        survey=survey, user=user, role=role, added_by=survey.owner
    )
    return user


def submitted(survey, minutes_ago: float = 0, **fields) -> Response:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return ResponseFactory(survey=survey, submitted=True, submitted_at=at, **fields)


def draft(survey, minutes_ago: float = 0, **fields) -> Response:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return ResponseFactory(survey=survey, started_at=at, **fields)


def all_pages(api_client, first_url: str) -> list[str]:
    seen, next_url = [], first_url
    while next_url:
        page = api_client.get(next_url).json()
        seen += [row["id"] for row in page["results"]]
        next_url = page["next"]
    return seen


# --- Listing and filters ---------------------------------------------------------------


def test_the_owner_lists_submitted_responses_newest_first(api_client, survey, owner):
    old = submitted(survey, minutes_ago=10)
    new = submitted(survey, minutes_ago=1)
    ResponseFactory(survey=survey)  # a draft: not listed
    submitted(SurveyFactory())  # another survey's
    api_client.force_authenticate(owner)

    response = api_client.get(url(survey.slug))

    assert ids(response) == [str(new.pk), str(old.pk)]
    row = response.json()["results"][0]
    assert row["answers"] == COMPLETE_ANSWERS
    assert row["version"] == 1
    assert (row["status"], row["voided"], row["channel"]) == ("submitted", False, "api")
    assert set(response.json()) == {"next", "previous", "results"}


@pytest.fixture
def varied(survey):
    """Responses that differ in one field each from ``plain``."""
    plain = submitted(survey, minutes_ago=60)
    rows = {
        "plain": plain,
        "voided": ResponseFactory(survey=survey, voided=True),
        "pt": submitted(survey, minutes_ago=50, language="pt-br"),
        "web": submitted(survey, minutes_ago=40, channel="web"),
        "old": submitted(survey, minutes_ago=60 * 24 * 40),
        "scientist": submitted(
            survey, minutes_ago=30, answers={**COMPLETE_ANSWERS, "role": "scientist"}
        ),
        "junior": submitted(
            survey, minutes_ago=20, answers={**COMPLETE_ANSWERS, "experience": "lt1"}
        ),
    }
    SurveyVersionFactory(survey=survey)
    survey.refresh_from_db()
    rows["v2"] = submitted(survey, minutes_ago=10)
    return rows


def forty_days_ago() -> str:
    return (timezone.localdate() - dt.timedelta(days=40)).isoformat()


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"status": "voided"}, {"voided"}),
        ({"version": "2"}, {"v2"}),
        ({"language": "pt-br"}, {"pt"}),
        ({"channel": "web"}, {"web"}),
        ({"answer": "role:scientist"}, {"scientist"}),
        ({"answer": "experience:lt1"}, {"junior"}),
        ({"submitted_to": "FORTY"}, {"old"}),
        ({"submitted_from": "FORTY", "submitted_to": "FORTY"}, {"old"}),
    ],
)
def test_each_filter_keeps_only_its_responses(
    api_client, survey, owner, varied, params, expected
):
    params = {k: forty_days_ago() if v == "FORTY" else v for k, v in params.items()}
    api_client.force_authenticate(owner)

    found = set(ids(api_client.get(url(survey.slug, **params))))

    assert found == {str(varied[name].pk) for name in expected}


def test_the_answer_filter_knows_each_survey_s_choices_after_the_schema_is_built(
    api_client, survey, owner
):
    one = submitted(survey)
    other = SurveyFactory(
        definition=sample(
            pages=[
                {
                    "code": "p",
                    "title": t("Page"),
                    "questions": [
                        {
                            "code": "role",
                            "type": "single_choice",
                            "text": t("Role"),
                            "choices": opts("pilot"),
                        }
                    ],
                }
            ]
        )
    )
    api_client.force_authenticate(UserFactory(is_staff=True))
    assert api_client.get("/api/schema/?format=json").status_code == 200

    engineers = api_client.get(url(survey.slug, answer="role:engineer"))
    pilots = api_client.get(url(other.slug, answer="role:pilot"))
    not_here = api_client.get(url(other.slug, answer="role:engineer"))

    assert ids(engineers) == [str(one.pk)]
    assert ids(pilots) == []
    assert not_here.status_code == 400


def test_filters_combine_and_answers_can_be_repeated(api_client, survey, owner, varied):
    api_client.force_authenticate(owner)
    counted = set(ids(api_client.get(url(survey.slug, status="counted"))))
    since = timezone.localdate() - dt.timedelta(days=1)
    both = api_client.get(
        url(survey.slug, submitted_from=since, answer="role:engineer")
        + "&answer=experience:1to3"
    )

    assert counted == {str(r.pk) for k, r in varied.items() if k != "voided"}
    assert set(ids(both)) == {
        str(varied[k].pk) for k in ("plain", "pt", "web", "v2", "voided")
    }


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"status": "submitted"}, "status"),  # Any lists the submitted ones
        ({"version": "x"}, "version"),
        ({"language": "fr"}, "language"),
        ({"channel": "fax"}, "channel"),
        ({"submitted_from": "yesterday"}, "submitted_from"),
        ({"submitted_to": "2026-02-30"}, "submitted_to"),
        ({"answer": "role:astronaut"}, "answer"),
        ({"answer": "shoe_size:42"}, "answer"),
        ({"answer": "years:4"}, "answer"),  # a number question, not a choice
        ({"answer": "role"}, "answer"),
        ({"page_size": "x"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"status": ""}, "status"),  # empty is not "any" in the API
        ({"cursor": "not-a-cursor"}, None),
    ],
)
def test_a_bad_filter_is_a_400_naming_its_parameter(
    api_client, survey, owner, params, parameter
):
    submitted(survey)
    api_client.force_authenticate(owner)

    response = api_client.get(url(survey.slug, **params))

    if parameter is None:  # DRF's cursor pagination: 404 "Invalid cursor"
        assert response.status_code == 404, response.content
        return
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [parameter]


def test_pages_stay_stable_while_responses_arrive(api_client, survey, owner):
    first_batch = [submitted(survey, minutes_ago=100 - i) for i in range(7)]
    api_client.force_authenticate(owner)
    seen: list[str] = []

    page = api_client.get(url(survey.slug, page_size=3)).json()
    seen += [row["id"] for row in page["results"]]
    arrived = [submitted(survey) for _ in range(2)]  # newer than every listed one
    while page["next"]:
        query = parse_qs(urlsplit(page["next"]).query)
        page = api_client.get(
            url(survey.slug, page_size=3, cursor=query["cursor"][0])
        ).json()
        seen += [row["id"] for row in page["results"]]

    newest_first = [str(r.pk) for r in reversed(first_batch)]
    assert seen == newest_first  # nothing repeated, nothing skipped
    fresh = ids(api_client.get(url(survey.slug, page_size=3)))
    assert fresh == [str(r.pk) for r in reversed(arrived)] + newest_first[:1]


def test_responses_with_the_same_submission_time_page_without_loss(
    api_client, survey, owner
):
    at = timezone.now()
    same = [submitted(survey) for _ in range(5)]
    Response.objects.filter(pk__in=[r.pk for r in same]).update(submitted_at=at)
    api_client.force_authenticate(owner)
    seen, next_url = [], url(survey.slug, page_size=2)
    while next_url:
        page = api_client.get(next_url).json()
        seen += [row["id"] for row in page["results"]]
        next_url = page["next"]

    assert seen == sorted((str(r.pk) for r in same), reverse=True)


@pytest.mark.parametrize(
    "make, params",
    [(submitted, {"answer": "role:engineer"}), (draft, {"status": "draft"})],
    ids=["submitted", "drafts"],
)
def test_the_list_costs_the_same_queries_whatever_its_length(
    api_client, survey, django_assert_num_queries, make, params
):
    viewer = collaborator(survey, "viewer")
    for _ in range(3):
        make(survey)
    api_client.force_authenticate(viewer)
    api_client.get(url(survey.slug))  # reads the definition, once per process
    # The survey, the viewer's role, the page (with each version's number).
    with django_assert_num_queries(3):
        short = api_client.get(url(survey.slug, **params))
    for _ in range(20):
        make(survey)
    with django_assert_num_queries(3):
        long = api_client.get(url(survey.slug, **params))

    assert (len(ids(short)), len(ids(long))) == (3, 23)


# --- Drafts ---------------------------------------------------------------------------


def test_drafts_are_listed_with_status_draft_alone_most_recently_started_first(
    api_client, survey, owner
):
    counted = submitted(survey, minutes_ago=5)
    older = draft(survey, minutes_ago=30, answers={"role": "scientist"})
    newer = draft(survey, minutes_ago=10)
    draft(SurveyFactory(), minutes_ago=1)  # another survey's
    api_client.force_authenticate(owner)

    by_default = api_client.get(url(survey.slug))
    drafts = api_client.get(url(survey.slug, status="draft"))

    assert ids(by_default) == [str(counted.pk)]
    assert ids(drafts) == [str(newer.pk), str(older.pk)]
    row = drafts.json()["results"][1]
    assert (row["status"], row["voided"], row["submitted_at"]) == ("draft", False, None)
    assert row["answers"] == {"role": "scientist"}
    assert row["started_at"] is not None


def test_draft_pages_stay_stable_while_drafts_start(api_client, survey, owner):
    first_batch = [draft(survey, minutes_ago=100 - i) for i in range(7)]
    api_client.force_authenticate(owner)
    seen: list[str] = []

    page = api_client.get(url(survey.slug, status="draft", page_size=3)).json()
    seen += [row["id"] for row in page["results"]]
    started = [draft(survey) for _ in range(2)]  # newer than every listed one
    submitted(survey)  # a submission is no draft
    seen += all_pages(api_client, page["next"])

    newest_first = [str(r.pk) for r in reversed(first_batch)]
    assert seen == newest_first  # nothing repeated, nothing skipped
    fresh = ids(api_client.get(url(survey.slug, status="draft", page_size=3)))
    assert fresh == [str(r.pk) for r in reversed(started)] + newest_first[:1]


def test_drafts_started_at_the_same_time_page_without_loss(api_client, survey, owner):
    at = timezone.now()
    same = [draft(survey) for _ in range(5)]
    Response.objects.filter(pk__in=[r.pk for r in same]).update(started_at=at)
    api_client.force_authenticate(owner)

    seen = all_pages(api_client, url(survey.slug, status="draft", page_size=2))

    assert seen == sorted((str(r.pk) for r in same), reverse=True)


def test_the_date_filters_read_the_start_of_a_draft_and_the_submission_otherwise(
    api_client, survey, owner
):
    forty = forty_days_ago()
    old_draft = draft(survey, minutes_ago=60 * 24 * 40)
    draft(survey, minutes_ago=10)
    # Started forty days ago, submitted today: its date is today's.
    late = submitted(survey, started_at=timezone.now() - dt.timedelta(days=40))
    old = submitted(survey, minutes_ago=60 * 24 * 40)
    api_client.force_authenticate(owner)

    drafts = api_client.get(
        url(survey.slug, status="draft", submitted_from=forty, submitted_to=forty)
    )
    responses = api_client.get(url(survey.slug, submitted_to=forty))
    recent = api_client.get(url(survey.slug, submitted_from=timezone.localdate()))

    assert ids(drafts) == [str(old_draft.pk)]
    assert ids(responses) == [str(old.pk)]
    assert ids(recent) == [str(late.pk)]


def test_the_other_filters_apply_to_drafts(api_client, survey, owner):
    wanted = draft(
        survey, language="pt-br", channel="web", answers={"role": "scientist"}
    )
    draft(survey, language="pt-br", channel="web", answers={"role": "engineer"})
    draft(survey, channel="web", answers={"role": "scientist"})
    submitted(survey, language="pt-br", channel="web")
    api_client.force_authenticate(owner)

    found = api_client.get(
        url(
            survey.slug,
            status="draft",
            language="pt-br",
            channel="web",
            answer="role:scientist",
            version=1,
        )
    )

    assert ids(found) == [str(wanted.pk)]


@pytest.mark.parametrize("who", ["owner", "viewer", "editor", "staff"])
def test_the_owner_collaborators_and_staff_browse_drafts(
    api_client, survey, owner, who
):
    one = draft(survey)
    user = {
        "owner": owner,
        "staff": UserFactory(is_staff=True),
    }.get(who) or collaborator(survey, who)
    api_client.force_authenticate(user)

    assert ids(api_client.get(url(survey.slug, status="draft"))) == [str(one.pk)]


def test_anyone_else_is_refused_the_drafts(api_client, survey):
    draft(survey)
    other_draft_survey = SurveyFactory(status="draft")

    assert api_client.get(url(survey.slug, status="draft")).status_code == 401
    api_client.force_authenticate(UserFactory())  # a respondent
    assert api_client.get(url(survey.slug, status="draft")).status_code == 403
    api_client.force_authenticate(UserFactory(role="researcher"))
    assert api_client.get(url(survey.slug, status="draft")).status_code == 403
    assert (
        api_client.get(url(other_draft_survey.slug, status="draft")).status_code == 404
    )


@pytest.mark.parametrize("action", ["void", "unvoid"])
def test_a_draft_is_neither_voided_nor_unvoided(api_client, survey, owner, action):
    one = draft(survey)
    api_client.force_authenticate(owner)

    answer = api_client.post(void_url(one, action), {"reason": "spam"}, format="json")

    assert answer.status_code == 409, answer.content
    assert answer.json()["code"] == "response_not_submitted"
    row = Response.objects.get(pk=one.pk)
    assert (row.status, row.voided_at) == ("draft", None)
    assert not ResponseVoidEvent.objects.exists()


# --- Who may browse ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "viewer", "editor", "staff"])
def test_the_owner_collaborators_and_staff_browse(api_client, survey, owner, who):
    one = submitted(survey)
    user = {
        "owner": owner,
        "staff": UserFactory(is_staff=True),
    }.get(who) or collaborator(survey, who)
    api_client.force_authenticate(user)

    assert ids(api_client.get(url(survey.slug))) == [str(one.pk)]


def test_anyone_else_is_refused(api_client, survey):
    one = submitted(survey)
    gone = ResponseFactory(survey=survey, voided=True)
    draft = SurveyFactory(status="draft")

    assert api_client.get(url(survey.slug)).status_code == 401
    api_client.force_authenticate(UserFactory())  # a respondent
    assert api_client.get(url(survey.slug)).status_code == 403
    api_client.force_authenticate(UserFactory(role="researcher"))
    assert api_client.get(url(survey.slug)).status_code == 403
    assert api_client.get(url(draft.slug)).status_code == 404
    assert api_client.get(url("no-such-survey")).status_code == 404
    for target, action in ((one, "void"), (gone, "unvoid")):
        answer = api_client.post(void_url(target, action), {"reason": "x"})
        assert answer.status_code == 403, action
    assert Response.objects.get(pk=gone.pk).is_voided
    assert not Response.objects.get(pk=one.pk).is_voided


def test_anyone_may_still_answer_on_the_same_url_which_ignores_the_filters(
    api_client, survey
):
    response = api_client.post(
        url(survey.slug, status="bogus", cursor="junk"),
        {"answers": COMPLETE_ANSWERS, "submit": True},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Response.objects.get(pk=response.json()["id"]).is_submitted


def test_the_schema_documents_the_filters_and_statuses(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/surveys/{slug}/responses/"]["get"]

    names = {p["name"] for p in operation["parameters"]}
    assert names >= {
        "status",
        "version",
        "submitted_from",
        "submitted_to",
        "language",
        "channel",
        "answer",
        "cursor",
        "page_size",
    }
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    status = next(p for p in operation["parameters"] if p["name"] == "status")
    assert status["schema"]["enum"] == ["counted", "draft", "voided"]
    unvoid = schema["paths"]["/api/v1/responses/{response_id}/unvoid/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(unvoid["responses"])


# --- Void and un-void ------------------------------------------------------------------


def void_url(response, action: str = "void") -> str:
    return f"/api/v1/responses/{response.pk}/{action}/"


@pytest.mark.parametrize("who", ["owner", "editor", "staff"])
def test_the_owner_editors_and_staff_void_and_unvoid_with_a_logged_reason(
    api_client, survey, owner, who
):
    one = submitted(survey)
    user = {"owner": owner, "staff": UserFactory(is_staff=True)}.get(
        who
    ) or collaborator(survey, who)
    api_client.force_authenticate(user)

    voided = api_client.post(void_url(one), {"reason": "duplicate"}, format="json")
    listed = api_client.get(url(survey.slug, status="voided"))
    back = api_client.post(
        void_url(one, "unvoid"), {"reason": "not a duplicate"}, format="json"
    )

    assert voided.status_code == 200 and voided.json()["voided"] is True
    assert ids(listed) == [str(one.pk)]
    assert listed.json()["results"][0]["void_reason"] == "duplicate"
    assert back.status_code == 200 and back.json()["voided"] is False
    row = Response.objects.get(pk=one.pk)
    assert (row.voided_at, row.void_reason, row.voided_by) == (None, "", None)
    assert list(
        ResponseVoidEvent.objects.filter(response=one).values_list(
            "action", "reason", "actor"
        )
    ) == [("void", "duplicate", user.pk), ("unvoid", "not a duplicate", user.pk)]


def test_a_viewer_reads_but_may_not_void_or_unvoid(api_client, survey):
    one = submitted(survey)
    gone = ResponseFactory(survey=survey, voided=True)
    api_client.force_authenticate(collaborator(survey, "viewer"))

    refused = api_client.post(void_url(one), {"reason": "x"}, format="json")
    refused_back = api_client.post(void_url(gone, "unvoid"), {"reason": "x"})

    assert (refused.status_code, refused_back.status_code) == (403, 403)
    assert not Response.objects.get(pk=one.pk).is_voided
    assert Response.objects.get(pk=gone.pk).is_voided
    assert not ResponseVoidEvent.objects.exists()


def test_unvoiding_needs_a_reason_and_a_second_unvoid_changes_nothing(
    api_client, survey, owner
):
    gone = ResponseFactory(survey=survey, voided=True)
    api_client.force_authenticate(owner)

    missing = api_client.post(void_url(gone, "unvoid"), {"reason": " "}, format="json")
    first = api_client.post(void_url(gone, "unvoid"), {"reason": "ok"}, format="json")
    again = api_client.post(void_url(gone, "unvoid"), {"reason": "ok"}, format="json")

    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["reason"]
    assert (first.status_code, again.status_code) == (200, 200)
    assert ResponseVoidEvent.objects.filter(response=gone).count() == 1

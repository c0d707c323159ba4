"""Factories for the surveys app, one per model, each valid by default.

A survey is built the way the platform builds one: its definition is published
with ``survey_publish`` and its status and settings are set with
``survey_update``, so every factory-made survey has a real, materialised
version (pages and questions included) unless ``definition=None``.
"""

import uuid

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from surveys.models import (
    Invitation,
    Page,
    Question,
    Response,
    Survey,
    SurveyVersion,
    hash_token,
    new_token,
)
from surveys.services import resume_token_for, survey_publish, survey_update
from tests.accounts.factories import UserFactory
from tests.surveys.sample_definition import COMPLETE_ANSWERS, opts, sample, t

_UPDATABLE = ("access", "opens_at", "closes_at", "response_quota", "public_results")


class SurveyFactory(DjangoModelFactory):
    """A published, open, public survey on the sample definition.

    ``definition`` is the document to publish (its slug is replaced by the
    survey's); ``definition=None`` makes an unpublished draft.
    """

    class Meta:
        model = Survey

    slug = factory.Sequence(lambda n: f"survey-{n}")
    owner = factory.SubFactory(UserFactory, role="researcher")
    status = Survey.Status.OPEN
    access = Survey.Access.PUBLIC
    definition = factory.LazyAttribute(lambda o: sample(slug=o.slug))

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        kwargs.pop("definition", None)
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        definition = kwargs.pop("definition")
        owner = kwargs.pop("owner")
        slug = kwargs.pop("slug")
        status = kwargs.pop("status")
        if definition is None:
            return Survey.objects.create(slug=slug, owner=owner, **kwargs)
        version = survey_publish(document={**definition, "slug": slug}, actor=owner)
        settings = {name: kwargs.pop(name) for name in _UPDATABLE if name in kwargs}
        survey = survey_update(
            survey=version.survey, actor=owner, status=status, **settings
        )
        if kwargs:  # anything else (timestamps, say) is set as is
            Survey.objects.filter(pk=survey.pk).update(**kwargs)
            survey.refresh_from_db()
        return survey


class SurveyVersionFactory(DjangoModelFactory):
    """The next version of a survey, published with a changed title.

    Without a survey, it publishes version 1 of a new (draft) survey.
    """

    class Meta:
        model = SurveyVersion

    survey = factory.SubFactory(SurveyFactory, definition=None)
    definition = factory.LazyAttributeSequence(
        lambda o, n: sample(slug=o.survey.slug, title=t(f"Sample survey {n}"))
    )
    published_by = factory.SelfAttribute("survey.owner")

    @classmethod
    def _create(cls, model_class, *args, survey, definition, published_by, **kwargs):
        return survey_publish(
            document={**definition, "slug": survey.slug}, actor=published_by
        )


class PageFactory(DjangoModelFactory):
    """A materialised page row (an extra one: the definition does not list it)."""

    class Meta:
        model = Page

    version = factory.SubFactory(SurveyVersionFactory)
    code = factory.Sequence(lambda n: f"extra_page_{n}")
    position = factory.Sequence(lambda n: 100 + n)
    title = factory.LazyAttribute(lambda o: t(o.code))


class QuestionFactory(DjangoModelFactory):
    """A materialised question row on a page of the same version."""

    class Meta:
        model = Question

    page = factory.SubFactory(PageFactory)
    version = factory.SelfAttribute("page.version")
    code = factory.Sequence(lambda n: f"extra_question_{n}")
    position = factory.Sequence(lambda n: 1000 + n)
    type = "single_choice"
    text = factory.LazyAttribute(lambda o: t(o.code))
    required = False
    tags = factory.List([])
    spec = factory.LazyAttribute(
        lambda o: {
            "code": o.code,
            "type": o.type,
            "text": o.text,
            "choices": opts("yes", "no"),
        }
    )


class InvitationFactory(DjangoModelFactory):
    """A single-use invitation to an invitation-only survey.

    The clear token is kept on the instance as ``token`` (the row stores only
    its hash), as ``invitations_create`` hands it out once.
    """

    class Meta:
        model = Invitation

    survey = factory.SubFactory(SurveyFactory, access=Survey.Access.INVITATION)
    token = factory.LazyFunction(new_token)
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    label = "batch"
    created_by = factory.SelfAttribute("survey.owner")

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        token = kwargs.pop("token")
        invitation = super()._build(model_class, *args, **kwargs)
        invitation.token = token
        return invitation

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        token = kwargs.pop("token")
        invitation = super()._create(model_class, *args, **kwargs)
        invitation.token = token
        return invitation


class ResponseFactory(DjangoModelFactory):
    """A draft response to the survey's current version.

    ``resume_token`` on the instance is the clear token for ``X-Resume-Token``.
    Traits: ``submitted`` (complete sample answers), ``voided``.
    """

    class Meta:
        model = Response
        skip_postgeneration_save = True

    id = factory.LazyFunction(uuid.uuid4)
    survey = factory.SubFactory(SurveyFactory)
    version = factory.SelfAttribute("survey.current_version")
    status = Response.Status.DRAFT
    answers = factory.LazyFunction(dict)
    language = "en"
    channel = Response.Channel.API
    resume_token_hash = factory.LazyAttribute(
        lambda o: hash_token(resume_token_for(o.id))
    )

    class Params:
        submitted = factory.Trait(
            status=Response.Status.SUBMITTED,
            submitted_at=factory.LazyFunction(timezone.now),
            answers=factory.LazyFunction(lambda: dict(COMPLETE_ANSWERS)),
        )
        voided = factory.Trait(
            submitted=True,
            voided_at=factory.LazyFunction(timezone.now),
            void_reason="test data",
            voided_by=factory.SubFactory(UserFactory, is_staff=True),
        )

    @factory.post_generation
    def resume_token(obj, create, extracted, **kwargs):
        obj.resume_token = resume_token_for(obj.id)


def definition_with_questions(count: int, *, slug: str = "big-survey") -> dict:
    """A valid definition with ``count`` questions of every type, 50 a page."""
    kinds = [
        {"type": "single_choice", "choices": opts("a", "b", "c")},
        {"type": "multiple_choice", "choices": opts("a", "b", "c")},
        {"type": "likert", "scale": {"min": 1, "max": 5}},
        {"type": "number", "min": 0, "max": 100},
        {"type": "text"},
        {"type": "boolean"},
        {"type": "date"},
        {"type": "ranking", "choices": opts("a", "b", "c"), "top_n": 2},
        {"type": "matrix", "rows": opts("r1", "r2"), "columns": opts("x", "y")},
        {"type": "long_text"},
    ]
    questions = [
        {
            "code": f"q{i}",
            "text": t(f"Question {i}"),
            "required": True,
            **kinds[i % len(kinds)],
        }
        for i in range(count)
    ]
    return sample(
        slug=slug,
        pages=[
            {
                "code": f"p{n}",
                "title": t(f"Page {n}"),
                "questions": questions[n : n + 50],
            }
            for n in range(0, count, 50)
        ],
    )


def answers_for(document: dict) -> dict:
    """Complete, valid answers for a ``definition_with_questions`` document."""
    values = {
        "single_choice": "b",
        "multiple_choice": ["a", "c"],
        "likert": 3,
        "number": 42,
        "text": "short",
        "boolean": False,
        "date": "2024-02-29",
        "ranking": ["c", "a"],
        "matrix": {"r1": "x", "r2": "y"},
        "long_text": "longer text",
    }
    return {
        question["code"]: values[question["type"]]
        for page in document["pages"]
        for question in page["questions"]
    }

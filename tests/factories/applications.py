from datetime import timedelta

import factory
from django.utils import timezone

from applications.choices import ApplicationStatus, Phase, RoleCategory, RoundStatus, RouteKind
from applications.models import Application, Criterion, CriterionResponse, Round, RoundCriterion, Route

from . import OrganisationFactory, RegionFactory, UserFactory

CRITERIA = [
    ("a", "Commitment to collaborative improvement"),
    ("b", "Experience of playing a role in efforts to improve quality"),
    ("c", "Ability to articulate and reflect on approaches used to improve quality"),
]


def criteria() -> list[Criterion]:
    """The three selection criteria (created once per test database)."""
    return [
        Criterion.objects.get_or_create(
            letter=letter,
            defaults={
                "title": title,
                "guidance_for_applicants": f"Tell us about your {title.lower()}.",
                "guidance_for_reviewers": f"Look for evidence of {title.lower()}.",
                "word_limit": 300,
            },
        )[0]
        for letter, title in CRITERIA
    ]


def route(kind: RouteKind = RouteKind.OPEN) -> Route:
    return Route.objects.get_or_create(
        kind=kind,
        defaults={
            "name": RouteKind(kind).label,
            "summary": f"For people {RouteKind(kind).label.lower()}.",
            "question": f"Are you {RouteKind(kind).label.lower()}?",
            "evidence_prompt": "Tell us briefly how you meet this route.",
        },
    )[0]


class RoundFactory(factory.django.DjangoModelFactory):
    """An open round, accepting now, with the three criteria and the open route."""

    class Meta:
        model = Round
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Round {n}")
    phase = Phase.WIDER
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=21))
    capacity = 100
    status = RoundStatus.OPEN

    @factory.post_generation
    def routes(obj, create, extracted, **kwargs):
        if create:
            obj.routes.set(extracted if extracted is not None else [route(RouteKind.OPEN)])

    @factory.post_generation
    def with_criteria(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            RoundCriterion.objects.bulk_create(RoundCriterion(round=obj, criterion=c) for c in criteria())


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft application by a new applicant to an open round."""

    class Meta:
        model = Application

    applicant = factory.SubFactory(UserFactory)
    round = factory.SubFactory(RoundFactory)
    full_name = factory.SelfAttribute("applicant.display_name")


def complete(application: Application, words: int = 120) -> Application:
    """Fill every section of a draft with valid answers."""
    application.job_title = "Quality improvement lead"
    application.role_category = RoleCategory.CLINICIAN
    application.organisation = OrganisationFactory()
    application.region = RegionFactory()
    application.route = application.round.routes.first()
    application.route_evidence = "I lead improvement work in my trust."
    application.declares_true = True
    application.consents_to_processing = True
    application.save()
    for criterion in application.round.criteria.all():
        CriterionResponse.objects.update_or_create(
            application=application, criterion=criterion, defaults={"text": " ".join(["improvement"] * words)}
        )
    return application


def submitted(application: Application) -> Application:
    complete(application)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = application.first_submitted_at = timezone.now()
    application.reference = f"Q-{timezone.now():%Y}-{application.pk:05d}"
    application.save()
    return application

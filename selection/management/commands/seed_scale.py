"""A large, realistic data set for the benchmark (`make bench`, DESIGN.md §4):
an open round and a round in review with N submitted applications, each with
its criterion answers and three submitted reviews; R reviewers with profiles,
capacities and a second factor; M members with searchable profiles; 50
organisations; a programme team account and a nominator.

Everything it creates is recognisable, so `--reset` removes only that: accounts
at SCALE_DOMAIN, rounds and organisations named with SCALE_PREFIX. Rows are
written with bulk inserts; reviewers are assigned by the real service."""

import random
import time
from contextlib import contextmanager
from datetime import timedelta
from math import ceil

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape

from applications import demo as applications_demo
from applications.choices import ApplicationStatus, Phase, RoleCategory, RoundStatus, RouteKind
from applications.models import (
    Application,
    Criterion,
    CriterionResponse,
    NominationQuota,
    NominatorOrganisation,
    Round,
    RoundCriterion,
    Route,
)
from members import demo as members_demo
from members.choices import CommunityKind, MemberSource
from members.models import MemberProfile, Organisation, OrganisationKind, Region, User
from members.models.discussions import Post, Thread
from members.models.membership import Community, CommunityMembership
from members.services.membership import profile_search_refresh
from q_portal.audit.models import AuditEntry
from q_portal.roles import Role
from selection import reviewer_agreement
from selection.choices import Recommendation, ReviewStatus
from selection.models import (
    Assignment,
    CriterionScore,
    Review,
    ReviewerAgreement,
    ReviewerCapacity,
    ReviewerProfile,
    SelectionSettings,
)
from selection.scoring import weighted_total
from selection.services.assignments import assignments_auto
from selection.services.scores import scores_refresh_round

SCALE_DOMAIN = "scale.example.org"
SCALE_PREFIX = "Scale"
OPEN_ROUND = f"{SCALE_PREFIX} round (open)"
REVIEW_ROUND = f"{SCALE_PREFIX} round (in review)"
PROGRAMME_EMAIL = f"programme@{SCALE_DOMAIN}"
NOMINATOR_EMAIL = f"nominator@{SCALE_DOMAIN}"
REVIEWERS_PER_APPLICATION = 3
ORGANISATIONS = 50
BATCH = 2000
# The special interest group the benchmark loads (issue #17): GROUP_THREADS threads
# of GROUP_POSTS_PER_THREAD posts each, 1,000 posts in all, and its first GROUP_MEMBERS members.
SCALE_GROUP = f"{SCALE_PREFIX} special interest group"
SCALE_GROUP_SLUG = "scale-special-interest-group"
GROUP_THREADS = 10
GROUP_POSTS_PER_THREAD = 100
GROUP_MEMBERS = 200

FIRST_NAMES = [
    "Aisha", "Ben", "Catrin", "Dev", "Eilidh", "Femi", "Grace", "Hamza", "Isla", "Jack",
    "Kiran", "Leah", "Mohammed", "Niamh", "Oliver", "Priya", "Rhys", "Sofia", "Tom", "Zara",
]  # fmt: skip
LAST_NAMES = [
    "Ahmed", "Brown", "Campbell", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones",
    "Khan", "Lewis", "Murphy", "Nolan", "O'Neill", "Patel", "Quinn", "Roberts", "Singh", "Taylor",
]  # fmt: skip
JOB_TITLES = [
    "Staff nurse", "Consultant physician", "Quality improvement lead", "Practice manager",
    "Physiotherapist", "Pharmacist", "Patient safety lead", "Head of nursing", "GP partner",
    "Service manager", "Occupational therapist", "Healthcare scientist",
]  # fmt: skip
TOPICS = [
    "reducing falls on older people's wards", "sepsis screening in the emergency department",
    "discharge before noon", "medicines reconciliation", "pressure ulcer prevention",
    "outpatient waiting times", "patient-reported outcomes", "safer handovers", "staff wellbeing",
    "co-production with carers", "primary care access", "theatre utilisation",
]  # fmt: skip


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _paragraph(rng: random.Random, words: int = 120) -> str:
    topic = rng.choice(TOPICS)
    sentence = (
        f"I led a team working on {topic}, using plan-do-study-act cycles, run charts and "
        f"regular conversations with patients and staff about what mattered to them. "
    )
    text = sentence * max(1, words // len(sentence.split()))
    return text.strip()


def scale_data_exists() -> bool:
    return (
        Round.objects.filter(name__in=[OPEN_ROUND, REVIEW_ROUND]).exists()
        or User.objects.filter(email__iendswith=f"@{SCALE_DOMAIN}").exists()
    )


@transaction.atomic
def scale_data_delete() -> dict[str, int]:
    """Delete what seed_scale made, and nothing else: its rounds (with their
    applications, assignments, reviews and audit rows), its accounts, its
    organisations."""
    rounds = Round.objects.filter(name__in=[OPEN_ROUND, REVIEW_ROUND])
    application_ids = list(Application.objects.filter(round__in=rounds).values_list("pk", flat=True))
    round_ids = list(rounds.values_list("pk", flat=True))
    application_type = ContentType.objects.get_for_model(Application)
    round_type = ContentType.objects.get_for_model(Round)
    AuditEntry.objects.filter(target_type=application_type, target_id__in=[str(pk) for pk in application_ids]).delete()
    AuditEntry.objects.filter(target_type=round_type, target_id__in=[str(pk) for pk in round_ids]).delete()
    counts = {"applications": Application.objects.filter(pk__in=application_ids).delete()[0]}
    counts["rounds"] = rounds.delete()[0]
    users = User.objects.filter(email__iendswith=f"@{SCALE_DOMAIN}")
    AuditEntry.objects.filter(actor__in=users).delete()
    counts["accounts"] = users.delete()[0]
    counts["organisations"] = Organisation.objects.filter(name__startswith=f"{SCALE_PREFIX} organisation ").delete()[0]
    counts["groups"] = Community.objects.filter(slug=SCALE_GROUP_SLUG).delete()[0]
    return counts


class Command(BaseCommand):
    help = (
        "Build a large data set for the benchmark with bulk inserts. Refuses to run twice (use --reset) "
        "and refuses with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=10_000)
        parser.add_argument("--members", type=int, default=5_000)
        parser.add_argument("--reviewers", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2016, help="Random seed, so runs are comparable.")
        parser.add_argument("--reset", action="store_true", help="Delete what an earlier run made first.")
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args, applications, members, reviewers, seed, reset, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_scale creates thousands of accounts, so it refuses to run with DEBUG off. "
                "Pass --force if this really is a benchmark database."
            )
        if min(applications, members, reviewers) < 1:
            raise CommandError("--applications, --members and --reviewers must each be at least 1.")
        if reviewers < REVIEWERS_PER_APPLICATION:
            raise CommandError(
                f"Each application needs {REVIEWERS_PER_APPLICATION} reviewers: use --reviewers 3 or more."
            )
        if scale_data_exists():
            if not reset:
                raise CommandError("The scale data set is already loaded. Pass --reset to delete it and load it again.")
            counts = scale_data_delete()
            self.stdout.write(f"Deleted the earlier scale data set: {counts}")
        self.rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
        self.now = timezone.now()
        self.password = make_password(None)
        started = time.monotonic()
        with transaction.atomic():
            with self._step("reference data, organisations, rounds and staff"):
                self._reference_data()
                self._organisations()
                self._rounds()
                programme = self._staff()
            with self._step(f"{reviewers} reviewers"):
                reviewer_users = self._reviewers(reviewers, applications)
            with self._step(f"{applications} applicants and their applications"):
                self._applications(applications)
        with self._step("automatic assignment"), transaction.atomic():
            result = assignments_auto(round=self.review_round, by=programme)
        self.stdout.write(
            f"Assigned {result.created} reviews ({result.unassignable_total} applications short of reviewers)"
        )
        with transaction.atomic():
            with self._step("the reviews and their scores"):
                self._reviews()
            with self._step("statistics of the review tables"):
                # Statistics for what was just bulk inserted (ANALYZE counts this transaction's
                # own rows): planned on "empty" tables, the refresh below scans the reviews once
                # per application, minutes at 10,000 applications and hours at 100,000.
                self._analyze(Application, Assignment, Review, CriterionScore)
            with self._step("the board's stored scores"):
                # The reviews were bulk inserted: the board's stored scores follow in one go.
                scores_refresh_round(round=self.review_round)
            with self._step(f"{members} members and their search index"):
                self._members(members)
            with self._step("a special interest group with 1,000 posts"):
                self._group()
            with self._step("statistics of the member tables"):
                # The directory's plans too: without statistics, its page took 248 ms at
                # 50,000 members until autovacuum came round (0.3 ms after).
                self._analyze(User, MemberProfile, Post)
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data loaded in {time.monotonic() - started:.1f}s: {applications} applications, "
                f"{len(reviewer_users)} reviewers, {members} members, {ORGANISATIONS} organisations."
            )
        )

    @contextmanager
    def _step(self, what: str):
        """Say how long each step took, so a slow load says where its time went (the total
        less the steps is the commits)."""
        started = time.monotonic()
        yield
        self.stdout.write(f"  {what}: {time.monotonic() - started:.1f}s")

    # Reference data shared with the demo: regions, criteria, the open route.
    def _reference_data(self):
        if not Region.objects.exists():
            members_demo.seed_places()
        self.regions = list(Region.objects.order_by("pk"))
        for letter, title, applicants, reviewers in applications_demo.CRITERIA:
            Criterion.objects.get_or_create(
                letter=letter,
                defaults={"title": title, "guidance_for_applicants": applicants, "guidance_for_reviewers": reviewers},
            )
        self.criteria = list(Criterion.objects.filter(letter__in=[c[0] for c in applications_demo.CRITERIA]))
        route = Route.objects.filter(kind=RouteKind.OPEN).first()
        if route is None:
            kind, name, summary, question, evidence = next(
                r for r in applications_demo.ROUTES if r[0] == RouteKind.OPEN
            )
            route = Route.objects.create(
                kind=kind, name=name, summary=summary, question=question, evidence_prompt=evidence
            )
        self.route = route

    def _organisations(self):
        kinds = [OrganisationKind.PROVIDER, OrganisationKind.PRIMARY_CARE, OrganisationKind.UNIVERSITY]
        Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"{SCALE_PREFIX} organisation {n:02d}",
                    kind=kinds[n % len(kinds)],
                    region=self.regions[n % len(self.regions)],
                )
                for n in range(1, ORGANISATIONS + 1)
            ]
        )
        self.organisations = list(Organisation.objects.filter(name__startswith=f"{SCALE_PREFIX} organisation "))

    def _rounds(self):
        now = self.now
        self.open_round = Round.objects.create(
            name=OPEN_ROUND,
            phase=Phase.WIDER,
            description="A large open round for the benchmark.",
            opens_at=now - timedelta(days=20),
            closes_at=now + timedelta(days=40),
            capacity=500,
            status=RoundStatus.OPEN,
        )
        self.review_round = Round.objects.create(
            name=REVIEW_ROUND,
            phase=Phase.WIDER,
            description="A large round in review for the benchmark.",
            opens_at=now - timedelta(days=120),
            closes_at=now - timedelta(days=30),
            capacity=1000,
            status=RoundStatus.CLOSED,
        )
        for round in (self.open_round, self.review_round):
            round.routes.set([self.route])
            RoundCriterion.objects.bulk_create([RoundCriterion(round=round, criterion=c) for c in self.criteria])

    def _users(self, rows: list[tuple[str, str]], group: str | None = None) -> list[User]:
        """Accounts (email, name) with verified email addresses, in bulk."""
        users = User.objects.bulk_create(
            [
                User(email=email, display_name=name, password=self.password, date_joined=self.now)
                for email, name in rows
            ],
            batch_size=BATCH,
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users],
            batch_size=BATCH,
        )
        if group:
            group_obj, _ = Group.objects.get_or_create(name=group)
            through = User.groups.through
            through.objects.bulk_create([through(user_id=user.pk, group_id=group_obj.pk) for user in users])
        return users

    @staticmethod
    def _analyze(*models) -> None:
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def _staff(self) -> User:
        (programme,) = self._users([(PROGRAMME_EMAIL, "Pat Programme")], Role.PROGRAMME_TEAM)
        TOTP.activate(programme, generate_totp_secret())
        (nominator,) = self._users([(NOMINATOR_EMAIL, "Nico Nominator")], Role.NOMINATOR)
        NominatorOrganisation.objects.create(user=nominator, organisation=self.organisations[0])
        NominationQuota.objects.create(round=self.open_round, organisation=self.organisations[0], places=20)
        return programme

    def _reviewers(self, count: int, applications: int) -> list[User]:
        users = self._users(
            [(f"reviewer{n:04d}@{SCALE_DOMAIN}", _name(self.rng)) for n in range(1, count + 1)], Role.REVIEWER
        )
        # A second factor, as reviewers must have: one activation gives the secret, copied in bulk.
        TOTP.activate(users[0], generate_totp_secret())
        data = Authenticator.objects.get(user=users[0], type=Authenticator.Type.TOTP).data
        Authenticator.objects.bulk_create(
            [Authenticator(user=user, type=Authenticator.Type.TOTP, data=data) for user in users[1:]],
            batch_size=BATCH,
        )
        ReviewerProfile.objects.bulk_create(
            [
                ReviewerProfile(user=user, organisation=organisation, region=organisation.region)
                for user in users
                for organisation in [self.rng.choice(self.organisations)]
            ],
            batch_size=BATCH,
        )
        # Enough room for three reviews of everything, with slack for conflicts.
        capacity = ceil(applications * REVIEWERS_PER_APPLICATION * 1.3 / count) + 2
        SelectionSettings.objects.update_or_create(
            round=self.review_round,
            defaults={"reviewers_per_application": REVIEWERS_PER_APPLICATION, "default_capacity": capacity},
        )
        ReviewerCapacity.objects.bulk_create(
            [
                ReviewerCapacity(round=self.review_round, reviewer=user, capacity=capacity + self.rng.randint(0, 5))
                for user in users
            ],
            batch_size=BATCH,
        )
        return users

    def _applications(self, count: int):
        users = self._users([(f"applicant{n:05d}@{SCALE_DOMAIN}", _name(self.rng)) for n in range(1, count + 1)])
        rng = self.rng
        roles = [choice for choice, _label in RoleCategory.choices]
        rows = []
        for n, user in enumerate(users, start=1):
            organisation = rng.choice(self.organisations)
            submitted_at = self.review_round.closes_at - timedelta(minutes=rng.randint(1, 60 * 24 * 60))
            rows.append(
                Application(
                    applicant=user,
                    round=self.review_round,
                    status=ApplicationStatus.SUBMITTED,
                    reference=f"Q-SC-{n:06d}",
                    full_name=user.display_name,
                    job_title=rng.choice(JOB_TITLES),
                    role_category=rng.choice(roles),
                    organisation=organisation,
                    region=organisation.region,
                    route=self.route,
                    route_evidence=_paragraph(rng, 40),
                    declares_true=True,
                    consents_to_processing=True,
                    first_submitted_at=submitted_at,
                    submitted_at=submitted_at,
                )
            )
        applications = Application.objects.bulk_create(rows, batch_size=BATCH)
        CriterionResponse.objects.bulk_create(
            [
                CriterionResponse(application=application, criterion=criterion, text=_paragraph(rng))
                for application in applications
                for criterion in self.criteria
            ],
            batch_size=BATCH,
        )

    def _reviews(self):
        """A submitted review with scores for every assignment of the round in review."""
        rng = self.rng
        settings_row = SelectionSettings.objects.get(round=self.review_round)
        low, high = settings_row.score_range
        recommendations = [choice for choice, _label in Recommendation.choices]
        assignments = list(Assignment.objects.filter(round=self.review_round).values_list("pk", flat=True))
        scores_by_assignment = {
            pk: {criterion.letter: rng.randint(low, high) for criterion in self.criteria} for pk in assignments
        }
        reviews = Review.objects.bulk_create(
            [
                Review(
                    assignment_id=pk,
                    status=ReviewStatus.SUBMITTED,
                    recommendation=rng.choice(recommendations),
                    weighted_total=weighted_total(scores, settings_row.weights),
                    submitted_at=self.now - timedelta(days=rng.randint(0, 20)),
                )
                for pk, scores in scores_by_assignment.items()
            ],
            batch_size=BATCH,
        )
        letters = {criterion.letter: criterion for criterion in self.criteria}
        CriterionScore.objects.bulk_create(
            [
                CriterionScore(
                    review=review, criterion=letters[letter], score=score, comment="Clear evidence of impact."
                )
                for review in reviews
                for letter, score in scores_by_assignment[review.assignment_id].items()
            ],
            batch_size=BATCH * 2,
        )
        # Reviewers who have scored accepted the round's agreement first.
        reviewer_ids = Assignment.objects.filter(round=self.review_round).values_list("reviewer_id", flat=True)
        ReviewerAgreement.objects.bulk_create(
            [
                ReviewerAgreement(
                    round=self.review_round,
                    reviewer_id=reviewer_id,
                    wording_version=reviewer_agreement.VERSION,
                    accepted_at=self.now - timedelta(days=21),
                )
                for reviewer_id in set(reviewer_ids)
            ],
            batch_size=BATCH,
        )

    def _members(self, count: int):
        rng = self.rng
        users = self._users([(f"member{n:05d}@{SCALE_DOMAIN}", _name(rng)) for n in range(1, count + 1)])
        roles = [choice for choice, _label in RoleCategory.choices]
        profiles = MemberProfile.objects.bulk_create(
            [
                MemberProfile(
                    user=user,
                    membership_number=f"QS{n:06d}",
                    source=MemberSource.FOUNDING,
                    joined_on=(self.now - timedelta(days=rng.randint(0, 3 * 365))).date(),
                    cohort_name=f"{SCALE_PREFIX} cohort {n % 10 + 1}",
                    full_name=user.display_name,
                    job_title=rng.choice(JOB_TITLES),
                    role_category=rng.choice(roles),
                    organisation=organisation,
                    region=organisation.region,
                    bio=_paragraph(rng, 80),
                    skills=f"Facilitation, measurement for improvement, {rng.choice(TOPICS)}",
                    methods="Model for improvement, statistical process control",
                )
                for n, user in enumerate(users, start=1)
                for organisation in [rng.choice(self.organisations)]
            ],
            batch_size=BATCH,
        )
        profile_search_refresh(profile_ids=[profile.pk for profile in profiles])

    def _group(self):
        """One special interest group with 1,000 posts, for the group pages' benchmark."""
        rng = self.rng
        group = Community.objects.create(
            name=SCALE_GROUP,
            slug=SCALE_GROUP_SLUG,
            description=_paragraph(rng, 40),
            kind=CommunityKind.INTEREST_GROUP,
            learning_question="How do we spread what works between wards?",
            welcome_message="Welcome: introduce yourself in the first thread.",
        )
        profiles = list(
            MemberProfile.objects.filter(user__email__endswith=f"@{SCALE_DOMAIN}").order_by("pk")[:GROUP_MEMBERS]
        )
        CommunityMembership.objects.bulk_create(
            [
                CommunityMembership(community=group, member=profile, is_convenor=n == 0)
                for n, profile in enumerate(profiles)
            ]
        )
        threads = Thread.objects.bulk_create(
            [
                Thread(
                    community=group,
                    title=f"Thread {n + 1}: {rng.choice(TOPICS)}",
                    author=rng.choice(profiles),
                    last_post_at=self.now - timedelta(hours=n),
                )
                for n in range(GROUP_THREADS)
            ]
        )
        posts = []
        for thread in threads:
            for _n in range(GROUP_POSTS_PER_THREAD):
                body = _paragraph(rng, 40)
                posts.append(
                    Post(thread=thread, author=rng.choice(profiles), body=body, body_html=f"<p>{escape(body)}</p>")
                )
        Post.objects.bulk_create(posts, batch_size=BATCH)

"""The benchmark's Django side, run by bench/run.py in its own process with the
benchmark's environment (production settings, the bench database):

    prepare  sessions for each role, the URL of each key page and its query count
    assign   the time `assignments_auto` takes for the whole round in review
             (its assignments removed first; everything rolled back afterwards)
    retention  one run of the retention schedule over 100,000 outbox rows past their
             period (added, then rolled back): its time, queries and rows changed
    release  releasing a decision on each of 10,000 applications of the round in
             review as the release page does: confirming
             (`release_start`), then the task's body (`release_run_continue`,
             batch by batch with progress), everything rolled back afterwards
    beat     what beat does for the pages while they are served: each round's
             progress counted every minute (runs until stopped)

Prints one line of JSON."""

import json
import os
import sys
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "q_portal.settings.production")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from applications.choices import ApplicationStatus, RoundStatus  # noqa: E402
from applications.models import Application, NominatorOrganisation, Round  # noqa: E402
from members.models import MemberProfile, User  # noqa: E402
from selection.management.commands.seed_scale import (  # noqa: E402
    NOMINATOR_EMAIL,
    OPEN_ROUND,
    PROGRAMME_EMAIL,
    REVIEW_ROUND,
    SCALE_DOMAIN,
    SCALE_GROUP_SLUG,
)
from selection.models import Assignment  # noqa: E402
from selection.services.assignments import assignments_auto  # noqa: E402
from selection.services.progress import progress_count_due  # noqa: E402


class _RolledBack(Exception):
    pass


def _session_cookie(user) -> str:
    """A signed-in session stored as a sign-in would store it, as a Cookie header."""
    if user is None:
        return ""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _queries(user, path: str) -> tuple[int, int]:
    """(status, queries) of the second of two requests, so one-off caches are warm."""
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, len(captured)


def prepare() -> dict:
    """Every page the benchmark loads, with its role, a signed-in session cookie
    and its query count; and the sizes of the data."""
    # What beat does each minute in production: the rounds' progress counted.
    progress_count_due()
    review_round = Round.objects.get(name=REVIEW_ROUND)
    return {"pages": [_measured(*page) for page in pages()], "sizes": _sizes(review_round)}


def pages() -> list[tuple]:
    """Every page the benchmark loads: (name, path, role, the user signed in or None)."""
    review_round = Round.objects.get(name=REVIEW_ROUND)
    programme = User.objects.get(email=PROGRAMME_EMAIL)
    members = list(MemberProfile.objects.filter(user__email__endswith=f"@{SCALE_DOMAIN}").order_by("pk")[:2])
    member = members[0].user
    return [
        ("Baseline: health check", "/healthz", "visitor", None),
        ("Home", reverse("home"), "visitor", None),
        *_round_in_review_pages(review_round, programme),
        *_directory_pages(member, other=members[1]),
        _nominator_dashboard_page(),
        *_exchange_pages(member),
        *_community_pages(member),
        _ballot_page(),
        *_events_pages(member),
        # The third insight page of issue 22's target (equality monitoring's impact, by stage).
        (
            "Insight: equality",
            reverse("selection:insight_equality", kwargs={"pk": review_round.pk}),
            "programme team",
            programme,
        ),
    ]


def _measured(name: str, path: str, role: str, user) -> dict:
    status, queries = _queries(user, path)
    return {
        "name": name,
        "path": path,
        "role": role,
        "cookie": _session_cookie(user),
        "queries": queries,
        "status": status,
    }


def _sizes(review_round: Round) -> dict:
    return {
        "applications": Application.objects.filter(round=review_round).count(),
        "members": MemberProfile.objects.filter(user__email__endswith=f"@{SCALE_DOMAIN}").count(),
        "reviewers": User.objects.filter(email__startswith="reviewer", email__endswith=f"@{SCALE_DOMAIN}").count(),
    }


def _round_in_review_pages(review_round: Round, programme) -> list[tuple]:
    """The round in review as its first applicant, its first reviewer and the
    programme team see it."""
    reviewer = User.objects.filter(email__startswith="reviewer", email__endswith=f"@{SCALE_DOMAIN}").order_by("pk")[0]
    application = Application.objects.filter(round=review_round).order_by("pk").select_related("applicant")[0]
    assignment = Assignment.objects.filter(reviewer=reviewer, round=review_round).order_by("pk")[0]
    board = reverse("selection:board", kwargs={"pk": review_round.pk})
    return [
        (
            "Apply status",
            reverse("applications:status", kwargs={"pk": application.pk}),
            "applicant",
            application.applicant,
        ),
        ("Review queue", reverse("selection:reviewer_home"), "reviewer", reviewer),
        ("Scoring page", reverse("selection:review", kwargs={"pk": assignment.pk}), "reviewer", reviewer),
        ("Programme dashboard", reverse("selection:programme_home"), "programme team", programme),
        ("Selection rounds", reverse("selection:round_list"), "programme team", programme),
        ("Selection round", reverse("selection:round", kwargs={"pk": review_round.pk}), "programme team", programme),
        (
            "An application, as the programme team sees it",
            reverse("selection:application", kwargs={"pk": application.pk}),
            "programme team",
            programme,
        ),
        (
            "Selection board, 250 a page by normalised score",
            f"{board}?size=250&sort=-normalised",
            "programme team",
            programme,
        ),
        ("Selection board, 250 a page by mean score", f"{board}?size=250&sort=-mean", "programme team", programme),
        (
            "Moderation queue",
            reverse("selection:moderation", kwargs={"pk": review_round.pk}),
            "programme team",
            programme,
        ),
        (
            "Insight: reviewer calibration",
            reverse("selection:insight_calibration", kwargs={"pk": review_round.pk}),
            "programme team",
            programme,
        ),
        (
            "Insight: representation",
            reverse("selection:insight_representation", kwargs={"pk": review_round.pk}),
            "programme team",
            programme,
        ),
    ]


def _directory_pages(member, *, other: MemberProfile) -> list[tuple]:
    directory = reverse("members:directory")
    return [
        ("Directory", directory, "member", member),
        ("Directory search", f"{directory}?q=improvement", "member", member),
        ("Member profile", reverse("members:profile", kwargs={"pk": other.pk}), "member", member),
    ]


def _nominator_dashboard_page() -> tuple:
    open_round = Round.objects.get(name=OPEN_ROUND)
    nominator = User.objects.get(email=NOMINATOR_EMAIL)
    organisation = NominatorOrganisation.objects.filter(user=nominator).first().organisation
    return (
        "Nominator's dashboard",
        reverse("nominations:dashboard", kwargs={"round_pk": open_round.pk, "organisation_pk": organisation.pk}),
        "nominator",
        nominator,
    )


def _exchange_pages(member) -> list[tuple]:
    """The exchange (#19): the call's idea list with 2,000 ideas and 20,000 comments
    (seed_exchange_scale), newest first, most discussed, and searched."""
    from exchange.models import Call
    from exchange.scale import SCALE_CALL

    exchange_call = Call.objects.filter(title=SCALE_CALL).first()
    if exchange_call is None:
        return []
    ideas = exchange_call.get_absolute_url()
    return [
        ("Exchange: a call's ideas, 2,000 ideas", ideas, "member", member),
        ("Exchange: a call's ideas, most discussed", f"{ideas}?sort=discussed", "member", member),
        ("Exchange: a call's ideas, searched", f"{ideas}?q=discharge+letters", "member", member),
    ]


def _ballot_page() -> tuple:
    """The member vote's ballot with 100 shortlisted proposals (issue 20)."""
    from bench.funding_side import ballot_page

    ballot, voter = ballot_page(
        list(MemberProfile.objects.filter(user__email__endswith=f"@{SCALE_DOMAIN}").order_by("pk")[:101])
    )
    return ("Member vote: ballot, 100 shortlisted proposals", ballot, "member", voter)


def _events_pages(member) -> list[tuple]:
    """The events list (issue 22): 1,000 events, half past, 20 members registered to each."""
    from bench.events_side import events_pages

    event_members = list(MemberProfile.objects.filter(user__email__endswith=f"@{SCALE_DOMAIN}").order_by("pk")[:2000])
    return [(name, path, "member", member) for name, path in events_pages(event_members)]


def _community_pages(member) -> list[tuple]:
    """The directory with its filters, and the special interest group with 1,000
    posts (issue #17): its page, its discussions and one thread's first page."""
    from members.models import Region
    from members.models.discussions import Thread

    directory = reverse("members:directory")
    region = Region.objects.order_by("pk").first()
    thread = Thread.objects.filter(community__slug=SCALE_GROUP_SLUG).order_by("pk").first()
    pages = [
        (
            "Directory, filtered by region and type of organisation, newest first",
            f"{directory}?region={region.slug}&organisation_kind=provider&sort=newest",
            "member",
            member,
        ),
        ("Directory, filtered by expertise", f"{directory}?expertise=coaching&sort=name", "member", member),
        (
            "Group with 1,000 posts",
            reverse("members:community", kwargs={"slug": SCALE_GROUP_SLUG}),
            "member",
            member,
        ),
        (
            "Group discussions (1,000 posts)",
            reverse("members:community_discussions", kwargs={"slug": SCALE_GROUP_SLUG}),
            "member",
            member,
        ),
    ]
    if thread is not None:
        pages.append(
            (
                "Group thread, 100 posts (first page)",
                reverse("members:thread", kwargs={"slug": SCALE_GROUP_SLUG, "pk": thread.pk}),
                "member",
                member,
            )
        )
    return pages


def round_back_to_closed(review_round: Round) -> None:
    """Back to the moment the round closed: no assignments, applications
    submitted; so a timing is of a first run, as the programme team sees it.
    Declared conflicts and abstentions stay."""
    Assignment.objects.filter(round=review_round).delete()
    Application.objects.filter(round=review_round).update(status=ApplicationStatus.SUBMITTED)
    Round.objects.filter(pk=review_round.pk).update(status=RoundStatus.CLOSED)
    review_round.refresh_from_db()


def assign() -> dict:
    review_round = Round.objects.get(name=REVIEW_ROUND)
    programme = User.objects.get(email=PROGRAMME_EMAIL)
    outcome = {}
    try:
        with transaction.atomic():
            round_back_to_closed(review_round)
            started = time.perf_counter()
            result = assignments_auto(round=review_round, by=programme)
            seconds = time.perf_counter() - started
            # The foreign keys are checked at commit (deferred), and the run is rolled
            # back: check them now, so the figure includes what a commit would cost.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            outcome = {
                "seconds": round(seconds, 2),
                "with_commit_checks_seconds": round(time.perf_counter() - started, 2),
                "created": result.created,
                "unassignable": result.unassignable_total,
                "applications": Application.objects.filter(round=review_round).count(),
                "per_application": review_round.selection_settings.reviewers_per_application,
                "reviewers": User.objects.filter(
                    email__startswith="reviewer", email__endswith=f"@{SCALE_DOMAIN}"
                ).count(),
            }
            raise _RolledBack
    except _RolledBack:
        pass
    return outcome


def retention(rows: int = 100_000) -> dict:
    """One run of the whole retention schedule with `rows` outbox rows past their
    period on top of the scale data: bounded by RETENTION_BATCH_SIZE per rule."""
    from datetime import timedelta

    from django.utils import timezone

    from q_portal.outbox.models import OutboundEmail
    from q_portal.retention.services import retention_run

    outcome = {}
    try:
        with transaction.atomic():
            sent_at = timezone.now() - timedelta(days=800)
            OutboundEmail.objects.bulk_create(
                (
                    OutboundEmail(
                        to=f"bench{n}@example.org",
                        subject="Your application",
                        body_text="Dear applicant",
                        key=f"bench.retention.{n}",
                        status=OutboundEmail.Status.SENT,
                        sent_at=sent_at,
                        created_at=sent_at,
                    )
                    for n in range(rows)
                ),
                batch_size=5000,
            )
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                run = retention_run()
                seconds = time.perf_counter() - started
            outcome = {
                "outbox_rows": rows,
                "seconds": round(seconds, 2),
                "queries": len(queries.captured_queries),
                "changed": run.counts,
                "outbox_changed": run.counts.get("outbox.OutboundEmail", 0),
                "batch_size": settings.RETENTION_BATCH_SIZE,
                "rules": len(run.counts),
            }
            raise _RolledBack
    except _RolledBack:
        pass
    return outcome


def release(limit: int = 10_000) -> dict:
    from django.utils import timezone

    from selection.choices import DecisionOutcome
    from selection.models import Decision, ReleaseRun
    from selection.services.release import RELEASE_BATCH_SIZE, release_run_continue, release_start

    review_round = Round.objects.get(name=REVIEW_ROUND)
    programme = User.objects.get(email=PROGRAMME_EMAIL)
    outcomes = [DecisionOutcome.ACCEPT] * 2 + [DecisionOutcome.WAITLIST] + [DecisionOutcome.UNSUCCESSFUL] * 7
    outcome = {}
    try:
        with transaction.atomic():
            Decision.objects.filter(round=review_round).delete()
            now = timezone.now()
            applications = Application.objects.filter(
                round=review_round, status__in=(ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)
            ).values_list("pk", flat=True)
            Decision.objects.bulk_create(
                (
                    Decision(
                        application_id=pk,
                        round=review_round,
                        outcome=outcomes[number % len(outcomes)],
                        decided_by=programme,
                        decided_at=now,
                    )
                    for number, pk in enumerate(applications.order_by("pk")[:limit])
                ),
                batch_size=5000,
            )
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                run = release_start(round=review_round, by=programme, confirmation=review_round.name)
                confirmed = time.perf_counter() - started
                run = release_run_continue(run_id=run.pk)
                seconds = time.perf_counter() - started
            outcome = {
                "decisions": run.total,
                "released": run.released,
                "status": run.status,
                "batch_size": RELEASE_BATCH_SIZE,
                "confirm_seconds": round(confirmed, 2),
                "seconds": round(seconds, 2),
                "queries": len(queries.captured_queries),
                "emails_queued": run.released,
                "runs": ReleaseRun.objects.filter(round=review_round).count(),
            }
            raise _RolledBack
    except _RolledBack:
        pass
    return outcome


def beat() -> None:
    """Beat's part in the pages, as production runs it beside the web workers:
    `selection.progress_count_due` every minute (`CELERY_BEAT_SCHEDULE`)."""
    while True:
        progress_count_due()
        time.sleep(60)


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    actions = {"prepare": prepare, "assign": assign, "retention": retention, "release": release, "beat": beat}
    if action not in actions:
        raise SystemExit("usage: django_side.py prepare|assign|retention|release|beat")
    print(json.dumps(actions[action]()))

"""Equality and representation figures are kept in the cache, not counted on
every view: shown as counted while fresh, counted again in the background once a
little old, never shown older than FIGURES_MAX_AGE; with the cache down they are
counted on each view."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.models import Round
from selection import tasks
from selection.selectors import FIGURES_FRESH_FOR, FIGURES_MAX_AGE, FIGURES_QUEUED_FOR
from selection.services import kept as kept_services
from tests.factories.selection import review_round, submitted_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """The counts queued, as (name, round id); each runs as the worker would."""
    counts = []

    def enqueue(task, **kwargs):
        counts.append((kwargs["name"], kwargs["round_id"]))
        task.apply(kwargs=kwargs)

    monkeypatch.setattr(kept_services, "enqueue_on_commit", enqueue)
    return counts


def people(client, round: Round | None) -> str:
    """The equality page's lead: how many applications it counted."""
    if round is None:
        url = reverse("selection:insight_equality_all")
    else:
        url = reverse("selection:insight_equality", kwargs={"pk": round.pk})
    page = client.get(url).content.decode()
    return re.search(r"(\d+) applications? (in this round|across every round)", page).group(1)


def test_the_equality_page_shows_the_kept_count_while_fresh_then_counts_again_in_the_background(client, team, queued):
    round = review_round()
    submitted_application(round)
    assert people(client, round) == "1"
    submitted_application(round)

    assert people(client, round) == "1"
    assert queued == []
    with time_machine.travel(timezone.now() + FIGURES_FRESH_FOR + timedelta(seconds=1), tick=False):
        # This view shows what was kept and queues one count; the next shows the count.
        assert people(client, round) == "1"
        assert people(client, round) == "2"
    assert queued == [("equality", round.pk)]


def test_the_count_is_queued_once_and_again_if_it_never_came(client, team, monkeypatch):
    round = review_round()
    people(client, round)
    sent = []
    monkeypatch.setattr(kept_services, "enqueue_on_commit", lambda task, **kwargs: sent.append(kwargs))

    later = timezone.now() + FIGURES_FRESH_FOR + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        people(client, round)
        people(client, round)
    assert sent == [{"name": "equality", "round_id": round.pk}]
    with time_machine.travel(later + FIGURES_QUEUED_FOR + timedelta(seconds=1), tick=False):
        people(client, round)
    assert len(sent) == 2


def test_with_no_worker_the_figures_are_counted_in_the_request_once_too_old(client, team, monkeypatch):
    round = review_round()
    submitted_application(round)
    people(client, round)
    submitted_application(round)
    monkeypatch.setattr(kept_services, "enqueue_on_commit", lambda task, **kwargs: None)

    with time_machine.travel(timezone.now() + FIGURES_MAX_AGE - timedelta(seconds=5), tick=False):
        assert people(client, round) == "1"
    with time_machine.travel(timezone.now() + FIGURES_MAX_AGE + timedelta(seconds=1), tick=False):
        assert people(client, round) == "2"


def test_the_page_says_when_it_was_counted(client, team):
    round = review_round()
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        page = client.get(reverse("selection:insight_representation", kwargs={"pk": round.pk})).content.decode()
    assert f"Counted at {timezone.localtime(now):%H:%M:%S}." in page


def test_each_round_and_the_view_across_rounds_keep_their_own_figures(client, team, queued):
    first, second = review_round(), review_round()
    submitted_application(first)
    assert (people(client, first), people(client, second), people(client, None)) == ("1", "0", "1")
    submitted_application(second)

    with time_machine.travel(timezone.now() + FIGURES_FRESH_FOR + timedelta(seconds=1), tick=False):
        people(client, None)
        assert people(client, None) == "2"
    assert queued == [("equality", None)]


def test_a_round_given_the_id_of_another_never_reads_its_figures(client, team):
    round = review_round()
    submitted_application(round)
    people(client, round)
    # As a restored database could: the same id, another round.
    Round.objects.filter(pk=round.pk).update(created_at=round.created_at - timedelta(days=1))
    submitted_application(round)

    assert people(client, round) == "2"


def test_representation_is_kept_too(team):
    round = review_round()
    submitted_application(round)
    counted, _at = kept_services.kept("representation", round=round)
    submitted_application(round)

    assert sum(cell["pool"] for cell in counted) == 1
    assert kept_services.kept("representation", round=round)[0] == counted


def test_with_the_cache_down_every_view_counts(client, team, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    round = review_round()
    submitted_application(round)
    assert people(client, round) == "1"
    submitted_application(round)
    assert people(client, round) == "2"


def test_the_background_count_of_a_round_since_deleted_does_nothing():
    round = review_round()
    round_id = round.pk
    round.delete()

    assert tasks.kept_count.apply(kwargs={"name": "equality", "round_id": round_id}).get() is False

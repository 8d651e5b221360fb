import pytest
from django.core.management import CommandError, call_command

from applications.choices import ApplicationStatus, RoundStatus
from applications.models import Application, Round
from members.demo import DEMO_ACCOUNTS
from members.models import Organisation, Region, User
from q_portal.roles import Role, has_role

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_creates_every_demo_account(settings):
    settings.DEBUG = True

    call_command("seed_demo")
    counts = (User.objects.count(), Region.objects.count(), Organisation.objects.count())
    call_command("seed_demo")

    assert (User.objects.count(), Region.objects.count(), Organisation.objects.count()) == counts
    assert counts[1] == 18
    programme = User.objects.get(email="programme@example.org")
    assert programme.check_password("demo-pass-2016")
    assert has_role(programme, Role.PROGRAMME_TEAM)
    assert User.objects.get(email="admin@example.org").is_superuser
    assert Organisation.objects.get(name="West Midlands AHSN").region.name == "West Midlands"


def test_seed_demo_has_open_round_decided_pilot_and_applicant_draft(settings):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")

    open_round = Round.objects.get(status=RoundStatus.OPEN)
    pilot = Round.objects.get(status=RoundStatus.DECIDED)
    assert open_round.is_accepting
    assert list(open_round.criteria.values_list("letter", flat=True)) == ["a", "b", "c"]
    assert pilot.applications.filter(status=ApplicationStatus.DECIDED).count() == 18
    draft = Application.objects.get(applicant__email="applicant@example.org")
    assert (draft.round, draft.status) == (open_round, ApplicationStatus.DRAFT)


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo")

    assert User.objects.count() == 0


def test_seed_demo_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False

    call_command("seed_demo", "--force")

    assert User.objects.filter(email__in=[account[0] for account in DEMO_ACCOUNTS]).count() == 7

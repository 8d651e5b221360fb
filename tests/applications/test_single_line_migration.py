"""The data migrations that put names stored before normalisation on one line."""

import importlib

import pytest
from django.apps import apps

from applications.models import Application, Nomination
from members.models import MemberProfile
from tests.factories.applications import ApplicationFactory
from tests.factories.members import MemberFactory
from tests.factories.nominations import NominationFactory
from tests.factories.text import CLEAN_NAME, MESSY_NAME

pytestmark = pytest.mark.django_db

# PostgreSQL stores no NUL; the rest of the messy name it keeps.
STORED = MESSY_NAME.replace("\x00", "")


def test_migrations_put_stored_names_on_one_clean_line():
    application = ApplicationFactory()
    nomination = NominationFactory()
    member = MemberFactory()
    Application.objects.filter(pk=application.pk).update(full_name=STORED, job_title="Ward\nmanager")
    Nomination.objects.filter(pk=nomination.pk).update(full_name=STORED)
    MemberProfile.objects.filter(pk=member.pk).update(full_name=STORED, cohort_name="Founding\tcohort")
    type(member.user).objects.filter(pk=member.user.pk).update(display_name=STORED)

    for module in (
        "applications.migrations.0007_single_line_names",
        "members.migrations.0006_single_line_names",
    ):
        importlib.import_module(module).clean(apps, None)

    application.refresh_from_db()
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert (application.full_name, application.job_title) == (CLEAN_NAME, "Ward manager")
    assert Nomination.objects.get(pk=nomination.pk).full_name == CLEAN_NAME
    assert (member.full_name, member.cohort_name, member.user.display_name) == (
        CLEAN_NAME,
        "Founding cohort",
        CLEAN_NAME,
    )

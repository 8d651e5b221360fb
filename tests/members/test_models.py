import pytest
from django.db import IntegrityError

from members.models import User

pytestmark = pytest.mark.django_db


def test_user_email_is_unique_whatever_its_case():
    User.objects.create_user(email="Jo.Bloggs@example.org", password="x")

    with pytest.raises(IntegrityError):
        User.objects.create(email="jo.bloggs@EXAMPLE.org")


def test_user_signs_in_by_email_whatever_its_case():
    user = User.objects.create_user(email="jo.bloggs@example.org", password="x")

    assert User.objects.get_by_natural_key("JO.BLOGGS@example.org") == user


def test_user_is_addressed_by_display_name():
    user = User(email="jo@example.org", display_name="Jo Bloggs")

    assert (str(user), user.get_short_name()) == ("Jo Bloggs", "Jo")

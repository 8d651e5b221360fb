"""Where a page tells people to contact the programme team, the words are a link
to the team's address (issue 14: "contact us" with no link)."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTACT_WORDS = re.compile(r"contact us|contact the Q programme team", re.I)


def unlinked_contact_words(page: str) -> list[str]:
    main = re.search(r"<main.*?</main>", page, re.S).group(0)
    # A heading ("Contact us or complain") names the section that has the link.
    outside_links = re.sub(r"<a\b[^>]*>.*?</a>|<h[1-6][^>]*>.*?</h[1-6]>", "", main, flags=re.S)
    return CONTACT_WORDS.findall(re.sub(r"<[^>]+>|\s+", " ", outside_links))


@pytest.mark.parametrize("url_name", ["privacy", "accessibility"])
def test_contact_words_link_to_the_programme_team(client, settings, url_name):
    settings.PROGRAMME_CONTACT_EMAIL = "q-team@example.org"

    page = client.get(reverse(url_name)).content.decode()

    assert unlinked_contact_words(page) == []
    assert page.count('href="mailto:q-team@example.org"') >= 2


def test_a_forbidden_page_links_to_the_programme_team(client, settings):
    settings.PROGRAMME_CONTACT_EMAIL = "q-team@example.org"
    client.force_login(UserFactory())

    response = client.get(reverse("selection:programme_home"))

    page = response.content.decode()
    assert response.status_code == 403
    assert unlinked_contact_words(page) == []
    assert '<a href="mailto:q-team@example.org">Q programme team</a>' in page

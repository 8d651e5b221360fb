"""Every form in the product meets generated bad input: unicode, very long text,
empty and blank values, HTML and script, SQL-like text, numbers out of range,
wrong types, missing fields and tampered ids. No response is a 5xx, and nothing
typed comes back unescaped."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import Application

from .access import OK, POLICY, ROLES, url_for, url_patterns

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('q')</script>"
NASTY = st.one_of(
    st.text(max_size=50),
    st.text(min_size=5_000, max_size=20_000, alphabet=st.characters(codec="utf-8")),
    st.sampled_from(
        [
            "",
            "   ",
            "\t\n",
            SCRIPT,
            '"><img src=x onerror=alert(1)>',
            "'; DROP TABLE applications_application; --",
            "-1",
            "0",
            "999999999999",
            "1e309",
            "NaN",
            "abc",
            "2026-02-30T25:61",
            "\x00",
            "👩‍⚕️" * 200,
        ]
    ),
)


class FormFields(HTMLParser):
    """The names of the fields of the POST forms on a page."""

    def __init__(self):
        super().__init__()
        self.names, self._in_post_form = set(), False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_post_form = (attrs.get("method") or "").lower() == "post"
        elif self._in_post_form and tag in {"input", "textarea", "select", "button"} and attrs.get("name"):
            self.names.add(attrs["name"])
        self.names.discard("csrfmiddlewaretoken")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_post_form = False


def form_targets(world):
    """(role, url, field names) for every page with a POST form a permitted role sees."""
    targets = []
    for name, pattern in url_patterns():
        in_product = name.startswith(("applications:", "updates:", "rounds:", "nominations:", "selection:", "members:"))
        if not in_product or name not in POLICY:  # a URL missing from POLICY fails the access matrix
            continue
        url = url_for(name, pattern, world)
        role = next((role for role in ROLES if role != "visitor" and POLICY[name][role] == OK), None)
        if POLICY[name]["visitor"] == OK:
            role = "visitor"
        if role is None:
            continue
        response = world.clients[role].get(url)
        if response.status_code != 200 or response.streaming:  # a file download has no form
            continue
        parser = FormFields()
        parser.feed(response.content.decode())
        if parser.names:
            targets.append((role, url, sorted(parser.names)))
    return targets


def test_every_form_survives_generated_bad_input(world):
    # The applicant's application back to a draft, so every step's form is open.
    Application.objects.filter(pk=world.kwargs["pk"]).update(status="draft", submitted_at=None)
    targets = form_targets(world)
    assert len(targets) >= 10  # the check must actually reach the product's forms

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def post_bad_input(data):
        role, url, names = data.draw(st.sampled_from(targets))
        fields = {name: data.draw(NASTY) for name in names if data.draw(st.booleans())}
        response = world.clients[role].post(url, fields, follow=True)
        assert response.status_code < 500, f"{role} POST {url} {fields!r} answered {response.status_code}"
        assert SCRIPT not in response.content.decode(errors="replace"), f"{url} echoed script unescaped"

    post_bad_input()


def test_stored_script_is_escaped_where_it_is_shown(world):
    applicant = world.clients["applicant"]
    application = Application.objects.get(pk=world.kwargs["pk"])
    application.status, application.job_title = "draft", SCRIPT
    application.save()

    content = applicant.get(reverse("applications:check", args=[application.pk])).content.decode()

    assert SCRIPT not in content
    assert "&lt;script&gt;alert(&#x27;q&#x27;)&lt;/script&gt;" in content

"""Every form in the product meets generated bad input: unicode, very long text,
empty and blank values, HTML and script, SQL-like text, numbers out of range,
wrong types, missing fields and tampered ids. No response is a 5xx, and nothing
typed comes back unescaped."""

import importlib
import inspect
import pkgutil
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.forms import BaseForm, BaseFormSet
from django.test.utils import ContextList
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import Application

from .access import ANY, OK, POLICY, ROLES, url_for, url_patterns

pytestmark = pytest.mark.django_db

# Where the product's forms live: a new forms module elsewhere must be added here.
PRODUCT_FORM_MODULES = ["applications.forms", "selection.forms", "members.forms", "exchange.forms"]
# The URLs whose pages are crawled for forms (and allauth's sign-up, whose form
# is the product's).
PRODUCT_URLS = ("applications:", "updates:", "rounds:", "nominations:", "selection:", "members:", "waves:", "exchange:")
# Forms a view builds from the POST alone (the page renders its buttons by hand):
# covered when the crawl posts bad input to the URL named here.
POSTED_TO = {
    "applications.forms.rounds.RoundTransitionForm": "rounds:transition",
    "applications.forms.rounds.QuotaRemoveForm": "rounds:quotas",
    "applications.forms.waves.WaveActionForm": "waves:action",
    "selection.forms.programme.CapacityForm": "selection:capacity",
    "selection.forms.board.ApplyDecisionsForm": "selection:decision_room",
}
# Forms the crawl cannot reach in the world, each with where its bad input is
# tested instead. A form in none of these fails the check.
NOT_CRAWLED = {
    "applications.forms.nominations.InvitationAcceptForm": (
        "reached only with a valid signed invitation: tests/applications/test_nominations_views.py"
    ),
}

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
    """The forms on a page: (method, action, field names) for each form with fields."""

    def __init__(self):
        super().__init__()
        self.forms, self._current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = "post" if (attrs.get("method") or "").lower() == "post" else "get"
            self._current = (method, attrs.get("action") or "", set())
        elif self._current is not None and tag in {"input", "textarea", "select", "button"} and attrs.get("name"):
            self._current[2].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form" and self._current is not None:
            self._current[2].discard("csrfmiddlewaretoken")
            if self._current[2]:
                self.forms.append(self._current)
            self._current = None


def form_label(form_class) -> str:
    return f"{form_class.__module__}.{form_class.__qualname__}"


def rendered_form_classes(response) -> set[str]:
    """The form classes (and the product's forms they are built on) in the
    contexts of the templates a response rendered."""
    contexts = response.context if isinstance(response.context, ContextList) else [response.context]
    found, layers = set(), {}
    for context in filter(None, contexts):
        layers.update((id(layer), layer) for layer in context.dicts)  # the same layers recur in every include
    for layer in layers.values():
        for value in layer.values():
            if isinstance(value, BaseFormSet):
                value = value.form
            elif isinstance(value, BaseForm):
                value = type(value)
            else:
                continue
            found.update(form_label(cls) for cls in value.__mro__ if issubclass(cls, BaseForm))
    return found


def product_form_classes() -> set[str]:
    """Every form class defined in the product's `forms` modules and packages."""
    found = set()
    for package_name in PRODUCT_FORM_MODULES:
        package = importlib.import_module(package_name)
        modules = [package]
        if hasattr(package, "__path__"):
            modules += [
                importlib.import_module(f"{package_name}.{info.name}")
                for info in pkgutil.iter_modules(package.__path__)
            ]
        for module in modules:
            for _name, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, BaseForm) and value.__module__ == module.__name__:
                    found.add(form_label(value))
    return found


def form_targets(world, seen_forms: set | None = None):
    """(role, method, url, field names) for every form on a page a permitted role
    sees, sent where the form sends it (its action, or the page itself).
    `seen_forms` collects the form classes the pages render."""
    targets = {}
    crawled = [(name, pattern) for name, pattern in url_patterns() if name.startswith(PRODUCT_URLS)]
    crawled += [(name, pattern) for name, pattern in url_patterns() if name == "account_signup"]
    for name, pattern in crawled:
        if name not in POLICY:  # a URL missing from POLICY fails the access matrix
            continue
        url = url_for(name, pattern, world)
        if POLICY[name]["visitor"] in (OK, ANY):
            roles = ["visitor"]
        else:
            roles = [role for role in ROLES if role != "visitor" and POLICY[name][role] == OK]
        # The first role that gets the page with a form (one role may be sent on,
        # e.g. an applicant who has applied already).
        for role in roles:
            response = world.clients[role].get(url)
            if response.status_code != 200 or response.streaming:  # a file download has no form
                continue
            if seen_forms is not None:
                seen_forms.update(rendered_form_classes(response))
            parser = FormFields()
            parser.feed(response.content.decode())
            for method, action, names in parser.forms:
                target = urljoin(url, action) if action else url
                if target.startswith("/") and not target.startswith("/accounts/logout"):
                    targets.setdefault((role, method, target), sorted(names))
            if parser.forms:
                break
    return [(role, method, url, names) for (role, method, url), names in targets.items()]


def send(world, role, method, url, fields):
    client = world.clients[role]
    response = client.post(url, fields, follow=True) if method == "post" else client.get(url, fields, follow=True)
    shown = f"{role} {method.upper()} {url} {fields!r:.300}"
    assert response.status_code < 500, f"{shown} answered {response.status_code}"
    assert SCRIPT not in response.content.decode(errors="replace"), f"{shown} echoed script unescaped"


def generated_bad_input(world, role, method, url, names):
    @settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def bad_input(data):
        fields = {name: data.draw(NASTY) for name in names if data.draw(st.booleans())}
        send(world, role, method, url, fields)

    bad_input()


def assert_every_product_form_reached(seen: set, targets: list) -> None:
    """Every form class of the product is rendered by a crawled page, posted to
    through a URL of POSTED_TO, or exempt in NOT_CRAWLED with a reason."""
    posted_to = {resolve(urlsplit(url).path).view_name for _role, method, url, _names in targets if method == "post"}
    product_forms = product_form_classes()
    assert len(product_forms) >= 20  # the enumeration must actually find the product's forms
    missing = sorted(product_forms - seen - POSTED_TO.keys() - NOT_CRAWLED.keys())
    assert missing == [], "Forms no bad input reaches:\n" + "\n".join(missing)
    unposted = sorted(form for form, name in POSTED_TO.items() if name not in posted_to)
    assert unposted == [], "Forms whose URL the crawl does not post to:\n" + "\n".join(unposted)
    # No stale entries.
    assert sorted((POSTED_TO.keys() | NOT_CRAWLED.keys()) - product_forms) == []


def test_every_form_survives_generated_bad_input(world):
    # The applicant's application back to a draft, so every step's form is open.
    Application.objects.filter(pk=world.kwargs["pk"]).update(status="draft", submitted_at=None)
    seen = set()
    targets = form_targets(world, seen)
    assert len(targets) >= 10  # the check must actually reach the product's forms
    # A form class no page renders (or no crawled URL takes) would escape the check.
    assert_every_product_form_reached(seen, targets)

    for role, method, url, names in targets:
        # The extremes for every form: nothing at all, and script in every field.
        for value in (None, SCRIPT):
            send(world, role, method, url, {} if value is None else dict.fromkeys(names, value))

        generated_bad_input(world, role, method, url, names)


def test_stored_script_is_escaped_where_it_is_shown(world):
    applicant = world.clients["applicant"]
    application = Application.objects.get(pk=world.kwargs["pk"])
    application.status, application.job_title = "draft", SCRIPT
    application.save()

    content = applicant.get(reverse("applications:check", args=[application.pk])).content.decode()

    assert SCRIPT not in content
    assert "&lt;script&gt;alert(&#x27;q&#x27;)&lt;/script&gt;" in content

"""Every form in the product meets generated bad input: unicode, very long text,
empty and blank values, HTML and script, SQL-like text, numbers out of range,
wrong types, missing fields and tampered ids. No response is a 5xx, and nothing
typed comes back unescaped.

GET forms, and the query parameters of the product's links (a page number, a CSV
to download, a filter), are forms too: every one also meets a NUL byte, a lone
surrogate (as a client sends it: its UTF-8 bytes, percent-encoded), 10,000
characters and a parameter repeated, and a property test over every one of them
finds no 5xx. POST forms meet the same extremes."""

import importlib
import inspect
import pkgutil
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

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
PRODUCT_FORM_MODULES = [
    "applications.forms",
    "outreach.forms",
    "selection.forms",
    "members.forms",
    "equality.forms",
    "events.forms",
    "exchange.forms",
    "funding.forms",
]
# The URLs whose pages are crawled for forms (and allauth's sign-up, whose form
# is the product's).
PRODUCT_URLS = (
    "applications:",
    "updates:",
    "rounds:",
    "nominations:",
    "selection:",
    "members:",
    "waves:",
    "equality:",
    "events:",
    "exchange:",
    "funding:",
)
# Forms a view builds from the POST alone (the page renders its buttons by hand):
# covered when the crawl posts bad input to the URL named here.
POSTED_TO = {
    "applications.forms.rounds.RoundTransitionForm": "rounds:transition",
    "applications.forms.rounds.QuotaRemoveForm": "rounds:quotas",
    "outreach.forms.WaveActionForm": "waves:action",
    "selection.forms.programme.CapacityForm": "selection:capacity",
    "selection.forms.board.ApplyDecisionsForm": "selection:decision_room",
    "funding.forms.CastForm": "funding:cast",
}
# Forms the crawl cannot reach in the world, each with where its bad input is
# tested instead. A form in none of these fails the check.
NOT_CRAWLED = {
    "members.forms.PostReplyForm": (
        "the crawl reaches a discussion as the programme team first, who moderate but do not post: "
        "tests/members/test_groups.py::test_reply_survives_bad_input"
    ),
    "selection.forms.reviewer.AgreementForm": (
        "the world's reviewer has accepted the round's agreement, so that the review form is crawled: "
        "tests/selection/test_reviewer_screen.py::test_agreement_with_bad_input_records_nothing"
    ),
    "selection.forms.reviewer.NextForm": (
        "read from the `after` of a link shown once a review is submitted: "
        "tests/selection/test_reviewer_screen.py::test_next_with_bad_input_answers_without_a_crash"
    ),
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


# Values no form may answer with a 5xx. A lone surrogate cannot be encoded as
# UTF-8 strictly: `raw_query` sends its bytes percent-encoded, as a client would.
EXTREMES = ["\x00", "a\x00b", "\ud800", "x\udfff", "x" * 10_000, "\x00" * 10_000]
RAW_VALUES = st.one_of(
    NASTY,
    st.sampled_from(EXTREMES),
    st.text(alphabet=st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Zs", "Lo"]), max_size=30),
)


def raw_query(pairs) -> str:
    """A query string (or form-encoded body) of (name, value) pairs, names repeated
    as given, surrogates sent as their UTF-8 bytes."""
    return "&".join(
        f"{quote(name, safe='')}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}" for name, value in pairs
    )


def send_raw(world, role, method, url, pairs):
    client = world.clients[role]
    query = raw_query(pairs)
    if method == "post":
        response = client.post(url, query, content_type="application/x-www-form-urlencoded", follow=True)
    else:
        response = client.get(f"{url}?{query}", follow=True)
    shown = f"{role} {method.upper()} {url} {query!r:.300}"
    assert response.status_code < 500, f"{shown} answered {response.status_code}"


class FormFields(HTMLParser):
    """The forms on a page: (method, action, field names) for each form with fields,
    and for each link with a query string ("get", its path, its parameters)."""

    def __init__(self):
        super().__init__()
        self.forms, self._current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "?" in (attrs.get("href") or ""):
            href = urlsplit(attrs["href"])
            names = {name for name, _value in parse_qsl(href.query, keep_blank_values=True)}
            if names and not href.netloc:
                self.forms.append(("get", href.path, names))
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
    if response["Content-Type"].startswith("text/html"):
        assert SCRIPT not in response.content.decode(errors="replace"), f"{shown} echoed script unescaped"
    else:
        # A download (a person's data as JSON, a CSV) carries stored text as it was
        # typed; a browser saves it rather than rendering it.
        assert response.get("Content-Disposition", "").startswith("attachment"), f"{shown} is not a download"
        assert response["X-Content-Type-Options"] == "nosniff", shown


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


def test_every_form_survives_nul_surrogates_long_and_repeated_values(world):
    Application.objects.filter(pk=world.kwargs["pk"]).update(status="draft", submitted_at=None)
    targets = form_targets(world)
    assert len([target for target in targets if target[1] == "get"]) >= 10  # GET forms and links are reached

    for role, method, url, names in targets:
        for value in EXTREMES:
            send_raw(world, role, method, url, [(name, value) for name in names])
        # Every parameter twice, the second time with what no form accepts.
        send_raw(world, role, method, url, [(name, value) for name in names for value in ("1", "\x00")])


def test_every_get_form_and_query_parameter_survives_generated_queries(world):
    """A property over every GET form and every query parameter the product's
    links use: any query, parameters repeated or unknown, any value."""
    targets = [(role, url, names) for role, method, url, names in form_targets(world) if method == "get"]
    assert len(targets) >= 10

    @settings(max_examples=8 * len(targets), deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def no_server_error(data):
        role, url, names = data.draw(st.sampled_from(targets))
        pairs = data.draw(st.lists(st.tuples(st.sampled_from([*names, "unknown"]), RAW_VALUES), max_size=6))
        send_raw(world, role, "get", url, pairs)

    no_server_error()


def test_stored_script_is_escaped_where_it_is_shown(world):
    applicant = world.clients["applicant"]
    application = Application.objects.get(pk=world.kwargs["pk"])
    application.status, application.job_title = "draft", SCRIPT
    application.save()

    content = applicant.get(reverse("applications:check", args=[application.pk])).content.decode()

    assert SCRIPT not in content
    assert "&lt;script&gt;alert(&#x27;q&#x27;)&lt;/script&gt;" in content

"""No URL the portal generates carries an email address, written out or encoded
(percent-encoded, base64 or URL-safe base64, as in a signed value): a URL lands
in server logs, browser history and the Referer header. Every page every role
may see in a populated world is crawled for its links, form actions and sources,
its redirects followed, and every email in the outbox read for its links."""

import base64
import binascii
import re
from html.parser import HTMLParser
from urllib.parse import quote, quote_plus, unquote

import pytest
from django.core import signing
from django.urls import reverse

from applications.models import Nomination, UpdateSubscription
from applications.services.updates import subscription_register
from members.models import User
from q_portal.outbox.models import OutboundEmail

from .access import OK, POLICY, ROLES, url_for, url_patterns

pytestmark = pytest.mark.django_db

URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')]+|(?<![\w.])/[\w\-./?=&%:;~+]+")
BASE64_RUN = re.compile(r"[A-Za-z0-9+/_\-]{8,}")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in {"href", "action", "src", "formaction"} and value]


def addresses_in(url: str, addresses: list[str]) -> list[str]:
    """The addresses the URL carries, written out, percent-encoded or in base64 at
    any alignment (a signed value puts its payload anywhere in a token)."""
    text = unquote(unquote(url)).lower()
    found = {address for address in addresses if address in text or quote_plus(address) in url.lower()}
    found |= {address for address in addresses if quote(address, safe="").lower() in url.lower()}
    for run in BASE64_RUN.findall(unquote(url)):
        standard = run.replace("-", "+").replace("_", "/")
        for offset in range(4):
            chunk = standard[offset:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            try:
                decoded = base64.b64decode(chunk).lower()
            except (binascii.Error, ValueError):
                continue
            found |= {address for address in addresses if address.encode() in decoded}
    return sorted(found)


def test_addresses_in_finds_the_encodings_it_looks_for():
    address = ["asha.patel@example.org"]
    encoded = base64.urlsafe_b64encode(b'{"email":"asha.patel@example.org"}').decode().rstrip("=")

    assert addresses_in("/people/asha.patel@example.org/", address) == address
    assert addresses_in("/people/?q=asha.patel%40example.org", address) == address
    assert addresses_in(f"/people/{encoded}:1abc:sig/", address) == address
    assert addresses_in(f"/people/x{encoded}/", address) == address
    assert addresses_in("/people/Zm9vYmFy/", address) == []
    # What the person link and an unsubscribe link used to carry: the address, signed.
    assert addresses_in(f"/people/{signing.dumps(address[0], salt='person')}/", address) == address
    assert addresses_in(f"/unsubscribe/{signing.Signer(salt='u').sign_object(address[0])}/", address) == address


def generated_urls(world) -> list[tuple[str, str]]:
    """(where, url) for every link, form action, source and redirect on every page
    each role may see, and every link in every email in the outbox."""
    urls = []
    for name, pattern in url_patterns():
        if name not in POLICY:
            continue
        url = url_for(name, pattern, world)
        for role in ROLES:
            if POLICY[name].get(role) != OK or role not in world.clients:
                continue
            response = world.clients[role].get(url)
            if response.status_code in (301, 302):
                urls.append((f"{role} {url} redirect", response["Location"]))
            if response.status_code != 200 or response.streaming:
                continue
            if "html" not in response.get("Content-Type", ""):
                continue
            parser = Links()
            parser.feed(response.content.decode())
            urls += [(f"{role} {url}", link) for link in parser.urls]
    for email in OutboundEmail.objects.all():
        text = " ".join([email.body_text, email.body_html or "", *map(str, (email.headers or {}).values())])
        urls += [(f"email {email.subject!r}", link) for link in URL_IN_TEXT.findall(text)]
    return urls


def test_no_generated_url_carries_an_email_address(world):
    programme = world.clients["programme"]
    # The programme team's search for a person: the page it leads to, and its links.
    found = programme.post(reverse("selection:people"), {"email": User.objects.first().email})
    # An email with a confirmation link, and one with an invitation (the world's nomination).
    subscription_register(email="Reader.Person@example.org", name="Reader")
    addresses = sorted(
        {
            *(address.lower() for address in User.objects.values_list("email", flat=True)),
            *(address.lower() for address in Nomination.objects.values_list("email", flat=True)),
            *(address.lower() for address in UpdateSubscription.objects.values_list("email", flat=True)),
            *(address.lower() for address in OutboundEmail.objects.values_list("to", flat=True)),
        }
    )
    urls = [("programme people search redirect", found["Location"]), *generated_urls(world)]
    urls += generated_urls_of(programme, found["Location"])

    assert len(urls) > 500  # the crawl must actually reach the portal's pages and emails
    assert OutboundEmail.objects.filter(body_text__contains="/updates/confirm/").exists()
    assert OutboundEmail.objects.filter(body_text__contains="/updates/unsubscribe/").exists()
    leaks = [(where, url, addresses_in(url, addresses)) for where, url in urls if addresses_in(url, addresses)]
    assert leaks == []


def generated_urls_of(client, url) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(client.get(url).content.decode())
    return [(f"programme {url}", link) for link in parser.urls]

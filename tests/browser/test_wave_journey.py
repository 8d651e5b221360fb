"""The programme team composes a wave, counts its recipients, previews it, sends
a test, schedules it, and watches the progress bar fill without reloading the
page once beat's dispatcher starts it (the dispatcher runs here in a thread, as a
worker would, sending through the outbox at the wave's rate)."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from outreach.models import Wave, WaveStatus
from outreach.tasks import dispatch_waves
from q_portal.outbox.services import Status
from tests.browser.accounts import sign_in_with_mfa, with_secret
from tests.factories import programme_team
from tests.factories.waves import WaveFactory, subscribers
from tests.outbox.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db(transaction=True)

RECIPIENTS = 40


def test_programme_team_composes_previews_schedules_and_watches_a_wave_finish(page, mailoutbox):
    team = programme_team(email="programme@example.org", display_name="Pat Lee")
    secret = with_secret(team)
    subscribers(RECIPIENTS, prefix="reader")

    sign_in_with_mfa(page, "programme@example.org", secret)
    page.goto("/programme/")
    page.get_by_role("link", name="Email waves").click()
    page.get_by_role("link", name="Compose a wave").click()

    page.get_by_label("Name").fill("Spring round opens")
    page.get_by_label("Subject line").fill("Q is recruiting, {{ first_name }}")
    page.get_by_label("Message").fill("Hello {{ frist_name }},\n\nApply: {{ personal_link }}")
    page.get_by_label("People registered for updates").check()
    page.get_by_role("button", name="Save as draft").click()
    # A typing mistake in a placeholder is caught at the field, nothing lost.
    expect(page.get_by_role("link", name=re.compile("“{{ frist_name }}” is not a placeholder"))).to_be_visible()
    expect(page.get_by_label("Subject line")).to_have_value("Q is recruiting, {{ first_name }}")
    page.get_by_label("Message").fill("Hello {{ first_name }},\n\nApply: {{ personal_link }}")
    page.get_by_role("button", name="Count recipients").click()
    expect(page.get_by_text(f"{RECIPIENTS} recipients, each counted once")).to_be_visible()
    page.get_by_label("Emails a minute").fill("600")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Spring round opens is saved as a draft.")).to_be_visible()

    page.get_by_role("link", name="Preview and send a test").click()
    expect(page.get_by_text("As recipient 1 of the audience, reader00000@example.org, would get it.")).to_be_visible()
    expect(page.locator("[data-preview-subject]")).to_have_text("Q is recruiting, Person")
    page.get_by_role("button", name="Send me a test").click()
    expect(page.get_by_text("A test email is on its way to programme@example.org.")).to_be_visible()

    page.get_by_role("link", name="Schedule or send").click()
    page.get_by_label("At a time I choose").check()
    later = timezone.localtime(timezone.now() + timedelta(days=1))
    page.get_by_label("Date and time").fill(later.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text(re.compile(r"Spring round opens will be sent at \d\d:\d\d on"))).to_be_visible()
    expect(page.get_by_text("Waiting for its time to come.")).to_be_visible()
    expect(page.get_by_role("button", name="Unschedule")).to_be_visible()
    expect(page.get_by_role("link", name="Change the time")).to_be_visible()
    expect(page.get_by_role("button", name="Pause sending")).to_be_hidden()
    page.evaluate("window.notReloaded = true")

    # The time comes: beat's dispatcher starts the wave and sends it at 600 a minute.
    wave = Wave.objects.get()
    Wave.objects.filter(pk=wave.pk).update(scheduled_for=timezone.now())

    def beat():
        try:
            dispatch_waves.delay()
        finally:
            connections.close_all()

    worker = threading.Thread(target=beat)
    worker.start()
    expect(page.get_by_text("Sending.")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Finished: every email is done.")).to_be_visible(timeout=30_000)
    worker.join(timeout=30)

    bar = page.get_by_label("Emails done")
    expect(bar).to_have_attribute("value", str(RECIPIENTS))
    expect(bar).to_have_attribute("max", str(RECIPIENTS))
    expect(page.get_by_text(f"{RECIPIENTS} of {RECIPIENTS} emails done.")).to_be_visible()
    # The controls follow the status the page now shows: nothing is left to
    # unschedule, reschedule, pause or cancel on a finished wave.
    for button in ["Unschedule", "Pause sending", "Resume sending", "Cancel the wave"]:
        expect(page.get_by_role("button", name=button)).to_be_hidden()
    expect(page.get_by_role("link", name="Change the time")).to_be_hidden()
    expect(page.get_by_role("link", name="Change the wave")).to_be_hidden()
    expect(page.get_by_role("heading", name="Control")).to_be_hidden()
    expect(page.get_by_role("link", name="Preview the email")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.SENT
    assert len(mailoutbox) == RECIPIENTS + 1
    assert sorted({m.to[0] for m in mailoutbox}) == sorted(
        ["programme@example.org"] + [f"reader{number:05d}@example.org" for number in range(RECIPIENTS)]
    )


def test_programme_team_pauses_a_sending_wave_and_cancels_it(page):
    """The wave page's other states (issue 14: the wave page at every state):
    paused offers Resume and Cancel, not Pause; cancelled offers no control. Each
    state's page passes the shared checks (axe, contrast, 375 px)."""
    team = programme_team(email="programme@example.org", display_name="Pat Lee")
    secret = with_secret(team)
    wave = WaveFactory(name="Autumn reminder", status=WaveStatus.SENDING, recipient_count=5, started_at=timezone.now())
    OutboundEmailFactory.create_batch(2, batch=wave.batch, status=Status.SENT, sent_at=timezone.now())
    OutboundEmailFactory.create_batch(3, batch=wave.batch, status=Status.QUEUED)

    sign_in_with_mfa(page, "programme@example.org", secret)
    page.goto(f"/programme/waves/{wave.pk}/")
    expect(page.get_by_text("Sending.")).to_be_visible()
    expect(page.get_by_text("2 of 5 emails done.")).to_be_visible()

    page.get_by_role("button", name="Pause sending").click()
    expect(page.get_by_text("Autumn reminder is paused.")).to_be_visible()
    expect(page.get_by_text("Paused.", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Resume sending")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel the wave")).to_be_visible()
    for hidden in ["Pause sending", "Unschedule"]:
        expect(page.get_by_role("button", name=hidden)).to_be_hidden()

    page.get_by_role("button", name="Cancel the wave").click()
    expect(page.get_by_text("Autumn reminder is cancelled: 3 emails will not be sent.")).to_be_visible()
    expect(page.get_by_text("Cancelled.", exact=True)).to_be_visible()
    expect(page.get_by_text("5 of 5 emails done.")).to_be_visible()
    expect(page.get_by_role("heading", name="Control")).to_be_hidden()
    for hidden in ["Pause sending", "Resume sending", "Cancel the wave", "Unschedule"]:
        expect(page.get_by_role("button", name=hidden)).to_be_hidden()
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.CANCELLED

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from members.formatting import render_markdown
from members.models import CommunityMembership, Post
from members.services import groups as services
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from tests.factories import programme_team, with_totp
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def _group(convenor, *members, **kwargs):
    group = services.group_propose(
        member=convenor,
        name=kwargs.get("name", "Frailty and medicines"),
        learning_question="How do we stop over-prescribing for people with frailty?",
        description="For pharmacists and geriatricians.",
        welcome_message="Welcome! Introduce yourself.",
        convenors=[],
        by=convenor.user,
    )
    group = services.group_decide(group=group, approve=True, by=programme_team())
    for member in members:
        CommunityMembership.objects.create(community=group, member=member, notify=kwargs.get("notify", "digest"))
    return group


def _proposed(convenor, *, name):
    return services.group_propose(
        member=convenor,
        name=name,
        learning_question="Q?",
        description="D",
        welcome_message="",
        convenors=[],
        by=convenor.user,
    )


def _emails(member):
    return list(OutboundEmail.objects.filter(to=member.user.email).values_list("subject", flat=True))


def test_proposed_group_is_hidden_until_the_team_approves(client):
    convenor = MemberFactory()
    group = _proposed(convenor, name="Human factors")
    client.force_login(MemberFactory().user)
    assert client.get(reverse("members:community", kwargs={"slug": group.slug})).status_code == 404
    assert "Human factors" not in client.get(reverse("members:communities")).content.decode()
    services.group_decide(group=group, approve=True, by=programme_team())
    assert client.get(reverse("members:community", kwargs={"slug": group.slug})).status_code == 200
    assert _emails(convenor) == ["Your group is open: Human factors"]


def test_reply_with_mention_sends_exactly_one_email_to_the_mentioned_member():
    convenor = MemberFactory(full_name="Cara Convenor")
    mentioned = MemberFactory(full_name="Priya Shah")
    replier = MemberFactory(full_name="Rob Reply")
    bystander = MemberFactory(full_name="Priya")
    group = _group(convenor, mentioned, replier, bystander)
    thread = services.thread_start(
        group=group, member=convenor, title="Deprescribing", body="Where do we start?", by=convenor.user
    )
    # The mentioned member also asked for every post: still one email for this post.
    CommunityMembership.objects.filter(member=mentioned).update(notify="each")
    services.thread_reply(thread=thread, member=replier, body="I agree with @Priya Shah here.", by=replier.user)

    assert [s for s in _emails(mentioned) if "Deprescribing" in s or "mentioned" in s] == [
        "Rob Reply mentioned you in Frailty and medicines"
    ]
    assert _emails(bystander) == []  # "@Priya Shah" is not a mention of "Priya"
    post = Post.objects.get(author=replier)
    assert list(post.mentions.all()) == [mentioned]
    assert f'href="/members/{mentioned.pk}/"' in post.body_html


def test_each_post_subscribers_get_every_post_and_none_get_nothing():
    convenor, each, none = MemberFactory(), MemberFactory(), MemberFactory()
    group = _group(convenor, each, none)
    CommunityMembership.objects.filter(member=each).update(notify="each")
    CommunityMembership.objects.filter(member=none).update(notify="none")
    services.thread_start(group=group, member=convenor, title="Hello", body="First post", by=convenor.user)
    assert _emails(each) == ["New post in Frailty and medicines: Hello"]
    assert _emails(none) == []
    email = OutboundEmail.objects.get(to=each.user.email)
    assert "List-Unsubscribe" in email.headers


def test_digest_groups_posts_by_group_and_respects_choices():
    convenor, reader, quiet = MemberFactory(), MemberFactory(full_name="Dana Digest"), MemberFactory()
    first = _group(convenor, reader, quiet, name="Sepsis")
    second = _group(convenor, reader, name="Frailty")
    CommunityMembership.objects.filter(member=quiet).update(notify="none")
    services.thread_start(
        group=first, member=convenor, title="Screening", body="Sepsis screening tools", by=convenor.user
    )
    services.thread_start(group=second, member=convenor, title="Falls", body="Falls and frailty", by=convenor.user)
    services.thread_start(group=second, member=reader, title="My own", body="My own post", by=reader.user)

    # The reader, and the convenor (for the reader's post): the quiet member gets none.
    assert services.digest_send(until=timezone.now() + timedelta(minutes=1)) == 2
    services.digest_send(until=timezone.now() + timedelta(minutes=2))  # the same day: nothing twice

    [digest] = OutboundEmail.objects.filter(to=reader.user.email, subject="New in your Q groups")
    body = digest.body_text
    assert body.index("Frailty") < body.index("Falls") < body.index("Sepsis") < body.index("Screening")
    assert "My own post" not in body
    assert not OutboundEmail.objects.filter(to=quiet.user.email, subject="New in your Q groups").exists()


def test_one_click_unsubscribe_stops_the_groups_emails(client):
    convenor, member = MemberFactory(), MemberFactory()
    group = _group(convenor, member, notify="each")
    membership = CommunityMembership.objects.get(member=member)
    url = reverse("members:group_unsubscribe", kwargs={"token": services.unsubscribe_token(membership)})
    assert client.post(url).status_code == 200  # no sign-in, no CSRF token (RFC 8058)
    assert CommunityMembership.objects.get(pk=membership.pk).notify == "none"
    services.thread_start(group=group, member=convenor, title="Hi", body="x", by=convenor.user)
    assert _emails(member) == []
    assert client.post(reverse("members:group_unsubscribe", kwargs={"token": "forged"})).status_code == 404


def _tags(html):
    from html.parser import HTMLParser

    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Parser().feed(html)
    return found


def test_markdown_is_sanitised():
    html = render_markdown(
        "**bold** <script>alert(1)</script> [bad](javascript:alert(1)) [good](https://example.org) "
        '![pic](https://tracker.example/p.png) <img src=x onerror="alert(1)"> <a href="x" onclick="y">z</a>'
    )
    assert "<strong>bold</strong>" in html
    tags = _tags(html)
    assert {tag for tag, _attrs in tags} <= {"p", "strong", "a"}
    assert [attrs for tag, attrs in tags if tag == "a"] == [
        {"rel": "nofollow noopener noreferrer"},
        {"href": "https://example.org", "rel": "nofollow noopener noreferrer"},
    ]
    assert "&lt;script&gt;" in html  # typed HTML is shown as text
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">good</a>' in html


def test_moderation_hides_posts_and_locks_threads_for_convenors_only():
    convenor, member = MemberFactory(), MemberFactory()
    group = _group(convenor, member)
    thread = services.thread_start(group=group, member=member, title="T", body="Rude words", by=member.user)
    post = thread.posts.get()
    report = services.post_report(post=post, member=convenor, reason="Rude", by=convenor.user)
    with pytest.raises(PortalError):
        services.post_hide(post=post, by=member.user)
    services.post_hide(post=post, by=convenor.user)
    services.thread_moderate(thread=thread, by=convenor.user, locked=True)
    report.refresh_from_db()
    assert report.resolved
    with pytest.raises(PortalError):
        services.thread_reply(thread=thread, member=member, body="more", by=member.user)


def test_convenor_removes_a_member_but_keeps_one_convenor():
    convenor, member = MemberFactory(), MemberFactory()
    group = _group(convenor, member)
    services.membership_remove(group=group, member=member, by=convenor.user)
    assert not CommunityMembership.objects.filter(member=member).exists()
    with pytest.raises(PortalError):
        services.membership_remove(group=group, member=convenor, by=convenor.user)


def told(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_convenor_removes_a_member_from_the_group_page_and_is_told_why_not_for_the_last_convenor(client):
    convenor, member = MemberFactory(), MemberFactory()
    group = _group(convenor, member)
    CommunityMembership.objects.filter(member=convenor).update(is_convenor=True)
    client.force_login(convenor.user)

    removed = client.post(reverse("members:group_member", args=[group.slug, member.pk]), {"action": "remove"})
    refused = client.post(reverse("members:group_member", args=[group.slug, convenor.pk]), {"action": "remove"})

    back = reverse("members:community", kwargs={"slug": group.slug})
    assert [removed["Location"], refused["Location"]] == [back, back]
    assert told(refused) == [("success", "Saved."), ("error", "A group needs at least one convenor.")]
    client.force_login(member.user)
    assert client.post(reverse("members:group_member", args=[group.slug, convenor.pk])).status_code == 404


def test_a_member_reports_a_post_and_goes_back_to_the_discussion(client):
    convenor, member = MemberFactory(), MemberFactory()
    group = _group(convenor, member)
    thread = services.thread_start(group=group, member=member, title="T", body="Rude words", by=member.user)
    client.force_login(convenor.user)
    url = reverse("members:post_report", args=[group.slug, thread.posts.get().pk])

    unexplained = client.post(url, {"reason": ""})
    reported = client.post(url, {"reason": "Rude"})

    assert unexplained.status_code == 200
    assert reported["Location"] == reverse("members:thread", kwargs={"slug": group.slug, "pk": thread.pk})
    assert told(reported) == [("success", "Thank you. The group's convenors have been told.")]


def test_a_reply_is_posted_and_one_to_a_locked_discussion_is_shown_again_with_the_discussion(client):
    convenor, member = MemberFactory(), MemberFactory()
    group = _group(convenor, member)
    thread = services.thread_start(group=group, member=member, title="T", body="First post", by=member.user)
    client.force_login(member.user)
    url = reverse("members:thread", kwargs={"slug": group.slug, "pk": thread.pk})

    posted = client.post(url, {"body": "A reply"})
    services.thread_moderate(thread=thread, by=convenor.user, locked=True)
    refused = client.post(url, {"body": "Another reply"})

    assert posted["Location"] == url
    assert told(posted) == [("success", "Your reply is posted.")]
    page = refused.content.decode()
    assert refused.status_code == 200
    # The page comes back with its posts (a locked discussion shows no reply form, so not the refusal either).
    assert ("First post" in page, "A reply" in page) == (True, True)
    assert thread.posts.count() == 2


def test_programme_team_decides_a_proposed_group_once(client):
    convenor = MemberFactory()
    group = _proposed(convenor, name="Human factors")
    client.force_login(with_totp(programme_team()))
    url = reverse("members:programme_groups")

    page = client.get(url)
    decided = client.post(url, {"group": group.pk, "decision": "approve"})
    again = client.post(url, {"group": group.pk, "decision": "decline"})

    assert "Human factors" in page.content.decode()
    assert [decided["Location"], again["Location"]] == [url, url]
    assert told(again) == [
        ("success", "Human factors: decision saved."),
        ("error", "This proposal has been decided already."),
    ]
    assert client.post(url, {"group": "x"}).status_code == 404


@pytest.mark.parametrize("size", [2, 15])
def test_group_discussions_query_count_is_flat(client, django_assert_num_queries, size):
    convenor = MemberFactory()
    group = _group(convenor)
    for n in range(size):
        thread = services.thread_start(group=group, member=convenor, title=f"T{n}", body="b", by=convenor.user)
        services.thread_reply(thread=thread, member=convenor, body="r", by=convenor.user)
    client.force_login(convenor.user)
    with django_assert_num_queries(QUERIES_DISCUSSIONS):
        response = client.get(reverse("members:community_discussions", kwargs={"slug": group.slug}))
    assert len(response.context["threads"]) == size


@pytest.mark.parametrize("size", [2, 15])
def test_thread_page_query_count_is_flat(client, django_assert_num_queries, size):
    convenor = MemberFactory()
    group = _group(convenor)
    thread = services.thread_start(group=group, member=convenor, title="T", body="b", by=convenor.user)
    for _ in range(size):
        CommunityMembership.objects.get_or_create(community=group, member=MemberFactory())
        services.thread_reply(thread=thread, member=convenor, body="reply **text**", by=convenor.user)
    client.force_login(with_totp(programme_team()))
    with django_assert_num_queries(QUERIES_THREAD):
        response = client.get(reverse("members:thread", kwargs={"slug": group.slug, "pk": thread.pk}))
    assert len(response.context["posts"]) == size + 1


QUERIES_DISCUSSIONS = 12
QUERIES_THREAD = 12


@pytest.mark.parametrize(
    "body", ["", "   ", "<script>alert('q')</script>", "\x00", "x" * 20_000, "👩‍⚕️" * 300, "@" * 50]
)
def test_reply_survives_bad_input(client, body):
    convenor = MemberFactory()
    group = _group(convenor)
    thread = services.thread_start(group=group, member=convenor, title="T", body="b", by=convenor.user)
    client.force_login(convenor.user)
    response = client.post(
        reverse("members:thread", kwargs={"slug": group.slug, "pk": thread.pk}), {"body": body}, follow=True
    )
    assert response.status_code == 200
    assert "<script>alert('q')</script>" not in response.content.decode()

"""Special interest groups and their discussions: proposing and approving a
group, convenors, threads and replies with @mentions, notifications (each post,
a daily digest, or none, with one-click unsubscribe), reports and moderation."""

import re
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.outbox.services import Stream, email_queue
from q_portal.roles import is_programme_team
from q_portal.slugs import unique_slug

from ..choices import CommunityKind, CommunityStatus, NotifyChoice
from ..emails import absolute_url
from ..formatting import render_markdown
from ..models import Community, CommunityMembership, MemberProfile, Post, PostReport, Thread

UNSUBSCRIBE_SALT = "members.group_notifications"


@transaction.atomic
def group_propose(
    *,
    member: MemberProfile,
    name: str,
    learning_question: str,
    description: str,
    welcome_message: str,
    convenors: list[MemberProfile],
    by,
) -> Community:
    """A member proposes a special interest group; they and the co-convenors they
    name convene it once the programme team approves. Side effect: an audit entry."""
    if not member.is_active:
        raise PortalError(_("Only active members can propose a group."))
    if Community.objects.filter(name__iexact=name).exists():
        raise PortalError(_("There is already a group called “%(name)s”.") % {"name": name}, field="name")
    group = Community(
        name=name,
        slug=unique_slug(name, among=Community.objects.all(), max_length=120, fallback="group"),
        description=description,
        learning_question=learning_question,
        welcome_message=welcome_message,
        kind=CommunityKind.INTEREST_GROUP,
        status=CommunityStatus.PROPOSED,
        proposed_by=member,
        created_by=by,
    )
    group.full_clean()
    group.save()
    for convenor in {member, *convenors}:
        CommunityMembership.objects.create(community=group, member=convenor, is_convenor=True)
    audit_log(actor=by, action="members.group_propose", target=group, summary=name)
    return group


@transaction.atomic
def group_decide(*, group: Community, approve: bool, by) -> Community:
    """The programme team approves (the group opens) or declines a proposal.
    Side effects: an audit entry; an email to the proposer."""
    group = Community.objects.select_for_update().get(pk=group.pk)
    if group.status != CommunityStatus.PROPOSED:
        raise PortalError(_("This proposal has been decided already."))
    group.status = CommunityStatus.APPROVED if approve else CommunityStatus.DECLINED
    group.save(update_fields=["status"])
    audit_log(actor=by, action=f"members.group_{group.status}", target=group, summary=group.name)
    if group.proposed_by_id:
        proposer = MemberProfile.objects.select_related("user").get(pk=group.proposed_by_id)
        email_queue(
            to=proposer.user.email,
            subject=(_("Your group is open: %(name)s") if approve else _("Your group proposal: %(name)s"))
            % {"name": group.name},
            body_text=render_to_string(
                "members/emails/group_decided.txt",
                {"group": group, "approved": approve, "url": absolute_url("members:community", slug=group.slug)},
            ),
            key=f"members.group_decided.{group.pk}",
        )
    return group


def is_convenor(member: MemberProfile | None, group: Community) -> bool:
    if member is None:
        return False
    return CommunityMembership.objects.filter(community=group, member=member, is_convenor=True).exists()


def can_moderate(user, group: Community) -> bool:
    return is_programme_team(user) or is_convenor(getattr(user, "member_profile", None), group)


@transaction.atomic
def membership_set_convenor(*, group: Community, member: MemberProfile, is_convenor_now: bool, by) -> None:
    """Convenors (and the programme team) name or stand down convenors; a group keeps at least one."""
    if not can_moderate(by, group):
        raise PortalError(_("Only the group's convenors can do that."))
    membership = CommunityMembership.objects.select_for_update().filter(community=group, member=member).first()
    if membership is None:
        raise PortalError(_("They are not in the group."))
    if not is_convenor_now and group.memberships.filter(is_convenor=True).exclude(pk=membership.pk).count() == 0:
        raise PortalError(_("A group needs at least one convenor."))
    membership.is_convenor = is_convenor_now
    membership.save(update_fields=["is_convenor"])
    audit_log(
        actor=by, action="members.group_convenor_set", target=group, summary=f"{member.full_name}: {is_convenor_now}"
    )


@transaction.atomic
def membership_remove(*, group: Community, member: MemberProfile, by) -> None:
    """A convenor takes someone out of the group. Side effect: an audit entry."""
    if not can_moderate(by, group):
        raise PortalError(_("Only the group's convenors can do that."))
    membership = group.memberships.filter(member=member).first()
    if membership is None:
        return
    if membership.is_convenor and group.memberships.filter(is_convenor=True).count() == 1:
        raise PortalError(_("A group needs at least one convenor."))
    membership.delete()
    audit_log(actor=by, action="members.group_member_remove", target=group, summary=member.full_name)


@transaction.atomic
def notify_set(*, group: Community, member: MemberProfile, notify: str, by) -> CommunityMembership:
    membership = CommunityMembership.objects.select_for_update().get(community=group, member=member)
    if notify not in NotifyChoice.values:
        raise PortalError(_("Choose how you would like to hear about new posts."), field="notify")
    membership.notify = notify
    membership.save(update_fields=["notify"])
    audit_log(actor=by, action="members.group_notify_set", target=group, summary=notify)
    return membership


def unsubscribe_token(membership: CommunityMembership) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(membership.pk)


def membership_from_unsubscribe_token(token: str) -> CommunityMembership | None:
    if not isinstance(token, str) or len(token) > 500:
        return None
    try:
        pk = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not isinstance(pk, int):
        return None
    return CommunityMembership.objects.select_related("community", "member").filter(pk=pk).first()


# --- Discussions ---------------------------------------------------------------------


def _mentioned(body: str, group: Community, author: MemberProfile) -> list[MemberProfile]:
    """Group members named as `@Full Name` in the post (longest names first, so
    "@Ann Lee" is not also read as "@Ann")."""
    if "@" not in body:
        return []
    people = list(
        MemberProfile.objects.active()
        .filter(community_memberships__community=group)
        .exclude(pk=author.pk)
        .select_related("user")
    )
    found, lowered = [], body.lower()
    for person in sorted(people, key=lambda p: -len(p.full_name)):
        pattern = r"@" + re.escape(person.full_name.lower()) + r"(?![\w])"
        if re.search(pattern, lowered):
            found.append(person)
            lowered = re.sub(pattern, " ", lowered)
    return found


def _linked_mentions(body: str, mentioned: list[MemberProfile]) -> str:
    for person in mentioned:
        body = re.sub(
            r"@" + re.escape(person.full_name) + r"(?![\w])",
            f"[@{person.full_name}]({person.get_absolute_url()})",
            body,
            flags=re.IGNORECASE,
        )
    return body


def _check_can_post(group: Community, member: MemberProfile) -> None:
    if group.status != CommunityStatus.APPROVED:
        raise PortalError(_("This group is not open yet."))
    if not member.is_active or not group.memberships.filter(member=member).exists():
        raise PortalError(_("Join the group to take part."))


def _post_create(*, thread: Thread, member: MemberProfile, body: str, by) -> Post:
    group = thread.community
    mentioned = _mentioned(body, group, member)
    post = Post(thread=thread, author=member, body=body, body_html=render_markdown(_linked_mentions(body, mentioned)))
    post.full_clean()
    post.save()
    post.mentions.set(mentioned)
    thread.last_post_at = post.created_at
    thread.save(update_fields=["last_post_at"])
    audit_log(actor=by, action="members.post_create", target=post, summary=thread.title[:100])
    _notify_post(post, mentioned)
    return post


def _notify_post(post: Post, mentioned: list[MemberProfile]) -> None:
    """One email per person per post: to each group member who asked for every
    post, and to each person mentioned (unless they asked for no emails). The key
    is the same for both reasons, so nobody gets two."""
    thread, group = post.thread, post.thread.community
    memberships = {
        m.member_id: m
        for m in group.memberships.select_related("member__user").exclude(member=post.author)
        if m.member.is_active
    }
    recipients = {}
    for membership in memberships.values():
        if membership.notify == NotifyChoice.EACH_POST:
            recipients[membership.member_id] = (membership, False)
    for person in mentioned:
        membership = memberships.get(person.pk)
        if membership is not None and membership.notify != NotifyChoice.NONE:
            recipients[person.pk] = (membership, True)
    thread_url = absolute_url("members:thread", slug=group.slug, pk=thread.pk)
    for membership, was_mentioned in recipients.values():
        unsubscribe = absolute_url("members:group_unsubscribe", token=unsubscribe_token(membership))
        subject = (
            _("%(name)s mentioned you in %(group)s") if was_mentioned else _("New post in %(group)s: %(title)s")
        ) % {"name": post.author.full_name, "group": group.name, "title": thread.title}
        email_queue(
            to=membership.member.user.email,
            subject=subject[:200],
            body_text=render_to_string(
                "members/emails/group_post.txt",
                {
                    "post": post,
                    "thread": thread,
                    "group": group,
                    "url": thread_url,
                    "unsubscribe": unsubscribe,
                    "mentioned": was_mentioned,
                },
            ),
            key=f"members.post.{post.pk}.{membership.member_id}",
            stream=Stream.BULK,
            headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )


@transaction.atomic
def thread_start(*, group: Community, member: MemberProfile, title: str, body: str, by) -> Thread:
    """Start a discussion with its first post. Side effects: audit; notifications."""
    _check_can_post(group, member)
    thread = Thread(community=group, title=title, author=member, last_post_at=timezone.now())
    thread.full_clean()
    thread.save()
    _post_create(thread=thread, member=member, body=body, by=by)
    return thread


@transaction.atomic
def thread_reply(*, thread: Thread, member: MemberProfile, body: str, by) -> Post:
    """Reply in a discussion. Side effects: audit; notifications."""
    thread = Thread.objects.select_for_update().select_related("community").get(pk=thread.pk)
    _check_can_post(thread.community, member)
    if thread.locked or thread.hidden:
        raise PortalError(_("This discussion is closed to new replies."))
    return _post_create(thread=thread, member=member, body=body, by=by)


@transaction.atomic
def thread_moderate(*, thread: Thread, by, locked: bool | None = None, hidden: bool | None = None) -> Thread:
    """Lock or hide a discussion (convenors and the programme team). Side effect: audit."""
    if not can_moderate(by, thread.community):
        raise PortalError(_("Only the group's convenors can do that."))
    changed = []
    if locked is not None:
        thread.locked = locked
        changed.append("locked")
    if hidden is not None:
        thread.hidden = hidden
        changed.append("hidden")
    thread.save(update_fields=changed)
    audit_log(
        actor=by,
        action="members.thread_moderate",
        target=thread,
        summary=f"locked={thread.locked} hidden={thread.hidden}",
    )
    return thread


@transaction.atomic
def post_hide(*, post: Post, by, hidden: bool = True) -> Post:
    """Hide a post (or show it again). Side effects: open reports on it resolved; audit."""
    if not can_moderate(by, post.thread.community):
        raise PortalError(_("Only the group's convenors can do that."))
    post.hidden = hidden
    post.save(update_fields=["hidden"])
    post.reports.filter(resolved=False).update(resolved=True)
    audit_log(actor=by, action="members.post_hide" if hidden else "members.post_show", target=post)
    return post


@transaction.atomic
def post_report(*, post: Post, member: MemberProfile, reason: str, by) -> PostReport:
    """A member reports a post to the convenors. Side effects: audit; an email to each convenor."""
    try:
        with transaction.atomic():
            report = PostReport.objects.create(post=post, reporter=member, reason=reason)
    except IntegrityError:
        return PostReport.objects.get(post=post, reporter=member)
    group = post.thread.community
    audit_log(actor=by, action="members.post_report", target=post, summary=group.name)
    url = absolute_url("members:thread", slug=group.slug, pk=post.thread_id)
    for membership in group.memberships.filter(is_convenor=True).select_related("member__user"):
        email_queue(
            to=membership.member.user.email,
            subject=_("A post was reported in %(group)s") % {"group": group.name},
            body_text=render_to_string(
                "members/emails/post_reported.txt", {"group": group, "report": report, "url": url}
            ),
            key=f"members.post_report.{report.pk}.{membership.member_id}",
        )
    return report


def digest_send(*, until: datetime | None = None) -> int:
    """The daily digest: to each member who chose it, the posts of the last day in
    their groups (not their own, not hidden), grouped by group and discussion. One
    email per member per day (keyed by the day), none when nothing is new."""
    until = until or timezone.now()
    since = until - timedelta(days=1)
    day = timezone.localtime(until).date()
    posts = list(
        Post.objects.filter(
            created_at__gte=since,
            created_at__lt=until,
            hidden=False,
            thread__hidden=False,
            thread__community__status=CommunityStatus.APPROVED,
        )
        .select_related("thread__community", "author")
        .order_by("thread__community__name", "thread_id", "created_at")
    )
    if not posts:
        return 0
    by_group: dict[int, list[Post]] = {}
    for post in posts:
        by_group.setdefault(post.thread.community_id, []).append(post)
    memberships = (
        CommunityMembership.objects.filter(community_id__in=by_group, notify=NotifyChoice.DIGEST)
        .select_related("member__user", "community")
        .order_by("member_id")
    )
    digests: dict[int, list] = {}
    for membership in memberships:
        if not membership.member.is_active:
            continue
        theirs = [p for p in by_group[membership.community_id] if p.author_id != membership.member_id]
        if theirs:
            digests.setdefault(membership.member_id, []).append((membership, theirs))
    for sections in digests.values():
        member = sections[0][0].member
        groups = [
            {
                "group": membership.community,
                "posts": theirs,
                "url": absolute_url("members:community_discussions", slug=membership.community.slug),
                "unsubscribe": absolute_url("members:group_unsubscribe", token=unsubscribe_token(membership)),
            }
            for membership, theirs in sorted(sections, key=lambda section: section[0].community.name)
        ]
        with transaction.atomic():
            email_queue(
                to=member.user.email,
                subject=_("New in your Q groups"),
                body_text=render_to_string("members/emails/group_digest.txt", {"member": member, "groups": groups}),
                key=f"members.digest.{member.pk}.{day:%Y%m%d}",
                stream=Stream.BULK,
            )
    return len(digests)

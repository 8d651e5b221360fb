"""Every change to the vote, its count, the funding decision and the funded
projects: one function, one transaction; emails through the outbox after commit.

Casting a vote is serialised per voter: the voter's snapshot row is locked
(SELECT … FOR UPDATE) before the rules are checked against the votes already
placed, so two tabs, a double click or fifty requests at once are checked one
after the other and cannot together break a limit. Counting locks every voter
row of the vote first, so a vote being placed as the vote closes is either
counted or refused, never lost half way.
"""

import secrets
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import PurePath

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange.choices import EmailPreference, JoinStatus, ProposalStatus
from exchange.models import Call, Proposal, TeamMembership
from exchange.selectors import team_to_email
from members.choices import MembershipStatus
from members.emails import absolute_url
from members.models import MemberProfile
from q_portal.audit.services import audit_log
from q_portal.broker import enqueue_on_commit
from q_portal.exceptions import PortalError
from q_portal.outbox.services import email_queue
from q_portal.roles import Role

from . import tally
from .choices import VoteStatus
from .models import Award, CallVote, Project, ProjectUpdate, ThemeShare, UpdateComment, Vote, VoteCount, Voter
from .permissions import is_on_project_team, own_team_idea_ids, panel_reviewed_proposal_ids

RULE_FIELDS = (
    "votes_per_member",
    "most_per_theme",
    "own_team_may_vote",
    "panel_reviewers_may_vote",
    "totals_hidden",
    "opens_at",
    "closes_at",
    "tie_break",
)
# A reminder goes to the team this long before an update is due.
REMINDER_BEFORE = timedelta(days=7)


# --- The rules (the programme team, before the vote opens) ---------------------------


@transaction.atomic
def vote_rules_save(*, call: Call, values: dict, by) -> CallVote:
    """Set the call's vote rules (creating them the first time). Only before the
    vote opens: the tie-break rule and the limits are fixed from then on. Side
    effect: an audit entry with the rules."""
    call_vote = CallVote.objects.select_for_update().filter(call=call).first() or CallVote(call=call)
    if call_vote.status != VoteStatus.SET_UP:
        raise PortalError(_("The vote has opened: its rules can no longer change."))
    for field in RULE_FIELDS:
        setattr(call_vote, field, values[field])
    if call_vote.opens_at >= call_vote.closes_at:
        raise PortalError(_("The vote must close after it opens."), field="closes_at")
    if call_vote.opens_at < call.proposals_due_at:
        raise PortalError(_("The vote can only open after proposals are due."), field="opens_at")
    if call_vote.most_per_theme is not None and call_vote.most_per_theme > call_vote.votes_per_member:
        raise PortalError(
            _("The most votes in one theme cannot be more than the votes per member."), field="most_per_theme"
        )
    call_vote.full_clean()
    call_vote.save()
    audit_log(
        actor=by,
        action="funding.vote_rules",
        target=call_vote,
        changes={field: str(values[field]) for field in RULE_FIELDS},
    )
    return call_vote


@transaction.atomic
def vote_open(*, call_vote: CallVote, now=None) -> int:
    """Open the vote at its time: the eligibility snapshot (a voter row, with a
    random token, for each member in good standing now) and the status. Does
    nothing if already open. Returns the number of eligible voters."""
    now = now or timezone.now()
    call_vote = CallVote.objects.select_for_update().select_related("call").get(pk=call_vote.pk)
    if call_vote.status != VoteStatus.SET_UP:
        return 0
    if now < call_vote.opens_at:
        raise PortalError(_("The vote is not due to open yet."))
    if not Proposal.objects.filter(call=call_vote.call, status=ProposalStatus.SHORTLISTED).exists():
        raise PortalError(_("There is no shortlist to vote on yet."))
    members = MemberProfile.objects.filter(status=MembershipStatus.ACTIVE).select_related("region")
    voters = [
        Voter(call_vote=call_vote, member=member, token=secrets.token_hex(8), region_name=str(member.region or ""))
        for member in members.only("pk", "region__name")
    ]
    Voter.objects.bulk_create(voters, batch_size=1000)
    call_vote.status, call_vote.opened_at = VoteStatus.OPEN, now
    call_vote.save(update_fields=["status", "opened_at"])
    audit_log(actor=None, action="funding.vote_open", target=call_vote, changes={"eligible": len(voters)})
    return len(voters)


@transaction.atomic
def vote_close(*, call_vote: CallVote, now=None) -> bool:
    """Close the vote at its time and queue its count (after commit)."""
    from .tasks import count_vote as count_vote_task

    now = now or timezone.now()
    call_vote = CallVote.objects.select_for_update().get(pk=call_vote.pk)
    if call_vote.status != VoteStatus.OPEN or now < call_vote.closes_at:
        return False
    call_vote.status, call_vote.closed_at = VoteStatus.CLOSED, now
    call_vote.save(update_fields=["status", "closed_at"])
    audit_log(actor=None, action="funding.vote_close", target=call_vote)
    enqueue_on_commit(count_vote_task, call_vote_id=call_vote.pk)
    return True


def votes_open_and_close_due(*, now=None) -> tuple[int, int]:
    """Beat: open the votes whose time has come, close those whose time is up."""
    now = now or timezone.now()
    opened = closed = 0
    for call_vote in CallVote.objects.filter(status=VoteStatus.SET_UP, opens_at__lte=now):
        try:
            vote_open(call_vote=call_vote, now=now)
            opened += 1
        except PortalError:
            continue
    for call_vote in CallVote.objects.filter(status=VoteStatus.OPEN, closes_at__lte=now):
        closed += vote_close(call_vote=call_vote, now=now)
    return opened, closed


# --- Casting (members) ---------------------------------------------------------------


def _locked_voter(call_vote: CallVote, member: MemberProfile | None) -> tuple[Voter, CallVote]:
    if member is None or member.status != MembershipStatus.ACTIVE:
        raise PortalError(_("Only members in good standing can vote."))
    voter = Voter.objects.select_for_update().filter(call_vote=call_vote, member=member).first()
    if voter is None:
        raise PortalError(
            _("You cannot vote in this call: only members in good standing on the day the vote opened can.")
        )
    # Read after the lock, so a close committed meanwhile is seen.
    call_vote = CallVote.objects.select_related("call").get(pk=call_vote.pk)
    if not call_vote.is_taking_votes():
        raise PortalError(_("The vote is closed: votes can no longer be placed, moved or withdrawn."))
    return voter, call_vote


@transaction.atomic
def vote_place(
    *, call_vote: CallVote, member: MemberProfile, proposal: Proposal, by, replacing: Proposal | None = None
) -> Vote:
    """Place one of the member's votes on a shortlisted proposal, or move one
    (`replacing`: the proposal the vote is taken from, in the same transaction).
    Every rule is checked here, under the voter's lock. Side effect: an audit
    entry (which proposal is not recorded there: the vote is the member's)."""
    voter, call_vote = _locked_voter(call_vote, member)
    call = call_vote.call
    if proposal.call_id != call.pk or proposal.status != ProposalStatus.SHORTLISTED:
        raise PortalError(_("You can only vote for a proposal on this call's shortlist."))
    if not call_vote.own_team_may_vote and proposal.idea_id in own_team_idea_ids(member=member, call=call):
        raise PortalError(_("You are on this proposal's team, so you cannot vote for it."))
    if not call_vote.panel_reviewers_may_vote and proposal.pk in panel_reviewed_proposal_ids(member=member, call=call):
        raise PortalError(
            _("You reviewed this proposal on the shortlisting panel, so in this call you cannot vote for it.")
        )
    placed = {vote.proposal_id: vote for vote in voter.votes.select_related("theme")}
    if replacing is not None:
        if replacing.pk not in placed:
            raise PortalError(_("You have no vote on the proposal you are moving it from."))
        if replacing.pk == proposal.pk:
            raise PortalError(_("Choose a different proposal to move your vote to."))
        del placed[replacing.pk]
    if proposal.pk in placed:
        raise PortalError(_("You have already voted for this proposal. Each proposal can have one of your votes."))
    if len(placed) >= call_vote.votes_per_member:
        raise PortalError(
            _("You have used all your %(count)d votes. Withdraw or move one to vote for this proposal.")
            % {"count": call_vote.votes_per_member}
        )
    theme = proposal.idea.theme
    in_theme = sum(1 for vote in placed.values() if vote.theme_id == theme.pk)
    if call_vote.most_per_theme is not None and in_theme >= call_vote.most_per_theme:
        raise PortalError(
            _(
                "You have already used %(count)d votes in the theme “%(theme)s”, the most allowed in one theme. "
                "Withdraw one of them to vote for this proposal, or vote in another theme."
            )
            % {"count": call_vote.most_per_theme, "theme": theme.name}
        )
    if replacing is not None:
        voter.votes.filter(proposal=replacing).delete()
    vote = Vote(voter=voter, proposal=proposal, theme=theme)
    vote.full_clean(validate_unique=False, validate_constraints=False)
    vote.save(force_insert=True)
    audit_log(actor=by, action="funding.vote_move" if replacing else "funding.vote_place", target=call_vote)
    return vote


@transaction.atomic
def vote_withdraw(*, call_vote: CallVote, member: MemberProfile, proposal: Proposal, by) -> None:
    """Withdraw the member's vote on the proposal (until the vote closes)."""
    voter, call_vote = _locked_voter(call_vote, member)
    deleted, _rows = voter.votes.filter(proposal=proposal).delete()
    if not deleted:
        raise PortalError(_("You have no vote on this proposal."))
    audit_log(actor=by, action="funding.vote_withdraw", target=call_vote)


# --- Counting and results ------------------------------------------------------------


@transaction.atomic
def vote_count(*, call_vote: CallVote) -> int:
    """Count a closed vote with the documented rule (`tally.py`): one count row per
    shortlisted proposal with its total and place. Idempotent: a vote already
    counted is left as it is. Returns the number of votes counted."""
    call_vote = CallVote.objects.select_for_update().select_related("call").get(pk=call_vote.pk)
    if call_vote.status != VoteStatus.CLOSED:
        return 0
    # Wait for any vote being placed at the close to commit (or be refused).
    list(Voter.objects.select_for_update().filter(call_vote=call_vote).values_list("pk", flat=True))
    ballots = Vote.objects.filter(voter__call_vote=call_vote).values_list("voter__token", "proposal_id")
    totals = tally.totals(ballots)
    shortlist = Proposal.objects.filter(call=call_vote.call, status=ProposalStatus.SHORTLISTED)
    entries = [
        tally.Entry(proposal_id=p.pk, panel_rank=p.panel_rank, budget=p.budget, votes=totals.get(p.pk, 0))
        for p in shortlist.only("pk", "panel_rank", "budget")
    ]
    placed = tally.place(entries, call_vote.tie_break)
    VoteCount.objects.bulk_create(
        [
            VoteCount(call_vote=call_vote, proposal_id=row.proposal_id, votes=row.votes, place=row.place, tied=row.tied)
            for row in placed
        ]
    )
    call_vote.status, call_vote.counted_at = VoteStatus.COUNTED, timezone.now()
    call_vote.save(update_fields=["status", "counted_at"])
    audit_log(actor=None, action="funding.vote_count", target=call_vote, changes={"votes": sum(totals.values())})
    return sum(totals.values())


@transaction.atomic
def vote_publish(*, call_vote: CallVote, by) -> None:
    """Publish the counted results to members (and the ballot file). Side effect: an audit entry."""
    call_vote = CallVote.objects.select_for_update().get(pk=call_vote.pk)
    if call_vote.status != VoteStatus.COUNTED:
        raise PortalError(_("Only a counted vote can be published."))
    call_vote.status, call_vote.published_at = VoteStatus.PUBLISHED, timezone.now()
    call_vote.save(update_fields=["status", "published_at"])
    audit_log(actor=by, action="funding.vote_publish", target=call_vote)


# --- The funding decision (the programme team) ---------------------------------------


def _candidates(call_vote: CallVote) -> list[tally.Candidate]:
    return [
        tally.Candidate(
            proposal_id=count.proposal_id,
            theme_id=count.proposal.idea.theme_id,
            budget=count.proposal.budget,
            vote_place=count.place,
            panel_rank=count.proposal.panel_rank,
        )
        for count in call_vote.counts.select_related("proposal__idea")
    ]


def funding_plan_for(call_vote: CallVote) -> list[tally.PlanLine]:
    """The plan the settings give now (nothing written): the preview."""
    shares = {share.theme_id: share.amount for share in call_vote.theme_shares.all()}
    return tally.funding_plan(
        _candidates(call_vote), total=call_vote.call.total_funding, shares=shares, vote_weight=call_vote.vote_weight
    )


@transaction.atomic
def funding_settings_save(*, call_vote: CallVote, vote_weight: int, shares: dict, by) -> None:
    """The weight of the vote and each theme's share (£; None: no share of its own).
    Only before the funding is announced; a change undoes an unannounced confirmation."""
    call_vote = CallVote.objects.select_for_update().select_related("call").get(pk=call_vote.pk)
    if call_vote.announced_at is not None:
        raise PortalError(_("The funding has been announced: it can no longer change."))
    if sum(amount for amount in shares.values() if amount) > call_vote.call.total_funding:
        raise PortalError(_("The themes' shares add up to more than the call's total funding."))
    call_vote.vote_weight = vote_weight
    call_vote.funding_confirmed_at = None
    call_vote.full_clean()
    call_vote.save(update_fields=["vote_weight", "funding_confirmed_at"])
    call_vote.theme_shares.all().delete()
    ThemeShare.objects.bulk_create(
        [ThemeShare(call_vote=call_vote, theme=theme, amount=amount) for theme, amount in shares.items() if amount]
    )
    Award.objects.filter(call_vote=call_vote).delete()
    audit_log(
        actor=by,
        action="funding.settings",
        target=call_vote,
        changes={"vote_weight": vote_weight, "shares": {theme.name: amount for theme, amount in shares.items()}},
    )


@transaction.atomic
def funding_confirm(*, call_vote: CallVote, by) -> list[Award]:
    """Write the previewed plan as the decision (replacing an earlier unannounced one)."""
    call_vote = CallVote.objects.select_for_update().select_related("call").get(pk=call_vote.pk)
    if call_vote.status not in (VoteStatus.COUNTED, VoteStatus.PUBLISHED):
        raise PortalError(_("The vote must be counted before the funding is decided."))
    if call_vote.announced_at is not None:
        raise PortalError(_("The funding has been announced: it can no longer change."))
    Award.objects.filter(call_vote=call_vote).delete()
    awards = Award.objects.bulk_create(
        [
            Award(
                call_vote=call_vote,
                proposal_id=line.proposal_id,
                position=line.position,
                funded=line.funded,
                grant=line.grant,
                reason=line.reason,
            )
            for line in funding_plan_for(call_vote)
        ]
    )
    call_vote.funding_confirmed_at = timezone.now()
    call_vote.save(update_fields=["funding_confirmed_at"])
    audit_log(
        actor=by,
        action="funding.confirm",
        target=call_vote,
        changes={"funded": [award.proposal_id for award in awards if award.funded]},
    )
    return awards


def _team(proposal: Proposal) -> list[MemberProfile]:
    memberships = TeamMembership.objects.filter(idea_id=proposal.idea_id, status=JoinStatus.ACCEPTED).select_related(
        "member__user"
    )
    return [membership.member for membership in memberships if membership.member.status == MembershipStatus.ACTIVE]


@transaction.atomic
def funding_announce(*, call_vote: CallVote, starts_on: date, months: int, every_months: int, by) -> list[Project]:
    """Announce the confirmed funding: a project for each funded proposal (with its
    schedule of updates), and an email to every member of each shortlisted
    team, funded or not (outbox, after commit). Needs published results."""
    call_vote = CallVote.objects.select_for_update().select_related("call").get(pk=call_vote.pk)
    if call_vote.status != VoteStatus.PUBLISHED:
        raise PortalError(_("Publish the vote's results before announcing the funding."))
    if call_vote.funding_confirmed_at is None:
        raise PortalError(_("Confirm the funding before announcing it."))
    if call_vote.announced_at is not None:
        raise PortalError(_("The funding has already been announced."))
    projects = []
    awards = list(call_vote.awards.select_related("proposal__idea"))
    for award in awards:
        if award.funded:
            project = Project(
                award=award,
                proposal=award.proposal,
                title=award.proposal.title,
                grant=award.grant,
                starts_on=starts_on,
                ends_on=starts_on + relativedelta(months=months),
                update_every_months=every_months,
            )
            project.full_clean()
            project.save()
            projects.append(project)
    call_vote.announced_at = timezone.now()
    call_vote.save(update_fields=["announced_at"])
    by_proposal = {project.proposal_id: project for project in projects}
    for award in awards:
        project = by_proposal.get(award.proposal_id)
        body = render_to_string(
            "funding/emails/announced.txt",
            {
                "award": award,
                "call": call_vote.call,
                "project_url": absolute_url("funding:project", pk=project.pk) if project else "",
                "results_url": absolute_url("funding:results", pk=call_vote.call_id),
            },
        )
        subject = (_("Funded: “%(title)s”") if award.funded else _("Not funded this time: “%(title)s”")) % {
            "title": award.proposal.title
        }
        for member in _team(award.proposal):
            email_queue(
                to=member.user.email, subject=subject, body_text=body, key=f"funding.announce.{award.pk}.{member.pk}"
            )
    audit_log(actor=by, action="funding.announce", target=call_vote, changes={"projects": len(projects)})
    return projects


# --- Funded projects -----------------------------------------------------------------


@transaction.atomic
def project_schedule_save(*, project: Project, starts_on: date, ends_on: date, every_months: int, by) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if starts_on >= ends_on:
        raise PortalError(_("The project must end after it starts."), field="ends_on")
    if project.updates.filter(due_on__isnull=False).exists() and (
        project.starts_on != starts_on or project.update_every_months != every_months
    ):
        raise PortalError(_("Updates have been posted against this schedule: only the end date can change now."))
    project.starts_on, project.ends_on, project.update_every_months = starts_on, ends_on, every_months
    project.full_clean()
    project.save(update_fields=["starts_on", "ends_on", "update_every_months"])
    audit_log(actor=by, action="funding.project_schedule", target=project)
    return project


def next_due(project: Project, answered: set, today: date) -> date | None:
    """The earliest due date not yet answered, or None when the final report is in."""
    for due in project.due_dates():
        if due not in answered:
            return due
    return None


def _answerable(project: Project, answered: set, today: date) -> date | None:
    """The due date an update posted today answers: the next one, once its period has begun."""
    due = next_due(project, answered, today)
    if due is None:
        return None
    period_starts = due - relativedelta(months=project.update_every_months)
    return due if today >= max(period_starts, project.starts_on) else None


@transaction.atomic
def project_update_post(*, project: Project, member: MemberProfile, values: dict, by) -> ProjectUpdate:
    """The team posts an update. It answers the next due date once that period has
    begun (the end date's answer is the final report); otherwise it is an extra
    update. An image is stored under a random name. Side effect: an audit entry."""
    project = Project.objects.select_for_update().select_related("proposal__idea").get(pk=project.pk)
    if member is None or member.status != MembershipStatus.ACTIVE or not is_on_project_team(member, project):
        raise PortalError(_("Only the project's team can post its updates."))
    today = timezone.localdate()
    answered = set(project.updates.filter(due_on__isnull=False).values_list("due_on", flat=True))
    due = _answerable(project, answered, today)
    update = ProjectUpdate(
        project=project,
        author=member,
        title=values["title"],
        body=values["body"],
        links=values.get("links", ""),
        image_alt=values.get("image_alt", ""),
        due_on=due,
        is_final=due == project.ends_on,
    )
    image = values.get("image")
    if image:
        suffix = PurePath(image.name).suffix.lower()[:5] or ".jpg"
        update.image.name = default_storage.save(f"funding/updates/{project.pk}/{uuid.uuid4().hex}{suffix}", image)
        if not update.image_alt.strip():
            raise PortalError(_("Describe the image for people who cannot see it."), field="image_alt")
    update.full_clean()
    update.save()
    audit_log(actor=by, action="funding.update_post", target=update)
    return update


@transaction.atomic
def update_comment_add(*, update: ProjectUpdate, member: MemberProfile, body: str, by) -> UpdateComment:
    """A member comments on a project update. Side effects: an audit entry, and an
    email (outbox, one key per comment and person) to each of the project's team
    who chose an email for each event; those who chose the daily digest hear of it
    there (`project_comment_digest_send`); never the commenter."""
    if member is None or member.status != MembershipStatus.ACTIVE:
        raise PortalError(_("Only members in good standing can comment."))
    update = ProjectUpdate.objects.select_related("project__proposal").get(pk=update.pk)
    comment = UpdateComment(update=update, author=member, body=body)
    comment.full_clean()
    comment.save()
    audit_log(actor=by, action="funding.update_comment", target=comment)
    project = update.project
    team = team_to_email(idea_id=project.proposal.idea_id, preference=EmailPreference.EACH).exclude(pk=member.pk)
    body_text = render_to_string(
        "funding/emails/update_comment.txt",
        {
            "comment": comment,
            "update": update,
            "project": project,
            "author": member,
            "url": f"{absolute_url('funding:project', pk=project.pk)}#comment-{comment.pk}",
        },
    )
    for person in team:
        email_queue(
            to=person.user.email,
            subject=_("New comment on your project update “%(title)s”") % {"title": update.title},
            body_text=body_text,
            key=f"funding.update_comment.{comment.pk}.{person.pk}",
        )
    return comment


def project_comment_digest_send(*, day: date) -> int:
    """Email each project team member who chose the daily digest the comments
    others made on their project's updates on `day` (UK time). One email per
    member per day (its key), so a second run sends nothing more; a fixed number
    of queries whatever the number of projects. Returns the emails queued."""
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    comments = list(
        UpdateComment.objects.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
        .select_related("author", "update__project__proposal")
        .order_by("created_at", "pk")
    )
    by_idea = defaultdict(list)
    for comment in comments:
        comment.url = f"{absolute_url('funding:project', pk=comment.update.project_id)}#comment-{comment.pk}"
        by_idea[comment.update.project.proposal.idea_id].append(comment)
    if not by_idea:
        return 0
    places = TeamMembership.objects.filter(
        idea_id__in=by_idea,
        status=JoinStatus.ACCEPTED,
        member__status=MembershipStatus.ACTIVE,
        member__exchange_preference__email=EmailPreference.DIGEST,
    ).select_related("member__user")
    news = defaultdict(list)
    members = {}
    for place in places:
        members[place.member_id] = place.member
        news[place.member_id] += [c for c in by_idea[place.idea_id] if c.author_id != place.member_id]
    queued = 0
    for member_id, items in news.items():
        if not items:
            continue
        member = members[member_id]
        email_queue(
            to=member.user.email,
            subject=_("Your project on Q Exchange: comments on %(day)s") % {"day": day.strftime("%-d %B %Y")},
            body_text=render_to_string(
                "funding/emails/update_comment_digest.txt",
                {"member": member, "comments": items},
            ),
            key=f"funding.digest.{member_id}.{day.isoformat()}",
        )
        queued += 1
    return queued


def project_reminders_send(*, today: date | None = None) -> int:
    """Beat, daily: a reminder to each team a week before an update is due, and to
    the programme team when one is late. One email per person per due date (its
    outbox key), however often this runs. Returns the number of emails queued."""
    today = today or timezone.localdate()
    User = get_user_model()
    programme = list(User.objects.filter(groups__name=str(Role.PROGRAMME_TEAM), is_active=True))
    queued = 0
    projects = Project.objects.select_related("proposal__idea").prefetch_related("updates")
    for project in projects:
        answered = {update.due_on for update in project.updates.all() if update.due_on}
        due = next_due(project, answered, today)
        if due is None:
            continue
        context = {"project": project, "due": due, "project_url": absolute_url("funding:project", pk=project.pk)}
        with transaction.atomic():
            if today > due:
                body = render_to_string("funding/emails/update_late.txt", context)
                for user in programme:
                    email_queue(
                        to=user.email,
                        subject=_("Update late: %(title)s") % {"title": project.title},
                        body_text=body,
                        key=f"funding.late.{project.pk}.{due}.{user.pk}",
                    )
                    queued += 1
            elif today >= due - REMINDER_BEFORE:
                body = render_to_string("funding/emails/update_due.txt", context)
                for member in _team(project.proposal):
                    email_queue(
                        to=member.user.email,
                        subject=_("Your project update is due on %(day)s") % {"day": due.strftime("%-d %B %Y")},
                        body_text=body,
                        key=f"funding.reminder.{project.pk}.{due}.{member.pk}",
                    )
                    queued += 1
    return queued

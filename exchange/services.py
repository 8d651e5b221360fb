"""Every change in the exchange: one function, one transaction, one audit entry;
emails through the outbox after commit. Each checks the call's stage (derived
from its dates) and the actor's right on the server."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.validators import count_words
from members.emails import absolute_url
from members.models import MemberProfile
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.outbox.services import email_queue

from .choices import EmailPreference, IdeaStatus, JoinStatus, ProposalStatus, Stage, TeamRole
from .models import (
    Call,
    Comment,
    ExchangePreference,
    Idea,
    IdeaRevision,
    Proposal,
    ProposalAnswer,
    Question,
    Support,
    TeamMembership,
    Theme,
)

CALL_FIELDS = (
    "title",
    "summary",
    "total_funding",
    "largest_grant",
    "ideas_open_at",
    "refinement_from",
    "proposals_from",
    "proposals_due_at",
    "vote_from",
    "results_from",
)
IDEA_FIELDS = ("title", "theme", "problem", "plan", "involved", "budget", "budget_private", "skills_wanted")
# While an idea is open to the community: comments, support, joining, edits.
OPEN_STAGES = (Stage.IDEAS, Stage.REFINEMENT, Stage.PROPOSALS)


# --- Calls (the programme team) ---------------------------------------------------


def _check_call(call: Call) -> None:
    if call.largest_grant > call.total_funding:
        raise PortalError(_("The largest grant cannot be more than the total funding."), field="largest_grant")
    previous = None
    for field in CALL_FIELDS[4:]:
        value = getattr(call, field)
        if previous is not None and value <= getattr(call, previous):
            raise PortalError(
                _("Each stage must start after the one before: this date must be after “%(before)s”.")
                % {"before": Call._meta.get_field(previous).verbose_name},
                field=field,
            )
        previous = field


def _set_themes(call: Call, names: list[str]) -> None:
    existing = {theme.name: theme for theme in call.themes.all()}
    wanted = list(dict.fromkeys(names))
    for name, theme in existing.items():
        if name not in wanted:
            if theme.ideas.exists():
                raise PortalError(
                    _("The theme “%(name)s” has ideas, so it cannot be removed.") % {"name": name}, field="themes"
                )
            theme.delete()
    for name in wanted:
        if name not in existing:
            Theme.objects.create(call=call, name=name)


@transaction.atomic
def call_save(*, call: Call | None, values: dict, themes: list[str], by) -> Call:
    """Create a call (call=None) or change one, with its themes. Side effects: an
    audit entry. Raises PortalError on dates out of order or a theme in use."""
    if not themes:
        raise PortalError(_("Enter at least one theme."), field="themes")
    creating = call is None
    call = call or Call()
    for field in CALL_FIELDS:
        setattr(call, field, values[field])
    _check_call(call)
    call.full_clean()
    call.save()
    _set_themes(call, themes)
    audit_log(actor=by, action="exchange.call_create" if creating else "exchange.call_update", target=call)
    return call


@transaction.atomic
def question_save(*, call: Call, question: Question | None, values: dict, by) -> Question:
    question = question or Question(call=call)
    if call.stage_at(timezone.now()) not in (Stage.UPCOMING, Stage.IDEAS, Stage.REFINEMENT) and question.pk is None:
        raise PortalError(_("Proposals have opened: the form's questions can no longer be added."))
    for field in ("position", "text", "hint", "word_limit"):
        setattr(question, field, values[field])
    question.full_clean()
    question.save()
    audit_log(actor=by, action="exchange.question_save", target=question)
    return question


@transaction.atomic
def question_delete(*, question: Question, by) -> None:
    if question.answers.exclude(text="").exists():
        raise PortalError(_("Teams have answered this question, so it cannot be removed."))
    audit_log(actor=by, action="exchange.question_delete", target=question.call, summary=question.text)
    question.delete()


# --- Ideas ---------------------------------------------------------------------------


def _require_stage(call: Call, stages, message: str) -> None:
    if call.stage_at(timezone.now()) not in stages:
        raise PortalError(message)


def _require_member(member: MemberProfile | None) -> MemberProfile:
    if member is None or not member.is_active:
        raise PortalError(_("Only members in good standing can take part in the exchange."))
    return member


@transaction.atomic
def idea_create(*, call: Call, member: MemberProfile, values: dict, by) -> Idea:
    """Post an idea, its poster its lead. Side effects: the lead's team row, an audit entry."""
    _require_member(member)
    _require_stage(call, (Stage.IDEAS,), _("This call is not taking new ideas."))
    if values["theme"].call_id != call.pk:
        raise PortalError(_("Choose one of this call's themes."), field="theme")
    idea = Idea(call=call, lead=member, **{field: values[field] for field in IDEA_FIELDS})
    idea.full_clean()
    idea.save()
    TeamMembership.objects.create(
        idea=idea, member=member, role=TeamRole.LEAD, status=JoinStatus.ACCEPTED, decided_at=idea.created_at
    )
    audit_log(actor=by, action="exchange.idea_create", target=idea)
    return idea


def _shown(value) -> str:
    return str(value) if value is not None else ""


@transaction.atomic
def idea_update(*, idea: Idea, member: MemberProfile, values: dict, by) -> IdeaRevision | None:
    """A team member's edit. Side effects: a revision with each changed field's old
    and new text (none when nothing changed), an audit entry."""
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    _require_team(idea, member)
    if idea.is_withdrawn:
        raise PortalError(_("This idea has been withdrawn."))
    _require_stage(idea.call, OPEN_STAGES, _("Ideas in this call can no longer be changed."))
    if values["theme"].call_id != idea.call_id:
        raise PortalError(_("Choose one of this call's themes."), field="theme")
    changes = {}
    for field in IDEA_FIELDS:
        old, new = getattr(idea, field), values[field]
        if old != new:
            changes[field] = [_shown(old), _shown(new)]
            setattr(idea, field, new)
    if not changes:
        return None
    idea.full_clean()
    idea.save(update_fields=[*changes, "updated_at"])
    revision = IdeaRevision.objects.create(idea=idea, author=member, changes=changes)
    audit_log(actor=by, action="exchange.idea_update", target=idea, changes={"fields": sorted(changes)})
    return revision


@transaction.atomic
def idea_withdraw(*, idea: Idea, member: MemberProfile, by) -> None:
    """The lead withdraws the idea: it stays readable, marked withdrawn, with its comments."""
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    if idea.lead_id != member.pk:
        raise PortalError(_("Only the idea's lead can withdraw it."))
    if idea.is_withdrawn:
        return
    idea.status = IdeaStatus.WITHDRAWN
    idea.save(update_fields=["status", "updated_at"])
    audit_log(actor=by, action="exchange.idea_withdraw", target=idea)


def _require_team(idea: Idea, member: MemberProfile | None) -> None:
    _require_member(member)
    on_team = TeamMembership.objects.filter(idea=idea, member=member, status=JoinStatus.ACCEPTED).exists()
    if not on_team:
        raise PortalError(_("Only the idea's team can do that."))


def _require_open(idea: Idea) -> None:
    if idea.is_withdrawn:
        raise PortalError(_("This idea has been withdrawn."))
    if idea.lead_id is None:
        raise PortalError(_("This idea no longer has a lead, so it is closed."))
    _require_stage(idea.call, OPEN_STAGES, _("This idea is no longer open for that."))


# --- Comments, support and the team -----------------------------------------------------


def _notify_team(*, idea: Idea, actor: MemberProfile, key: str, subject: str, template: str, context: dict) -> None:
    """Email the idea's team (not the actor), each as their preference says."""
    team = (
        MemberProfile.objects.filter(
            idea_memberships__idea=idea, idea_memberships__status=JoinStatus.ACCEPTED, status="active"
        )
        .exclude(pk=actor.pk)
        .exclude(exchange_preference__email__in=[EmailPreference.NONE, EmailPreference.DIGEST])
        .select_related("user")
    )
    context = {**context, "idea": idea, "actor": actor, "idea_url": absolute_url("exchange:idea", pk=idea.pk)}
    body = render_to_string(template, context)
    for member in team:
        email_queue(to=member.user.email, subject=subject, body_text=body, key=f"{key}.{member.pk}")


@transaction.atomic
def comment_add(*, idea: Idea, member: MemberProfile, body: str, parent: Comment | None = None, by) -> Comment:
    """A comment, or a reply to a top-level comment. Side effects: an audit entry,
    an email to the team (outbox, by preference)."""
    _require_member(member)
    _require_open(idea)
    if parent is not None:
        if parent.idea_id != idea.pk:
            raise PortalError(_("You can only reply to a comment on this idea."))
        if parent.parent_id is not None:
            parent = parent.parent  # one level of replies: a reply to a reply joins its thread
    if not body.strip():
        raise PortalError(_("Enter your comment."), field="body")
    comment = Comment(idea=idea, author=member, parent=parent, body=body)
    comment.full_clean()
    comment.save()
    audit_log(actor=by, action="exchange.comment_add", target=comment)
    _notify_team(
        idea=idea,
        actor=member,
        key=f"exchange.comment.{comment.pk}",
        subject=_("New comment on your idea “%(title)s”") % {"title": idea.title},
        template="exchange/emails/comment.txt",
        context={"comment": comment},
    )
    return comment


@transaction.atomic
def support_set(*, idea: Idea, member: MemberProfile, support: bool, by) -> bool:
    """Support an idea, or withdraw support. Idempotent (a unique row). Returns
    whether the member now supports it."""
    _require_member(member)
    _require_open(idea)
    if support:
        try:
            with transaction.atomic():
                Support.objects.create(idea=idea, member=member)
        except IntegrityError:
            return True
        audit_log(actor=by, action="exchange.support_add", target=idea)
        return True
    deleted, _rows = Support.objects.filter(idea=idea, member=member).delete()
    if deleted:
        audit_log(actor=by, action="exchange.support_withdraw", target=idea)
    return False


@transaction.atomic
def join_request(*, idea: Idea, member: MemberProfile, message: str, by) -> TeamMembership:
    """Ask to join the team. Side effects: an audit entry, an email to the team."""
    _require_member(member)
    _require_open(idea)
    membership = TeamMembership.objects.select_for_update().filter(idea=idea, member=member).first()
    if membership is not None and membership.status != JoinStatus.DECLINED:
        raise PortalError(_("You are already in this team or have asked to join it."))
    if membership is None:
        membership = TeamMembership(idea=idea, member=member)
    membership.status, membership.message, membership.created_at = JoinStatus.REQUESTED, message, timezone.now()
    membership.decided_at = None
    membership.full_clean(validate_unique=False)
    membership.save()
    audit_log(actor=by, action="exchange.join_request", target=idea)
    _notify_team(
        idea=idea,
        actor=member,
        key=f"exchange.join.{membership.pk}.{int(membership.created_at.timestamp())}",
        subject=_("%(name)s asks to join “%(title)s”") % {"name": member.full_name, "title": idea.title},
        template="exchange/emails/join_request.txt",
        context={"membership": membership},
    )
    return membership


@transaction.atomic
def join_decide(*, membership: TeamMembership, accept: bool, lead: MemberProfile, by) -> TeamMembership:
    """The lead accepts or declines a request to join. Side effects: an audit entry,
    an email to the member who asked."""
    membership = TeamMembership.objects.select_for_update().select_related("idea", "member__user").get(pk=membership.pk)
    idea = membership.idea
    if idea.lead_id != lead.pk:
        raise PortalError(_("Only the idea's lead can accept or decline team members."))
    if membership.status != JoinStatus.REQUESTED:
        raise PortalError(_("This request has already been answered."))
    _require_open(idea)
    membership.status = JoinStatus.ACCEPTED if accept else JoinStatus.DECLINED
    membership.decided_at = timezone.now()
    membership.save(update_fields=["status", "decided_at"])
    audit_log(actor=by, action="exchange.join_decide", target=idea, changes={"status": membership.status})
    email_queue(
        to=membership.member.user.email,
        subject=(_("You have joined “%(title)s”") if accept else _("Your request to join “%(title)s”"))
        % {"title": idea.title},
        body_text=render_to_string(
            "exchange/emails/join_decided.txt",
            {"idea": idea, "accepted": accept, "idea_url": absolute_url("exchange:idea", pk=idea.pk)},
        ),
        key=f"exchange.join_decided.{membership.pk}.{int(membership.decided_at.timestamp())}",
    )
    return membership


@transaction.atomic
def preference_set(*, member: MemberProfile, email: str, by) -> ExchangePreference:
    preference, _created = ExchangePreference.objects.update_or_create(member=member, defaults={"email": email})
    audit_log(actor=by, action="exchange.preference_set", target=preference, changes={"email": email})
    return preference


# --- Proposals -------------------------------------------------------------------------


@transaction.atomic
def proposal_start(*, idea: Idea, member: MemberProfile, by) -> Proposal:
    """The lead turns the idea into a proposal at the proposals stage, prefilled
    from the idea. One lead proposal per member per call (a constraint)."""
    idea = Idea.objects.select_for_update().select_related("call").get(pk=idea.pk)
    if idea.lead_id != member.pk:
        raise PortalError(_("Only the idea's lead can start its proposal."))
    _require_member(member)
    if idea.is_withdrawn:
        raise PortalError(_("This idea has been withdrawn."))
    _require_stage(idea.call, (Stage.PROPOSALS,), _("Proposals are not open in this call."))
    existing = Proposal.objects.filter(idea=idea).first()
    if existing is not None:
        return existing
    proposal = Proposal(idea=idea, call=idea.call, lead=member, title=idea.title, summary=idea.plan, budget=idea.budget)
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError:
        raise PortalError(
            _("You already lead a proposal in this call: a member leads one proposal per call.")
        ) from None
    first_answers = {0: f"{idea.problem}\n\n{idea.plan}"}
    ProposalAnswer.objects.bulk_create(
        ProposalAnswer(proposal=proposal, question=question, text=first_answers.get(index, ""), updated_by=member)
        for index, question in enumerate(idea.call.questions.all())
    )
    audit_log(actor=by, action="exchange.proposal_start", target=proposal)
    return proposal


def _require_draft(proposal: Proposal) -> None:
    if proposal.status != ProposalStatus.DRAFT:
        raise PortalError(_("This proposal has been submitted and can no longer be changed."))


@transaction.atomic
def proposal_save(*, proposal: Proposal, member: MemberProfile, values: dict, answers: dict[int, str], by) -> None:
    """A team member saves the proposal (a draft: answers may be unfinished).
    Refused after the deadline or once submitted."""
    proposal = Proposal.objects.select_for_update().select_related("idea", "call").get(pk=proposal.pk)
    _require_team(proposal.idea, member)
    _require_draft(proposal)
    if timezone.now() >= proposal.call.proposals_due_at:
        raise PortalError(_("The deadline for proposals has passed."))
    for field in ("title", "summary", "budget"):
        setattr(proposal, field, values[field])
    proposal.full_clean()
    proposal.save(update_fields=["title", "summary", "budget", "updated_at"])
    for answer in proposal.answers.filter(question_id__in=answers):
        if answer.text != answers[answer.question_id]:
            answer.text, answer.updated_by = answers[answer.question_id], member
            answer.save(update_fields=["text", "updated_by", "updated_at"])
    audit_log(actor=by, action="exchange.proposal_save", target=proposal)


def proposal_problems(proposal: Proposal) -> list[tuple[Question | None, str]]:
    """What stops the proposal being submitted: unanswered questions, answers over their limit."""
    problems = []
    if proposal.budget > proposal.call.largest_grant:
        problems.append((None, _("The budget is more than the call's largest grant.")))
    for answer in proposal.answers.select_related("question").order_by("question__position", "question__pk"):
        words = count_words(answer.text)
        if words == 0:
            problems.append((answer.question, _("Answer this question.")))
        elif words > answer.question.word_limit:
            problems.append(
                (
                    answer.question,
                    _("This answer is %(words)s words: the limit is %(limit)s.")
                    % {"words": words, "limit": answer.question.word_limit},
                )
            )
    return problems


@transaction.atomic
def proposal_submit(*, proposal: Proposal, member: MemberProfile, by, now: datetime | None = None) -> Proposal:
    """Only the lead submits, before the deadline (to the second, on the server);
    a late or incomplete proposal is refused and stays a draft. Side effects: an
    audit entry, an email to the team."""
    now = now or timezone.now()
    proposal = Proposal.objects.select_for_update().select_related("idea", "call").get(pk=proposal.pk)
    if proposal.lead_id != member.pk:
        raise PortalError(_("Only the lead can submit the proposal."))
    _require_draft(proposal)
    if now >= proposal.call.proposals_due_at:
        raise PortalError(_("The deadline for proposals has passed. Your draft is kept."))
    if proposal_problems(proposal):
        raise PortalError(_("Some answers need attention before you can submit."))
    proposal.status, proposal.submitted_at, proposal.submitted_by = ProposalStatus.SUBMITTED, now, by
    proposal.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    audit_log(actor=by, action="exchange.proposal_submit", target=proposal)
    team = MemberProfile.objects.filter(
        idea_memberships__idea=proposal.idea, idea_memberships__status=JoinStatus.ACCEPTED
    ).select_related("user")
    body = render_to_string(
        "exchange/emails/proposal_submitted.txt",
        {"proposal": proposal, "url": absolute_url("exchange:proposal", pk=proposal.pk)},
    )
    for person in team:
        email_queue(
            to=person.user.email,
            subject=_("Proposal submitted: %(title)s") % {"title": proposal.title},
            body_text=body,
            key=f"exchange.proposal_submitted.{proposal.pk}.{person.pk}",
        )
    return proposal


# --- The daily digest ----------------------------------------------------------------


def exchange_digest_send(*, day: date) -> int:
    """Email each member who chose the daily digest what happened on their ideas
    on `day` (UK time): comments by others and requests to join. One email per
    member per day (its key), so a second run sends nothing more. A fixed number
    of queries whatever the number of members. Returns the emails queued."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    comments = list(Comment.objects.filter(created_at__gte=start, created_at__lt=end).select_related("author", "idea"))
    requests = list(
        TeamMembership.objects.filter(
            status=JoinStatus.REQUESTED, created_at__gte=start, created_at__lt=end
        ).select_related("member", "idea")
    )
    idea_ids = {c.idea_id for c in comments} | {r.idea_id for r in requests}
    if not idea_ids:
        return 0
    teams = TeamMembership.objects.filter(
        idea_id__in=idea_ids,
        status=JoinStatus.ACCEPTED,
        member__status="active",
        member__exchange_preference__email=EmailPreference.DIGEST,
    ).select_related("member__user")
    news = defaultdict(lambda: {"member": None, "comments": [], "requests": []})
    for place in teams:
        entry = news[place.member_id]
        entry["member"] = place.member
        entry["comments"] += [c for c in comments if c.idea_id == place.idea_id and c.author_id != place.member_id]
        entry["requests"] += [r for r in requests if r.idea_id == place.idea_id]
    queued = 0
    for entry in news.values():
        if not entry["comments"] and not entry["requests"]:
            continue
        member = entry["member"]
        email_queue(
            to=member.user.email,
            subject=_("Your ideas on Q Exchange: what happened on %(day)s") % {"day": day.strftime("%-d %B %Y")},
            body_text=render_to_string(
                "exchange/emails/digest.txt",
                {**entry, "base_url": absolute_url("exchange:calls")},
            ),
            key=f"exchange.digest.{member.pk}.{day.isoformat()}",
        )
        queued += 1
    return queued

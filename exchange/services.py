"""Every change in the exchange: one function, one transaction, one audit entry;
emails through the outbox after commit. Each checks the call's stage (derived
from its dates) and the actor's right on the server."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.validators import count_words
from members.choices import MembershipStatus
from members.emails import absolute_url
from members.models import MemberProfile
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.outbox.services import email_queue
from scoring.assignment import ApplicationFacts, ReviewerFacts, plan_assignments
from scoring.totals import weighted_total

from .choices import (
    AssessmentStatus,
    AssessorStatus,
    EmailPreference,
    FeedbackStatus,
    IdeaStatus,
    JoinStatus,
    PanelConflictKind,
    ProposalStatus,
    Stage,
    TeamRole,
)
from .conflicts import find_panel_conflicts
from .models import (
    Assessment,
    Assessor,
    Call,
    Comment,
    Criterion,
    ExchangePreference,
    Idea,
    IdeaRevision,
    Panel,
    PanelAssignment,
    PanelConflict,
    Proposal,
    ProposalAnswer,
    ProposalFeedback,
    Question,
    Support,
    TeamMembership,
    Theme,
)
from .selectors import (
    PANEL_STATUSES,
    assignment_for_assessor,
    conflict_rules,
    panel_conflict_facts,
    panel_ranking,
    team_to_email,
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
    team = team_to_email(idea_id=idea.pk, preference=EmailPreference.EACH).exclude(pk=actor.pk)
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
        member__status=MembershipStatus.ACTIVE,
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


# --- Shortlisting by a member panel ----------------------------------------------------
# The pure algorithms are shared with selection and used as they are: conflicts
# are found by `exchange.conflicts` (the exchange's own rules), assignment
# planned by `scoring.assignment.plan_assignments`, totals by
# `scoring.totals.weighted_total`; the ranking, moderation and the line are
# read through `selectors.panel_ranking`.

# A member may put themselves forward until shortlisting ends.
VOLUNTEER_STAGES = (Stage.UPCOMING, Stage.IDEAS, Stage.REFINEMENT, Stage.PROPOSALS, Stage.SHORTLISTING)
PANEL_FIELDS = (
    "assessors_per_proposal",
    "capacity",
    "moderation_spread",
    "places",
    "conflict_same_organisation",
    "conflict_supported",
    "conflict_commented",
)


def _locked_panel(call: Call) -> Panel:
    Panel.objects.get_or_create(call=call)
    return Panel.objects.select_for_update().select_related("call").get(call=call)


def _require_not_announced(panel: Panel) -> None:
    if panel.announced_at is not None:
        raise PortalError(_("The teams have been told the shortlist, so it can no longer change."))


@transaction.atomic
def panel_save(*, call: Call, values: dict, criteria: list[str], by) -> Panel:
    """The panel's settings and the call's criteria (names in order, lettered a,
    b, c…). Criteria are fixed once an assessment exists. Side effect: an audit entry."""
    panel = _locked_panel(call)
    _require_not_announced(panel)
    if not criteria:
        raise PortalError(_("Enter at least one criterion."), field="criteria")
    for field in PANEL_FIELDS:
        setattr(panel, field, values[field])
    panel.full_clean()
    panel.save()
    current = [criterion.name for criterion in call.criteria.order_by("letter")]
    if current != criteria:
        if Assessment.objects.filter(assignment__proposal__call=call).exists():
            raise PortalError(
                _("Assessors have started scoring, so the criteria can no longer change."), field="criteria"
            )
        call.criteria.all().delete()
        Criterion.objects.bulk_create(
            Criterion(call=call, letter="abcdefghij"[index], name=name) for index, name in enumerate(criteria)
        )
    audit_log(actor=by, action="exchange.panel_save", target=call, changes={"criteria": criteria})
    return panel


@transaction.atomic
def assessor_volunteer(*, call: Call, member: MemberProfile, statement: str, by) -> Assessor:
    """A member puts themselves forward for the call's panel. Side effect: an audit entry."""
    _require_member(member)
    _require_stage(call, VOLUNTEER_STAGES, _("This call's shortlisting is over."))
    assessor = Assessor.objects.select_for_update().filter(call=call, member=member).first()
    if assessor is not None:
        raise PortalError(_("You have already put yourself forward for this panel."))
    assessor = Assessor(call=call, member=member, statement=statement)
    assessor.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            assessor.save()
    except IntegrityError:
        raise PortalError(_("You have already put yourself forward for this panel.")) from None
    audit_log(actor=by, action="exchange.assessor_volunteer", target=call)
    return assessor


@transaction.atomic
def assessor_decide(*, assessor: Assessor, recruit: bool, by) -> Assessor:
    """The programme team recruits a volunteer to the panel, or does not (also
    after recruiting them: their unscored proposals go back to be assigned).
    Side effects: an audit entry, an email to the member."""
    assessor = Assessor.objects.select_for_update().select_related("call", "member__user").get(pk=assessor.pk)
    _require_stage(assessor.call, VOLUNTEER_STAGES, _("This call's shortlisting is over."))
    status = AssessorStatus.RECRUITED if recruit else AssessorStatus.DECLINED
    if assessor.status == status:
        return assessor
    if not recruit:
        scored = Assessment.objects.filter(assignment__assessor=assessor, status=AssessmentStatus.SUBMITTED)
        if scored.exists():
            raise PortalError(_("This assessor has submitted assessments, so they stay on the panel."))
        PanelAssignment.objects.filter(assessor=assessor).delete()
    assessor.status, assessor.decided_at = status, timezone.now()
    assessor.save(update_fields=["status", "decided_at"])
    audit_log(
        actor=by,
        action="exchange.assessor_decide",
        target=assessor.call,
        changes={"assessor": assessor.pk, "status": status},
    )
    email_queue(
        to=assessor.member.user.email,
        subject=(
            _("You are on the shortlisting panel for “%(title)s”")
            if recruit
            else _("The shortlisting panel for “%(title)s”")
        )
        % {"title": assessor.call.title},
        body_text=render_to_string(
            "exchange/emails/assessor_decided.txt",
            {"call": assessor.call, "recruited": recruit, "panel_url": absolute_url("exchange:panel")},
        ),
        key=f"exchange.assessor.{assessor.pk}.{status}.{int(assessor.decided_at.timestamp())}",
    )
    return assessor


@dataclass
class PanelAssignmentResult:
    created: int
    conflicts_found: int
    removed_for_conflict: int
    unassignable: int


@transaction.atomic
def panel_assign(*, call: Call, by) -> PanelAssignmentResult:
    """Assign the call's submitted proposals to its recruited assessors, as
    selection assigns applications (`scoring.assignment.plan_assignments`: least
    loaded first, well mixed, never a conflicted pair, never above an assessor's
    capacity). A top-up: repeating it only fills gaps. Conflicts found now are
    recorded, and an unscored assignment that has become conflicted is removed.
    Side effect: an audit entry."""
    panel = _locked_panel(call)
    _require_not_announced(panel)
    _require_stage(call, (Stage.SHORTLISTING,), _("Proposals are assigned once they are due, during shortlisting."))
    proposals, assessors = panel_conflict_facts(call=call)
    conflicts = find_panel_conflicts(proposals, assessors, conflict_rules(panel))
    stored = set(PanelConflict.objects.filter(proposal__call=call).values_list("proposal_id", "assessor_id"))
    PanelConflict.objects.bulk_create(
        [
            PanelConflict(proposal_id=proposal_id, assessor_id=assessor_id, kind=kind)
            for (proposal_id, assessor_id), kind in conflicts.items()
            if (proposal_id, assessor_id) not in stored
        ],
        ignore_conflicts=True,
    )
    conflicted = stored | set(conflicts)
    removed = 0
    existing = []
    for pk, proposal_id, assessor_id, scored in PanelAssignment.objects.filter(proposal__call=call).values_list(
        "pk", "proposal_id", "assessor_id", "assessment__status"
    ):
        if (proposal_id, assessor_id) in conflicted and scored != AssessmentStatus.SUBMITTED:
            PanelAssignment.objects.filter(pk=pk).delete()
            removed += 1
        else:
            existing.append((proposal_id, assessor_id))
    reviewer_facts = [
        ReviewerFacts(id=assessor.id, organisation_id=assessor.organisation_id, capacity=panel.capacity)
        for assessor in assessors
    ]
    plan = plan_assignments(
        applications=[ApplicationFacts(id=proposal.id, applicant_id=0) for proposal in proposals],
        reviewers=reviewer_facts,
        existing=existing,
        conflicts=conflicted,
        per_application=panel.assessors_per_proposal,
        seed=call.pk,
    )
    PanelAssignment.objects.bulk_create(
        PanelAssignment(proposal_id=proposal_id, assessor_id=assessor_id) for proposal_id, assessor_id in plan.new
    )
    result = PanelAssignmentResult(
        created=len(plan.new),
        conflicts_found=len(set(conflicts) - stored),
        removed_for_conflict=removed,
        unassignable=len(plan.unassignable),
    )
    audit_log(actor=by, action="exchange.panel_assign", target=call, changes=vars(result))
    return result


@transaction.atomic
def assessment_save(
    *, assignment: PanelAssignment, member: MemberProfile, scores: dict, note: str, submit: bool, by
) -> Assessment:
    """The assessor's scores (1 to 4 per criterion) and note, as a draft or
    submitted; a submitted one may be changed until the teams are told.
    Refused to anyone but the assignment's assessor, to a conflicted one, and
    outside shortlisting. Side effect: an audit entry."""
    assignment = assignment_for_assessor(assignment_pk=assignment.pk, member=member)
    if assignment is None:
        raise PortalError(_("This proposal is not yours to assess."))
    call = assignment.proposal.call
    _require_not_announced(_locked_panel(call))
    _require_stage(call, (Stage.SHORTLISTING,), _("Proposals are assessed during shortlisting."))
    criteria = list(call.criteria.all())
    cleaned = {}
    for criterion in criteria:
        value = scores.get(criterion.letter)
        if value in (None, ""):
            if submit:
                raise PortalError(_("Score every criterion before you submit."), field=f"score_{criterion.letter}")
            continue
        if int(value) not in (1, 2, 3, 4):
            raise PortalError(_("Choose a score from 1 to 4."), field=f"score_{criterion.letter}")
        cleaned[criterion.letter] = int(value)
    assessment, _created = Assessment.objects.select_for_update().get_or_create(assignment=assignment)
    assessment.scores, assessment.note = cleaned, note
    if submit:
        weights = {criterion.letter: criterion.weight for criterion in criteria}
        assessment.weighted_total = weighted_total(cleaned, weights)
        assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, timezone.now()
    elif assessment.status == AssessmentStatus.DRAFT:
        assessment.weighted_total = None
    else:
        raise PortalError(_("This assessment is submitted: submit your changes to keep them."))
    assessment.full_clean()
    assessment.save()
    audit_log(
        actor=by,
        action="exchange.assessment_submit" if submit else "exchange.assessment_save",
        target=assignment.proposal,
        changes={"assessor": assignment.assessor_id, "scores": cleaned},
    )
    return assessment


@transaction.atomic
def panel_conflict_declare(*, assignment: PanelAssignment, member: MemberProfile, by) -> None:
    """The assessor declares a conflict of interest: the assignment (and any
    draft) goes at once, and the next assignment run gives the proposal to
    someone else. Side effect: an audit entry."""
    assignment = assignment_for_assessor(assignment_pk=assignment.pk, member=member)
    if assignment is None:
        raise PortalError(_("This proposal is not yours to assess."))
    _require_not_announced(_locked_panel(assignment.proposal.call))
    PanelConflict.objects.get_or_create(
        proposal_id=assignment.proposal_id,
        assessor_id=assignment.assessor_id,
        defaults={"kind": PanelConflictKind.DECLARED},
    )
    audit_log(actor=by, action="exchange.panel_conflict_declare", target=assignment.proposal)
    assignment.delete()


@transaction.atomic
def panel_moderation_request(*, proposal: Proposal, by) -> PanelAssignment:
    """Ask one more assessor to assess a proposal its assessors disagree on,
    chosen as assignment would (no conflict, capacity left, least loaded).
    Refused, changing nothing, when nobody can. Side effect: an audit entry."""
    proposal = Proposal.objects.select_related("call").get(pk=proposal.pk)
    panel = _locked_panel(proposal.call)
    _require_not_announced(panel)
    _require_stage(proposal.call, (Stage.SHORTLISTING,), _("Moderation happens during shortlisting."))
    if proposal.status not in PANEL_STATUSES:
        raise PortalError(_("Only submitted proposals are assessed."))
    facts, assessors = panel_conflict_facts(call=proposal.call, proposal_ids=[proposal.pk])
    conflicts = set(find_panel_conflicts(facts, assessors, conflict_rules(panel)))
    conflicts |= set(PanelConflict.objects.filter(proposal=proposal).values_list("proposal_id", "assessor_id"))
    existing = list(PanelAssignment.objects.filter(proposal=proposal).values_list("proposal_id", "assessor_id"))
    loads = dict(
        PanelAssignment.objects.filter(proposal__call=proposal.call)
        .values_list("assessor_id")
        .annotate(count=Count("pk"))
        .values_list("assessor_id", "count")
    )
    plan = plan_assignments(
        applications=[ApplicationFacts(id=proposal.pk, applicant_id=0)],
        reviewers=[
            ReviewerFacts(id=assessor.id, organisation_id=assessor.organisation_id, capacity=panel.capacity)
            for assessor in assessors
        ],
        existing=existing,
        conflicts=conflicts,
        per_application=len(existing) + 1,
        loads=loads,
    )
    if not plan.new:
        raise PortalError(
            _("No other assessor without a conflict of interest has capacity left: raise the panel's capacity.")
        )
    _proposal_id, assessor_id = plan.new[0]
    assignment = PanelAssignment.objects.create(proposal=proposal, assessor_id=assessor_id, is_moderation=True)
    audit_log(actor=by, action="exchange.panel_moderation_request", target=proposal, changes={"assessor": assessor_id})
    return assignment


@transaction.atomic
def shortlist_mark(*, call: Call, shortlisted: set[int], by) -> int:
    """Mark the shortlist: each proposal the panel scored becomes shortlisted or
    not shortlisted, with its place in the panel's ranking (`panel_rank`, 1 =
    the panel's first, by the bias-corrected estimate). Can be marked again
    until the teams are told. Side effect: an audit entry per changed proposal.
    Returns how many changed."""
    panel = _locked_panel(call)
    _require_not_announced(panel)
    _require_stage(call, (Stage.SHORTLISTING,), _("The shortlist is marked during shortlisting."))
    ranking = panel_ranking(call=call)
    scored = {row.proposal.pk: position for position, row in enumerate(ranking.ranked, 1)}
    if not scored:
        raise PortalError(_("The panel has not scored any proposal yet."))
    unknown = set(shortlisted) - set(scored)
    if unknown:
        raise PortalError(_("Only proposals the panel has scored can be shortlisted."), field="shortlisted")
    changed = []
    for proposal in Proposal.objects.select_for_update().filter(call=call, status__in=PANEL_STATUSES):
        status = ProposalStatus.SHORTLISTED if proposal.pk in shortlisted else ProposalStatus.NOT_SHORTLISTED
        rank = scored.get(proposal.pk)
        if proposal.pk not in scored:
            status = ProposalStatus.NOT_SHORTLISTED
        if (proposal.status, proposal.panel_rank) == (status, rank):
            continue
        proposal.status, proposal.panel_rank = status, rank
        changed.append(proposal)
        audit_log(
            actor=by, action="exchange.shortlist_mark", target=proposal, changes={"status": status, "panel_rank": rank}
        )
    Proposal.objects.bulk_update(changed, ["status", "panel_rank"])
    return len(changed)


@transaction.atomic
def feedback_save(*, proposal: Proposal, text: str, approve: bool, by) -> ProposalFeedback:
    """Feedback to a team not shortlisted. A changed text goes back to draft
    unless approved as written; sent feedback never changes. Side effect: an
    audit entry."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.NOT_SHORTLISTED:
        raise PortalError(_("Feedback is written for proposals not shortlisted."))
    text = text.strip()
    if not text:
        raise PortalError(_("Enter the feedback to the team."), field="text")
    feedback = ProposalFeedback.objects.select_for_update().filter(proposal=proposal).first()
    if feedback is not None and feedback.status == FeedbackStatus.SENT:
        raise PortalError(_("This feedback has been sent, so it can no longer change."))
    feedback = feedback or ProposalFeedback(proposal=proposal, written_by=by)
    if feedback.text != text:
        feedback.text, feedback.written_by, feedback.status = text, by, FeedbackStatus.DRAFT
    if approve:
        feedback.status, feedback.approved_by, feedback.approved_at = FeedbackStatus.APPROVED, by, timezone.now()
    feedback.full_clean()
    feedback.save()
    audit_log(actor=by, action="exchange.feedback_save", target=proposal, changes={"status": feedback.status})
    return feedback


def _team_of(proposal: Proposal):
    return MemberProfile.objects.filter(
        idea_memberships__idea_id=proposal.idea_id,
        idea_memberships__status=JoinStatus.ACCEPTED,
        status=MembershipStatus.ACTIVE,
    ).select_related("user")


@dataclass
class Announcement:
    shortlisted: int
    feedback_sent: int


def _refuse_unless_feedback_approved(proposals: list[Proposal], feedback: dict[int, ProposalFeedback]) -> None:
    waiting = [
        proposal
        for proposal in proposals
        if proposal.status == ProposalStatus.NOT_SHORTLISTED
        and (proposal.pk not in feedback or feedback[proposal.pk].status == FeedbackStatus.DRAFT)
    ]
    if waiting:
        raise PortalError(
            _("Approve the feedback to every team not shortlisted first: %(count)s still waiting.")
            % {"count": len(waiting)}
        )


@transaction.atomic
def shortlist_announce(*, call: Call, by) -> Announcement:
    """Tell the teams: each shortlisted team is emailed that it goes to the
    member vote; each team not shortlisted gets its approved feedback. Refused
    while a proposal is unmarked or a team's feedback is not approved. Each
    email has its own key and sent feedback is marked sent, so telling the
    teams again sends nothing twice. Side effects: emails (outbox), the
    shortlist fixed, an audit entry."""
    panel = _locked_panel(call)
    proposals = list(
        Proposal.objects.select_for_update()
        .filter(call=call, status__in=PANEL_STATUSES)
        .select_related("idea")
        .order_by("panel_rank", "pk")
    )
    if not proposals or any(proposal.status == ProposalStatus.SUBMITTED for proposal in proposals):
        raise PortalError(_("Mark the shortlist first: every proposal is shortlisted or not."))
    feedback = {
        row.proposal_id: row for row in ProposalFeedback.objects.select_for_update().filter(proposal__call=call)
    }
    _refuse_unless_feedback_approved(proposals, feedback)
    told = sent = 0
    now = timezone.now()
    for proposal in proposals:
        url = absolute_url("exchange:proposal", pk=proposal.pk)
        if proposal.status == ProposalStatus.SHORTLISTED:
            subject = _("Shortlisted for the member vote: %(title)s") % {"title": proposal.title}
            body = render_to_string("exchange/emails/shortlisted.txt", {"proposal": proposal, "call": call, "url": url})
            key = "exchange.shortlisted"
            told += 1
        else:
            row = feedback[proposal.pk]
            if row.status == FeedbackStatus.SENT:
                continue
            subject = _("Your proposal “%(title)s”: the panel's feedback") % {"title": proposal.title}
            body = render_to_string(
                "exchange/emails/feedback.txt", {"proposal": proposal, "call": call, "feedback": row, "url": url}
            )
            key = "exchange.feedback"
            row.status, row.sent_at = FeedbackStatus.SENT, now
            row.save(update_fields=["status", "sent_at", "updated_at"])
            sent += 1
        for person in _team_of(proposal):
            email_queue(to=person.user.email, subject=subject, body_text=body, key=f"{key}.{proposal.pk}.{person.pk}")
    if panel.announced_at is None:
        panel.announced_at = now
        panel.save(update_fields=["announced_at"])
    audit_log(
        actor=by, action="exchange.shortlist_announce", target=call, changes={"shortlisted": told, "feedback": sent}
    )
    return Announcement(shortlisted=told, feedback_sent=sent)

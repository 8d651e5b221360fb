"""The exchange, `/exchange/`: calls, ideas in the open, teams and proposals for
members; calls and their questions for the programme team. Views are thin: a
permission check, a form, one service call."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from q_portal.exceptions import PortalError
from q_portal.roles import ProgrammeTeamMixin, is_programme_team
from q_portal.views import ServiceActionView, ServiceConfirmView, ServiceFormView

from . import selectors, services
from .choices import AssessmentStatus, EmailPreference, JoinStatus, ProposalStatus, Stage, TeamRole
from .forms import (
    AssessmentForm,
    CallForm,
    CommentForm,
    FeedbackForm,
    IdeaFilterForm,
    IdeaForm,
    JoinForm,
    PanelForm,
    PreferenceForm,
    ProposalForm,
    ProposalSubmitForm,
    QuestionForm,
    ShortlistFilterForm,
    ShortlistForm,
    VolunteerForm,
)
from .mixins import MemberMixin, SignedInMixin
from .models import (
    Assessment,
    Assessor,
    Call,
    Comment,
    ExchangePreference,
    Proposal,
    ProposalFeedback,
    Question,
    TeamMembership,
)
from .permissions import (
    can_see_as_programme_team,
    get_idea_or_404,
    get_proposal_for_user_or_404,
    is_lead,
    is_on_team,
    team_role,
)

# --- Reading ----------------------------------------------------------------------


class CallListView(SignedInMixin, ListView):
    template_name = "exchange/calls.html"
    context_object_name = "calls"
    paginate_by = 20

    def get_queryset(self):
        return selectors.calls_list()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            manages_calls=is_programme_team(self.request.user), takes_part=self.member is not None, **kwargs
        )


class CallView(SignedInMixin, ListView):
    """The call, its live counts and its ideas (filtered, searched, sorted, paginated)."""

    template_name = "exchange/call.html"
    context_object_name = "ideas"
    paginate_by = 20

    @cached_property
    def call(self):
        return get_object_or_404(Call, pk=self.kwargs["pk"])

    @cached_property
    def form(self):
        return IdeaFilterForm(self.request.GET or None, call=self.call)

    def get_queryset(self):
        criteria = {}
        if self.form.is_bound:
            self.form.is_valid()
            criteria = self.form.cleaned_data
        filters = selectors.IdeaFilters(
            theme=criteria.get("theme"),
            region=criteria.get("region"),
            stage=criteria.get("stage", ""),
            skill=criteria.get("skill", ""),
            query=criteria.get("q", ""),
            sort=criteria.get("sort", ""),
        )
        return selectors.call_ideas(call=self.call, filters=filters, member=self.member)

    def paginate_queryset(self, queryset, page_size):
        # The page is chosen by id (only the sort key is computed for the ideas
        # before it), then its ideas are read with their figures.
        paginator, page, ids, is_paginated = super().paginate_queryset(queryset.values_list("pk", flat=True), page_size)
        page.object_list = selectors.ideas_page(queryset, list(ids))
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        searched = any(value for key, value in self.request.GET.items() if key != "page")
        return super().get_context_data(
            call=self.call,
            stage=self.call.stage,
            counts=selectors.call_counts(call=self.call),
            themes=list(self.call.themes.all()),
            form=self.form,
            searched=searched,
            can_post=self.member is not None and self.call.stage == Stage.IDEAS,
            can_vote=self.member is not None,
            can_volunteer=self.member is not None and self.call.stage in services.VOLUNTEER_STAGES,
            query_string=_without_page(self.request.GET),
            **kwargs,
        )


def _without_page(params) -> str:
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()


class IdeaView(SignedInMixin, TemplateView):
    template_name = "exchange/idea.html"

    def get_context_data(self, **kwargs):
        idea = selectors.idea_page(pk=self.kwargs["pk"])
        if idea is None:
            raise Http404
        user = self.request.user
        role = team_role(user, idea) if self.member is not None else None
        stage = idea.call.stage
        open_for_action = not idea.is_withdrawn and stage in services.OPEN_STAGES
        membership = None
        if self.member is not None:
            membership = TeamMembership.objects.filter(idea=idea, member=self.member).first()
        return super().get_context_data(
            idea=idea,
            stage=stage,
            role=role,
            on_team=role is not None,
            is_lead=role == TeamRole.LEAD,
            membership=membership,
            sees_private_budget=role is not None or can_see_as_programme_team(user),
            comments=selectors.idea_comments(idea=idea),
            team=selectors.idea_team(idea=idea),
            revisions=selectors.idea_revisions(idea=idea)[:5],
            supported=self.member is not None and idea.supports.filter(member=self.member).exists(),
            can_act=self.member is not None and open_for_action,
            comment_form=CommentForm(),
            join_form=JoinForm(),
            proposal=getattr(idea, "proposal", None) if role else None,
            proposals_open=stage == Stage.PROPOSALS,
            **kwargs,
        )


class IdeaHistoryView(SignedInMixin, TemplateView):
    template_name = "exchange/idea_history.html"

    def get_context_data(self, **kwargs):
        idea = get_idea_or_404(self.kwargs["pk"])
        revisions = selectors.idea_revisions(idea=idea)
        return super().get_context_data(idea=idea, revisions=revisions, **kwargs)


# --- Taking part (active members) ----------------------------------------------------


class IdeaCreateView(MemberMixin, ServiceFormView):
    template_name = "exchange/idea_form.html"
    form_class = IdeaForm

    @cached_property
    def call(self):
        return get_object_or_404(Call, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "call": self.call}

    def get_context_data(self, **kwargs):
        return super().get_context_data(call=self.call, creating=True, open=self.call.stage == Stage.IDEAS, **kwargs)

    success_message = gettext_lazy("Your idea is posted. Members can now comment, support it and ask to join.")

    def call_service(self, form):
        return services.idea_create(call=self.call, member=self.member, values=form.cleaned_data, by=self.request.user)

    def get_success_url(self):
        return self.outcome.get_absolute_url()


class IdeaEditView(MemberMixin, ServiceFormView):
    """Team members edit the idea; each save is a revision in its history."""

    template_name = "exchange/idea_form.html"
    form_class = IdeaForm

    @cached_property
    def idea(self):
        idea = get_idea_or_404(self.kwargs["pk"])
        if not is_on_team(self.request.user, idea):
            raise PermissionDenied
        return idea

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "call": self.idea.call}

    def get_initial(self):
        return {field: getattr(self.idea, field) for field in services.IDEA_FIELDS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(call=self.idea.call, idea=self.idea, creating=False, open=True, **kwargs)

    def call_service(self, form):
        return services.idea_update(idea=self.idea, member=self.member, values=form.cleaned_data, by=self.request.user)

    def get_success_message(self):
        return _("Your changes are saved.") if self.outcome else _("Nothing was changed.")

    def get_success_url(self):
        return self.idea.get_absolute_url()


class IdeaWithdrawView(MemberMixin, ServiceConfirmView):
    template_name = "exchange/idea_withdraw.html"
    success_message = gettext_lazy("Your idea is withdrawn. It stays readable, marked as withdrawn.")

    @cached_property
    def idea(self):
        idea = get_idea_or_404(self.kwargs["pk"])
        if not is_lead(self.request.user, idea):
            raise PermissionDenied
        return idea

    def get_context_data(self, **kwargs):
        return super().get_context_data(idea=self.idea, **kwargs)

    def call_service(self):
        return services.idea_withdraw(idea=self.idea, member=self.member, by=self.request.user)

    def get_success_url(self):
        return self.idea.get_absolute_url()


class CommentView(MemberMixin, ServiceFormView):
    """Posted from the idea's page; a comment that cannot be posted is shown again
    on a page of its own with the errors, so nothing typed is lost."""

    template_name = "exchange/comment_form.html"
    form_class = CommentForm
    success_message = gettext_lazy("Your comment is posted.")

    @cached_property
    def idea(self):
        return get_idea_or_404(self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(idea=self.idea, **kwargs)

    def call_service(self, form):
        parent = None
        if form.cleaned_data.get("parent"):
            parent = Comment.objects.filter(pk=form.cleaned_data["parent"], idea=self.idea).first()
            if parent is None:
                raise PortalError(_("The comment you replied to is no longer there."))
        return services.comment_add(
            idea=self.idea, member=self.member, body=form.cleaned_data["body"], parent=parent, by=self.request.user
        )

    def get_success_url(self):
        return f"{self.idea.get_absolute_url()}#comment-{self.outcome.pk}"


class SupportView(MemberMixin, ServiceActionView):
    @cached_property
    def idea(self):
        return get_idea_or_404(self.kwargs["pk"])

    def call_service(self):
        want = self.request.POST.get("support") != "withdraw"
        return services.support_set(idea=self.idea, member=self.member, support=want, by=self.request.user)

    def get_success_message(self):
        return _("You support this idea.") if self.outcome else _("You no longer support this idea.")

    def get_success_url(self):
        return self.idea.get_absolute_url()


class JoinView(MemberMixin, ServiceFormView):
    template_name = "exchange/join.html"
    form_class = JoinForm

    @cached_property
    def idea(self):
        return get_idea_or_404(self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(idea=self.idea, **kwargs)

    success_message = gettext_lazy("You have asked to join. The lead will accept or decline.")

    def call_service(self, form):
        return services.join_request(
            idea=self.idea, member=self.member, message=form.cleaned_data["message"], by=self.request.user
        )

    def get_success_url(self):
        return self.idea.get_absolute_url()


class _DecideView(ServiceActionView):
    """A yes-or-no button: `decision` is one of `choices` (yes first), or the
    person is asked to choose and sent back."""

    choices: tuple[str, str]
    choose_message = ""

    @property
    def yes(self) -> bool:
        return self.request.POST.get("decision") == self.choices[0]

    def post(self, request, *args, **kwargs):
        back = self.get_success_url()
        if request.POST.get("decision") not in self.choices:
            messages.error(request, self.choose_message)
            return redirect(back)
        return super().post(request, *args, **kwargs)


class JoinDecideView(MemberMixin, _DecideView):
    choices = ("accept", "decline")
    choose_message = gettext_lazy("Choose to accept or decline.")

    @cached_property
    def membership(self):
        membership = get_object_or_404(TeamMembership.objects.select_related("idea"), pk=self.kwargs["pk"])
        if not is_lead(self.request.user, membership.idea):
            raise Http404
        return membership

    def call_service(self):
        return services.join_decide(membership=self.membership, accept=self.yes, lead=self.member, by=self.request.user)

    def get_success_message(self):
        name = {"name": self.membership.member.full_name}
        return _("%(name)s is in the team.") % name if self.yes else _("You declined %(name)s's request.") % name

    def get_success_url(self):
        return reverse("exchange:team", kwargs={"pk": self.membership.idea_id})


class TeamView(SignedInMixin, TemplateView):
    """The team's page: engagement figures, the team and the requests to join."""

    template_name = "exchange/team.html"

    def get_context_data(self, **kwargs):
        idea = selectors.idea_page(pk=self.kwargs["pk"])
        if idea is None:
            raise Http404
        user = self.request.user
        if not (is_on_team(user, idea) or can_see_as_programme_team(user)):
            raise PermissionDenied
        memberships = list(
            TeamMembership.objects.filter(idea=idea)
            .select_related("member", "member__region", "member__organisation")
            .order_by("role", "created_at", "pk")
        )
        return super().get_context_data(
            idea=idea,
            is_lead=is_lead(user, idea),
            team=[m for m in memberships if m.status == JoinStatus.ACCEPTED],
            requests=[m for m in memberships if m.status == JoinStatus.REQUESTED],
            **kwargs,
        )


class PreferenceView(MemberMixin, ServiceFormView):
    template_name = "exchange/preferences.html"
    form_class = PreferenceForm
    success_message = gettext_lazy("Your email preference is saved.")
    success_url = "exchange:preferences"

    def get_initial(self):
        preference = ExchangePreference.objects.filter(member=self.member).first()
        return {"email": preference.email if preference else EmailPreference.EACH}

    def call_service(self, form):
        return services.preference_set(member=self.member, email=form.cleaned_data["email"], by=self.request.user)


# --- Proposals ------------------------------------------------------------------------


class ProposalStartView(MemberMixin, ServiceActionView):
    @cached_property
    def idea(self):
        idea = get_idea_or_404(self.kwargs["pk"])
        if not is_lead(self.request.user, idea):
            raise PermissionDenied
        return idea

    def call_service(self):
        return services.proposal_start(idea=self.idea, member=self.member, by=self.request.user)

    def get_success_url(self):
        return self.outcome.get_absolute_url()

    def get_error_url(self):
        return self.idea.get_absolute_url()


class _ProposalMixin:
    @cached_property
    def proposal(self):
        return get_proposal_for_user_or_404(self.request.user, self.kwargs["pk"])

    @cached_property
    def questions(self):
        return list(self.proposal.call.questions.all())


class ProposalView(_ProposalMixin, SignedInMixin, ServiceFormView):
    """The team completes the proposal together: save and return, word counts."""

    template_name = "exchange/proposal.html"
    form_class = ProposalForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "questions": self.questions}

    def get_initial(self):
        answers = {answer.question_id: answer.text for answer in self.proposal.answers.all()}
        initial = {"title": self.proposal.title, "summary": self.proposal.summary, "budget": self.proposal.budget}
        initial.update({f"answer_{question.pk}": answers.get(question.pk, "") for question in self.questions})
        return initial

    def get_context_data(self, **kwargs):
        proposal = self.proposal
        return super().get_context_data(
            proposal=proposal,
            editable=proposal.status == ProposalStatus.DRAFT
            and self.member is not None
            and is_on_team(self.request.user, proposal.idea),
            due=proposal.call.proposals_due_at,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if self.member is None or not is_on_team(request.user, self.proposal.idea):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    success_message = gettext_lazy("Your proposal is saved. You can come back to it at any time.")

    def call_service(self, form):
        return services.proposal_save(
            proposal=self.proposal,
            member=self.member,
            values=form.cleaned_data,
            answers=form.answers(),
            by=self.request.user,
        )

    def get_success_url(self):
        if "check" in self.request.POST:
            return reverse("exchange:proposal_check", kwargs={"pk": self.proposal.pk})
        return self.proposal.get_absolute_url()


class ProposalCheckView(_ProposalMixin, SignedInMixin, ServiceFormView):
    """Check your answers; only the lead submits, before the deadline."""

    template_name = "exchange/proposal_check.html"
    form_class = ProposalSubmitForm

    def get_context_data(self, **kwargs):
        proposal = self.proposal
        answers = {answer.question_id: answer for answer in proposal.answers.all()}
        return super().get_context_data(
            proposal=proposal,
            rows=[(question, answers.get(question.pk)) for question in self.questions],
            problems=services.proposal_problems(proposal),
            is_lead=self.member is not None and proposal.lead_id == self.member.pk,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if self.member is None or self.proposal.lead_id != self.member.pk:
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    success_message = gettext_lazy("Your proposal is submitted. The team has been emailed.")

    def call_service(self, form):
        return services.proposal_submit(proposal=self.proposal, member=self.member, by=self.request.user)

    def get_success_url(self):
        return self.proposal.get_absolute_url()


# --- The programme team ------------------------------------------------------------------


class ProgrammeCallListView(ProgrammeTeamMixin, ListView):
    template_name = "exchange/programme/calls.html"
    context_object_name = "calls"
    paginate_by = 25

    def get_queryset(self):
        return selectors.calls_list()


class CallEditView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "exchange/programme/call_form.html"
    form_class = CallForm

    @cached_property
    def call(self):
        return get_object_or_404(Call, pk=self.kwargs["pk"]) if "pk" in self.kwargs else None

    def get_initial(self):
        if self.call is None:
            return {}
        initial = {field: getattr(self.call, field) for field in services.CALL_FIELDS}
        initial["themes"] = "\n".join(theme.name for theme in self.call.themes.all())
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(call=self.call, **kwargs)

    success_message = gettext_lazy("The call is saved.")

    def call_service(self, form):
        values = form.cleaned_data
        return services.call_save(call=self.call, values=values, themes=values["themes"], by=self.request.user)

    def get_success_url(self):
        return reverse("exchange:programme_questions", kwargs={"pk": self.outcome.pk})


class QuestionsView(ProgrammeTeamMixin, ServiceFormView):
    """The call's proposal form: its questions, and one to add."""

    template_name = "exchange/programme/questions.html"
    form_class = QuestionForm

    @cached_property
    def call(self):
        return get_object_or_404(Call, pk=self.kwargs["pk"])

    def get_initial(self):
        return {"position": self.call.questions.count() + 1}

    def get_context_data(self, **kwargs):
        return super().get_context_data(call=self.call, questions=self.call.questions.all(), **kwargs)

    success_message = gettext_lazy("The question is added.")

    def call_service(self, form):
        return services.question_save(call=self.call, question=None, values=form.cleaned_data, by=self.request.user)

    def get_success_url(self):
        return reverse("exchange:programme_questions", kwargs={"pk": self.call.pk})


class QuestionEditView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "exchange/programme/question_form.html"
    form_class = QuestionForm

    @cached_property
    def question(self):
        return get_object_or_404(Question.objects.select_related("call"), pk=self.kwargs["pk"])

    def get_initial(self):
        return {field: getattr(self.question, field) for field in ("text", "hint", "word_limit", "position")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(question=self.question, call=self.question.call, **kwargs)

    success_message = gettext_lazy("The question is saved.")
    buttons = {"delete": "delete_question"}

    def delete_question(self):
        services.question_delete(question=self.question, by=self.request.user)
        return _("The question is removed.")

    def call_service(self, form):
        return services.question_save(
            call=self.question.call, question=self.question, values=form.cleaned_data, by=self.request.user
        )

    def get_success_url(self):
        return reverse("exchange:programme_questions", kwargs={"pk": self.question.call_id})


# --- Shortlisting by a member panel ------------------------------------------------------


class VolunteerView(MemberMixin, ServiceFormView):
    """A member puts themselves forward as a volunteer assessor for the call."""

    template_name = "exchange/volunteer.html"
    form_class = VolunteerForm

    @cached_property
    def call(self):
        return get_object_or_404(Call, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        place = Assessor.objects.filter(call=self.call, member=self.member).first()
        return super().get_context_data(
            call=self.call, place=place, open=self.call.stage in services.VOLUNTEER_STAGES, **kwargs
        )

    success_message = gettext_lazy("Thank you: the programme team will tell you if you are on the panel.")
    success_url = "exchange:panel"

    def call_service(self, form):
        return services.assessor_volunteer(
            call=self.call, member=self.member, statement=form.cleaned_data["statement"], by=self.request.user
        )


class PanelQueueView(MemberMixin, ListView):
    """The member's panel work: the calls they put themselves forward for, and
    the proposals they are to assess (never one they are conflicted on)."""

    template_name = "exchange/panel.html"
    context_object_name = "assignments"
    paginate_by = 50

    def get_queryset(self):
        return selectors.assessor_queue(member=self.member)

    def get_context_data(self, **kwargs):
        return super().get_context_data(places=selectors.panel_places_of(member=self.member)[:20], **kwargs)


class AssessmentView(MemberMixin, ServiceFormView):
    """Score a proposal blind: its text and its idea's engagement, not who wrote
    it, and not what the other assessors gave."""

    template_name = "exchange/assessment.html"
    form_class = AssessmentForm

    @cached_property
    def assignment(self):
        assignment = selectors.assignment_for_assessor(assignment_pk=self.kwargs["pk"], member=self.member)
        if assignment is None:
            raise Http404
        return assignment

    @cached_property
    def criteria(self):
        return list(self.assignment.proposal.call.criteria.all())

    @cached_property
    def assessment(self):
        return Assessment.objects.filter(assignment=self.assignment).first()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "criteria": self.criteria}

    def get_initial(self):
        if self.assessment is None:
            return {}
        initial = {f"score_{letter}": score for letter, score in self.assessment.scores.items()}
        return {**initial, "note": self.assessment.note}

    def get_context_data(self, **kwargs):
        proposal = self.assignment.proposal
        return super().get_context_data(
            assignment=self.assignment,
            proposal=proposal,
            assessment=self.assessment,
            answers=proposal.answers.select_related("question").order_by("question__position", "question__pk"),
            engagement=selectors.idea_page(pk=proposal.idea_id),
            open=proposal.call.stage == Stage.SHORTLISTING,
            **kwargs,
        )

    @property
    def button(self) -> str:
        """What was pressed: "conflict" (declare a conflict of interest), "submit", or saving a draft."""
        return next((name for name in ("conflict", "submit") if name in self.request.POST), "draft")

    def call_service(self, form):
        if self.button == "conflict":
            return services.panel_conflict_declare(assignment=self.assignment, member=self.member, by=self.request.user)
        return services.assessment_save(
            assignment=self.assignment,
            member=self.member,
            scores=form.scores(),
            note=form.cleaned_data["note"],
            submit=self.button == "submit",
            by=self.request.user,
        )

    def get_success_message(self):
        return {
            "conflict": _("Your conflict of interest is recorded: the proposal goes to someone else."),
            "submit": _("Your assessment is submitted."),
            "draft": _("Your scores are saved as a draft."),
        }[self.button]

    def get_success_url(self):
        if self.button == "draft":
            return reverse("exchange:assessment", kwargs={"pk": self.assignment.pk})
        return reverse("exchange:panel")


class ProgrammePanelView(ProgrammeTeamMixin, ServiceFormView):
    """The call's panel: its settings and criteria, its volunteers and
    assessors (recruit or not), and assigning the proposals."""

    template_name = "exchange/programme/panel.html"
    form_class = PanelForm

    @cached_property
    def call(self):
        return get_object_or_404(Call, pk=self.kwargs["pk"])

    def get_initial(self):
        panel = selectors.panel_of(call=self.call)
        initial = {field: getattr(panel, field) for field in services.PANEL_FIELDS}
        initial["criteria"] = "\n".join(criterion.name for criterion in self.call.criteria.all())
        return initial

    def get_context_data(self, **kwargs):
        assessors = selectors.panel_assessors(call=self.call)
        page = Paginator(assessors, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            call=self.call,
            page_obj=page,
            assessors=page.object_list,
            is_paginated=page.has_other_pages(),
            shortlisting=self.call.stage == Stage.SHORTLISTING,
            **kwargs,
        )

    success_message = gettext_lazy("The panel's settings are saved.")

    def call_service(self, form):
        values = form.cleaned_data
        return services.panel_save(call=self.call, values=values, criteria=values["criteria"], by=self.request.user)

    def get_success_url(self):
        return reverse("exchange:programme_panel", kwargs={"pk": self.call.pk})


class AssessorDecideView(ProgrammeTeamMixin, _DecideView):
    choices = ("recruit", "decline")
    choose_message = gettext_lazy("Choose to recruit or not.")

    @cached_property
    def assessor(self):
        return get_object_or_404(Assessor.objects.select_related("member"), pk=self.kwargs["pk"])

    def call_service(self):
        return services.assessor_decide(assessor=self.assessor, recruit=self.yes, by=self.request.user)

    def get_success_message(self):
        name = {"name": self.assessor.member.full_name}
        return _("%(name)s is on the panel.") % name if self.yes else _("%(name)s is not on the panel.") % name

    def get_success_url(self):
        return reverse("exchange:programme_panel", kwargs={"pk": self.assessor.call_id})


class PanelAssignView(ProgrammeTeamMixin, ServiceActionView):
    @cached_property
    def call(self):
        return get_object_or_404(Call, pk=self.kwargs["pk"])

    def call_service(self):
        return services.panel_assign(call=self.call, by=self.request.user)

    def get_success_message(self):
        result = self.outcome
        return _(
            "%(created)s assignments made; %(conflicts)s conflicts of interest found; "
            "%(removed)s removed for a conflict; %(short)s proposals short of assessors."
        ) % {
            "created": result.created,
            "conflicts": result.conflicts_found,
            "removed": result.removed_for_conflict,
            "short": result.unassignable,
        }

    def get_success_url(self):
        return reverse("exchange:programme_shortlist", kwargs={"pk": self.call.pk})

    def get_error_url(self):
        return reverse("exchange:programme_panel", kwargs={"pk": self.call.pk})


class ShortlistView(ProgrammeTeamMixin, ServiceFormView):
    """The panel's ranking (bias-corrected, with intervals, disagreement and the
    proposals too close to call at the line), a page at a time, filtered by theme
    or by what needs attention; the programme team marks the shortlist here a page
    at a time (ticks on other pages are kept), writes feedback and tells the teams."""

    template_name = "exchange/programme/shortlist.html"
    form_class = ShortlistForm
    paginate_by = 50
    # Proposals not yet assessed, named under the table (the rest are counted).
    unscored_named = 20

    @cached_property
    def call(self):
        return get_object_or_404(Call, pk=self.kwargs["pk"])

    @cached_property
    def ranking(self):
        return selectors.panel_ranking(call=self.call)

    @cached_property
    def marked(self) -> set[int]:
        """The shortlist as it stands: as marked, or until it is first marked, the
        panel's top places."""
        ranked = self.ranking.ranked
        marked = {row.proposal.pk for row in ranked if row.proposal.status == ProposalStatus.SHORTLISTED}
        if not marked and not any(row.proposal.status == ProposalStatus.NOT_SHORTLISTED for row in ranked):
            marked = {row.proposal.pk for row in ranked[: self.ranking.panel.places]}
        return marked

    @cached_property
    def filters(self):
        return ShortlistFilterForm(self.request.GET or None, call=self.call)

    @cached_property
    def page(self):
        rows = self.ranking.ranked
        criteria = self.filters.cleaned_data if self.filters.is_bound and self.filters.is_valid() else {}
        if criteria.get("theme") is not None:
            rows = [row for row in rows if row.proposal.idea.theme_id == criteria["theme"].pk]
        if criteria.get("show") == "shortlisted":
            rows = [row for row in rows if row.proposal.pk in self.marked]
        elif criteria.get("show") == "attention":
            rows = [row for row in rows if row.needs_moderation or row.close_to_call]
        return Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))

    def get_form_kwargs(self):
        choices = [(row.proposal.pk, row.proposal.title) for row in self.ranking.ranked]
        return {**super().get_form_kwargs(), "choices": choices}

    def get_initial(self):
        return {"shortlisted": sorted(self.marked)}

    def get_context_data(self, **kwargs):
        form = kwargs.get("form") or self.get_form()
        if form.is_bound:
            shown = {int(value) for value in form.data.getlist("shown") if value.isdigit()}
            ticked = {int(value) for value in form.data.getlist("shortlisted") if value.isdigit()}
            checked = (self.marked - shown) | ticked
        else:
            checked = self.marked
        unscored = self.ranking.unscored
        return super().get_context_data(
            call=self.call,
            ranking=self.ranking,
            checked=checked,
            filters=self.filters,
            page_obj=self.page,
            paginator=self.page.paginator,
            is_paginated=self.page.has_other_pages(),
            rows=self.page.object_list,
            unscored=unscored[: self.unscored_named],
            unscored_more=max(0, len(unscored) - self.unscored_named),
            shortlisting=self.call.stage == Stage.SHORTLISTING,
            **kwargs,
        )

    def call_service(self, form):
        shortlisted = (self.marked - set(form.cleaned_data["shown"])) | set(form.cleaned_data["shortlisted"])
        return services.shortlist_mark(call=self.call, shortlisted=shortlisted, by=self.request.user)

    def get_success_message(self):
        return _("The shortlist is marked (%(count)s proposals changed).") % {"count": self.outcome}

    def get_success_url(self):
        query = self.request.GET.urlencode()
        return f"{self.request.path}?{query}" if query else self.request.path


class ModerationRequestView(ProgrammeTeamMixin, ServiceActionView):
    @cached_property
    def proposal(self):
        return get_object_or_404(Proposal, pk=self.kwargs["pk"])

    def call_service(self):
        return services.panel_moderation_request(proposal=self.proposal, by=self.request.user)

    def get_success_message(self):
        return _("One more assessor is asked to assess “%(title)s”.") % {"title": self.proposal.title}

    def get_success_url(self):
        return reverse("exchange:programme_shortlist", kwargs={"pk": self.proposal.call_id})


class FeedbackView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "exchange/programme/feedback.html"
    form_class = FeedbackForm

    @cached_property
    def proposal(self):
        return get_object_or_404(Proposal.objects.select_related("call", "idea"), pk=self.kwargs["pk"])

    @cached_property
    def feedback(self):
        return ProposalFeedback.objects.filter(proposal=self.proposal).first()

    def get_initial(self):
        return {"text": self.feedback.text} if self.feedback else {}

    def get_context_data(self, **kwargs):
        notes = Assessment.objects.filter(
            assignment__proposal=self.proposal, status=AssessmentStatus.SUBMITTED
        ).exclude(note="")
        return super().get_context_data(
            proposal=self.proposal, feedback=self.feedback, notes=notes.values_list("note", flat=True), **kwargs
        )

    success_message = gettext_lazy("The feedback is saved.")

    def call_service(self, form):
        return services.feedback_save(
            proposal=self.proposal,
            text=form.cleaned_data["text"],
            approve=form.cleaned_data["approve"],
            by=self.request.user,
        )

    def get_success_url(self):
        return reverse("exchange:programme_shortlist", kwargs={"pk": self.proposal.call_id})


class ShortlistAnnounceView(ProgrammeTeamMixin, ServiceActionView):
    @cached_property
    def call(self):
        return get_object_or_404(Call, pk=self.kwargs["pk"])

    def call_service(self):
        return services.shortlist_announce(call=self.call, by=self.request.user)

    def get_success_message(self):
        return _("The teams are told: %(shortlisted)s shortlisted, %(sent)s sent their feedback.") % {
            "shortlisted": self.outcome.shortlisted,
            "sent": self.outcome.feedback_sent,
        }

    def get_success_url(self):
        return reverse("exchange:programme_shortlist", kwargs={"pk": self.call.pk})

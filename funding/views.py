"""The member vote and the funded projects, under `/exchange/`. Views are thin: a
permission check, a form, one service call or selector."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from exchange.markdown import render_markdown
from exchange.mixins import MemberMixin, SignedInMixin
from exchange.models import Call
from exchange.permissions import can_see_as_programme_team
from q_portal.exceptions import PortalError
from q_portal.roles import ProgrammeTeamMixin
from q_portal.views import ServiceActionView, ServiceFormView

from . import selectors, services
from .choices import VoteStatus
from .forms import AnnounceForm, CastForm, FundingForm, ScheduleForm, UpdateCommentForm, UpdateForm, VoteRulesForm
from .models import CallVote, Proposal
from .permissions import (
    can_post_update,
    can_see_results,
    get_project_or_404,
    get_shortlisted_or_404,
    get_update_or_404,
    get_vote_or_404,
)

# --- Members: the ballot --------------------------------------------------------------


class BallotView(MemberMixin, TemplateView):
    template_name = "funding/ballot.html"

    def get_context_data(self, **kwargs):
        call_vote = get_vote_or_404(self.kwargs["pk"])
        ballot = selectors.ballot_for(call_vote=call_vote, member=self.member)
        voted_lines = [line for line in ballot.lines if line.voted]
        return super().get_context_data(
            call=call_vote.call,
            call_vote=call_vote,
            ballot=ballot,
            taking_votes=call_vote.is_taking_votes(),
            voted_lines=voted_lines,
            # The same options in every "move a vote here from" list: written once for the page.
            move_options=format_html_join(
                "", '<option value="{}">{}</option>', ((line.proposal.pk, line.proposal.title) for line in voted_lines)
            ),
            # One reverse for the page, not one a proposal: the path with the id appended.
            shortlisted_url=reverse("funding:shortlisted", kwargs={"pk": 0})[: -len("0/")],
            **kwargs,
        )


class CastView(MemberMixin, View):
    """Place, move or withdraw a vote; every rule is the service's."""

    def post(self, request, pk):
        call_vote = get_vote_or_404(pk)
        form = CastForm(request.POST)
        back = reverse("funding:ballot", kwargs={"pk": pk})
        if not form.is_valid():
            messages.error(request, _("Choose a proposal on the shortlist."))
            return redirect(back)
        proposals = {
            proposal.pk: proposal
            for proposal in Proposal.objects.select_related("idea__theme").filter(
                call_id=pk, pk__in=[form.cleaned_data["proposal"], form.cleaned_data.get("from_proposal") or 0]
            )
        }
        proposal = proposals.get(form.cleaned_data["proposal"])
        if proposal is None:
            messages.error(request, _("Choose a proposal on the shortlist."))
            return redirect(back)
        action = form.cleaned_data["action"]
        try:
            if action == "withdraw":
                services.vote_withdraw(call_vote=call_vote, member=self.member, proposal=proposal, by=request.user)
                done = _("Your vote for “%(title)s” is withdrawn.")
            else:
                replacing = None
                if action == "move":
                    replacing = proposals.get(form.cleaned_data["from_proposal"])
                    if replacing is None:
                        raise PortalError(_("You have no vote on the proposal you are moving it from."))
                services.vote_place(
                    call_vote=call_vote, member=self.member, proposal=proposal, replacing=replacing, by=request.user
                )
                done = _("You voted for “%(title)s”.") if replacing is None else _("Your vote is moved to “%(title)s”.")
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done % {"title": proposal.title})
        return redirect(f"{back}#proposal-{proposal.pk}")


class ShortlistedView(SignedInMixin, TemplateView):
    """A shortlisted proposal in full, for every member (and the programme team)."""

    template_name = "funding/shortlisted.html"

    def allowed(self, user) -> bool:
        return self.member is not None or can_see_as_programme_team(user)

    def get_context_data(self, **kwargs):
        proposal = get_shortlisted_or_404(self.kwargs["pk"])
        answers = proposal.answers.select_related("question").order_by("question__position", "question__pk")
        return super().get_context_data(proposal=proposal, answers=answers, votes=self.member is not None, **kwargs)


# --- Results, the ballot file and the room screen -----------------------------------------


class ResultsView(SignedInMixin, TemplateView):
    template_name = "funding/results.html"

    def get_context_data(self, **kwargs):
        call_vote = get_vote_or_404(self.kwargs["pk"])
        if not can_see_results(self.request.user, call_vote):
            raise Http404
        return super().get_context_data(
            call=call_vote.call,
            call_vote=call_vote,
            counts=selectors.results(call_vote=call_vote),
            turnout=selectors.turnout(call_vote=call_vote),
            **kwargs,
        )


class BallotFileView(SignedInMixin, View):
    """The anonymised ballot file: one row per vote, the voter a random token."""

    def get(self, request, pk):
        call_vote = get_vote_or_404(pk)
        if not can_see_results(request.user, call_vote):
            raise Http404
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="exchange-call-{pk}-ballots.csv"'
        writer = csv.writer(response)
        writer.writerow(["voter", "proposal", "title", "theme", "panel_rank", "budget"])
        for row in selectors.ballot_rows(call_vote=call_vote):
            writer.writerow(["" if value is None else value for value in row])
        for proposal in selectors.shortlist_without_votes(call_vote=call_vote):
            writer.writerow(
                ["", proposal.pk, proposal.title, proposal.idea.theme.name, proposal.panel_rank or "", proposal.budget]
            )
        return response


def _room_figures(call_vote: CallVote) -> dict:
    figures = selectors.turnout(call_vote=call_vote)
    totals = None
    if call_vote.results_published:
        totals = [
            {"title": count.proposal.title, "votes": count.votes} for count in selectors.results(call_vote=call_vote)
        ]
    elif not call_vote.totals_hidden:
        lines = selectors.ballot_for(call_vote=call_vote, member=None).lines
        totals = sorted(
            ({"title": line.proposal.title, "votes": line.total} for line in lines), key=lambda row: -row["votes"]
        )
    return {
        "status": call_vote.get_status_display(),
        "eligible": figures["eligible"],
        "voted": figures["voted"],
        "percent": figures["percent"],
        "votes": figures["votes"],
        "totals": totals,
    }


class RoomView(SignedInMixin, TemplateView):
    """The screen in the room at a live vote: turnout as it happens (totals only
    when the call shows them)."""

    template_name = "funding/room.html"

    def get_context_data(self, **kwargs):
        call_vote = get_vote_or_404(self.kwargs["pk"])
        return super().get_context_data(
            call=call_vote.call,
            call_vote=call_vote,
            figures=_room_figures(call_vote),
            votes=self.member is not None,
            **kwargs,
        )


class RoomJsonView(SignedInMixin, View):
    def get(self, request, pk):
        response = JsonResponse(_room_figures(get_vote_or_404(pk)))
        response["Cache-Control"] = "no-store"
        return response


# --- The programme team -----------------------------------------------------------------


class ProgrammeVoteView(ProgrammeTeamMixin, ServiceFormView):
    """The vote's rules (while being set up) and where it stands."""

    template_name = "funding/programme/vote.html"
    form_class = VoteRulesForm

    @cached_property
    def call(self):
        call = Call.objects.filter(pk=self.kwargs["pk"]).first()
        if call is None:
            raise Http404
        return call

    @cached_property
    def call_vote(self):
        return CallVote.objects.filter(call=self.call).first()

    def get_initial(self):
        if self.call_vote is None:
            return {
                "votes_per_member": 6,
                "most_per_theme": 3,
                "panel_reviewers_may_vote": True,
                "totals_hidden": True,
                "opens_at": self.call.vote_from,
                "closes_at": self.call.results_from,
                "tie_break": "panel_rank",
            }
        return {field: getattr(self.call_vote, field) for field in services.RULE_FIELDS}

    def get_context_data(self, **kwargs):
        editable = self.call_vote is None or self.call_vote.status == VoteStatus.SET_UP
        turnout = selectors.turnout(call_vote=self.call_vote) if self.call_vote else None
        return super().get_context_data(
            call=self.call, call_vote=self.call_vote, editable=editable, turnout=turnout, **kwargs
        )

    success_message = gettext_lazy("The vote's rules are saved. They are fixed once the vote opens.")

    def call_service(self, form):
        return services.vote_rules_save(call=self.call, values=form.cleaned_data, by=self.request.user)

    def get_success_url(self):
        return reverse("funding:programme_vote", kwargs={"pk": self.call.pk})


class PublishView(ProgrammeTeamMixin, ServiceActionView):
    success_message = gettext_lazy("The results are published to members, with the ballot file.")

    def call_service(self):
        return services.vote_publish(call_vote=get_vote_or_404(self.kwargs["pk"]), by=self.request.user)

    def get_success_url(self):
        return reverse("funding:programme_vote", kwargs={"pk": self.kwargs["pk"]})


class _CountedMixin(ProgrammeTeamMixin):
    @cached_property
    def call_vote(self):
        call_vote = get_vote_or_404(self.kwargs["pk"])
        if call_vote.counted_at is None:
            raise Http404
        return call_vote


class FundingView(_CountedMixin, ServiceFormView):
    """Combine the vote, the panel's ranking and the budget: settings and a preview."""

    template_name = "funding/programme/funding.html"
    form_class = FundingForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "themes": list(self.call_vote.call.themes.all())}

    def get_initial(self):
        shares = {share.theme_id: share.amount for share in self.call_vote.theme_shares.all()}
        return {
            "vote_weight": self.call_vote.vote_weight,
            **{f"share_{theme_id}": amount for theme_id, amount in shares.items()},
        }

    def get_context_data(self, **kwargs):
        counts = {count.proposal_id: count for count in selectors.results(call_vote=self.call_vote)}
        plan = [(line, counts[line.proposal_id]) for line in services.funding_plan_for(self.call_vote)]
        return super().get_context_data(
            call=self.call_vote.call,
            call_vote=self.call_vote,
            plan=plan,
            funded_total=sum(line.grant for line, _count in plan),
            **kwargs,
        )

    success_message = gettext_lazy("The preview below follows the new settings. Confirm it when it is right.")

    def call_service(self, form):
        return services.funding_settings_save(
            call_vote=self.call_vote,
            vote_weight=form.cleaned_data["vote_weight"],
            shares=form.shares(),
            by=self.request.user,
        )

    def get_success_url(self):
        return reverse("funding:programme_funding", kwargs={"pk": self.call_vote.call_id})


class ConfirmView(_CountedMixin, ServiceActionView):
    success_message = gettext_lazy("The funding is confirmed. Announce it when the results are published.")

    def call_service(self):
        return services.funding_confirm(call_vote=self.call_vote, by=self.request.user)

    def get_success_url(self):
        return reverse("funding:programme_funding", kwargs={"pk": self.kwargs["pk"]})


class AnnounceView(_CountedMixin, ServiceFormView):
    template_name = "funding/programme/announce.html"
    form_class = AnnounceForm

    def get_initial(self):
        return {"starts_on": timezone.localdate(), "months": 12, "every_months": 3}

    def get_context_data(self, **kwargs):
        return super().get_context_data(call=self.call_vote.call, call_vote=self.call_vote, **kwargs)

    success_url = "funding:programme_projects"

    def call_service(self, form):
        return services.funding_announce(
            call_vote=self.call_vote,
            starts_on=form.cleaned_data["starts_on"],
            months=form.cleaned_data["months"],
            every_months=form.cleaned_data["every_months"],
            by=self.request.user,
        )

    def get_success_message(self):
        return _("Announced: %(count)d funded projects now have their pages.") % {"count": len(self.outcome)}


class InsightView(ProgrammeTeamMixin, TemplateView):
    template_name = "funding/programme/insight.html"

    def get_context_data(self, **kwargs):
        call_vote = get_vote_or_404(self.kwargs["pk"])
        return super().get_context_data(
            call=call_vote.call, call_vote=call_vote, insight=selectors.vote_insight(call_vote=call_vote), **kwargs
        )


class ProgrammeProjectsView(ProgrammeTeamMixin, ListView):
    """Every funded project's status at a glance."""

    template_name = "funding/programme/projects.html"
    context_object_name = "projects"
    paginate_by = 50

    def get_queryset(self):
        return selectors.projects_at_a_glance()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["projects"] = selectors.with_status(list(context["projects"]))
        return context


class ScheduleView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "funding/programme/schedule.html"
    form_class = ScheduleForm

    @cached_property
    def project(self):
        return get_project_or_404(self.kwargs["pk"])

    def get_initial(self):
        return {
            "starts_on": self.project.starts_on,
            "ends_on": self.project.ends_on,
            "every_months": self.project.update_every_months,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(project=self.project, **kwargs)

    success_message = gettext_lazy("The schedule is saved.")

    def call_service(self, form):
        return services.project_schedule_save(
            project=self.project,
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            every_months=form.cleaned_data["every_months"],
            by=self.request.user,
        )

    def get_success_url(self):
        return self.project.get_absolute_url()


# --- Funded projects ----------------------------------------------------------------


class ProjectView(SignedInMixin, TemplateView):
    template_name = "funding/project.html"

    def get_context_data(self, **kwargs):
        project = get_project_or_404(self.kwargs["pk"])
        page = selectors.project_page(project=project)
        for update in page["updates"]:
            update.body_html = render_markdown(update.body)
            for comment in update.comments.all():
                comment.body_html = render_markdown(comment.body)
        return super().get_context_data(
            project=project,
            can_post=can_post_update(self.request.user, project),
            can_comment=self.member is not None,
            comment_form=UpdateCommentForm(),
            **page,
            **kwargs,
        )


class UpdatePostView(MemberMixin, ServiceFormView):
    template_name = "funding/update_form.html"
    form_class = UpdateForm

    @cached_property
    def project(self):
        project = get_project_or_404(self.kwargs["pk"])
        if not can_post_update(self.request.user, project):
            raise PermissionDenied
        return project

    def get_context_data(self, **kwargs):
        return super().get_context_data(project=self.project, **kwargs)

    def call_service(self, form):
        return services.project_update_post(
            project=self.project, member=self.member, values=form.cleaned_data, by=self.request.user
        )

    def get_success_message(self):
        return _("Your final report is posted.") if self.outcome.is_final else _("Your update is posted.")

    def get_success_url(self):
        return f"{self.project.get_absolute_url()}#update-{self.outcome.pk}"


class UpdateCommentView(MemberMixin, ServiceFormView):
    template_name = "funding/comment_form.html"
    form_class = UpdateCommentForm

    @cached_property
    def update(self):
        return get_update_or_404(self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(update=self.update, project=self.update.project, **kwargs)

    success_message = gettext_lazy("Your comment is posted.")

    def call_service(self, form):
        return services.update_comment_add(
            update=self.update, member=self.member, body=form.cleaned_data["body"], by=self.request.user
        )

    def get_success_url(self):
        return f"{self.update.project.get_absolute_url()}#comment-{self.outcome.pk}"


class UpdateImageView(SignedInMixin, View):
    def get(self, request, pk):
        update = get_update_or_404(pk)
        if not update.image.name:
            raise Http404
        try:
            handle = default_storage.open(update.image.name, "rb")
        except FileNotFoundError as error:
            raise Http404 from error
        content_type = "image/png" if update.image.name.endswith(".png") else "image/jpeg"
        response = FileResponse(handle, content_type=content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ReportView(SignedInMixin, View):
    """The project's report as one document: its details, the final update (the
    report) and every update before it."""

    def get(self, request, pk):
        project = get_project_or_404(pk)
        page = selectors.project_page(project=project)
        for update in page["updates"]:
            update.body_html = render_markdown(update.body)
        final = next((update for update in page["updates"] if update.is_final), None)
        document = render_to_string(
            "funding/report.html", {"project": project, "final": final, **page}, request=request
        )
        response = HttpResponse(document, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="project-{project.pk}-report.html"'
        return response

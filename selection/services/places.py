"""Taking up places. A released acceptance offers a place (`PlaceOffer`), to be
confirmed, by agreeing to the member compact, by the end of the
`place_confirm_days`-th day. Confirming makes the applicant a member; declining,
or letting the deadline pass, frees the place, which goes to the next person on
the waiting list by score: at once when the round's setting is automatic, or when
the programme team clicks. Every change is audited on the application; the
applicant hears of each by email through the outbox.

A place is free when an offer was declined or lapsed and no promotion from the
waiting list has taken it yet (`selectors.decisions.places_free`)."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from applications.choices import ApplicationOutcome
from applications.models import Application, Round
from members.choices import MemberSource
from members.services import member_create
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError

from .. import emails
from ..choices import DecisionOutcome, PlaceOfferStatus, WaitlistPromotion
from ..models import PlaceOffer, SelectionSettings
from ..selectors.decisions import places_free, waiting_list
from .settings import selection_settings_for


def respond_by_for(*, now: datetime, days: int) -> datetime:
    """The end (23:59, UK time) of the `days`-th day after `now`: a deadline a
    person can hold in their head. At least one day, so there is always time."""
    last_day = timezone.localtime(now).date() + timedelta(days=max(1, days))
    return timezone.make_aware(datetime.combine(last_day, time(23, 59)))


def _uk_deadline(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "H:i \\o\\n j F Y")


def offer_new(*, application: Application, settings: SelectionSettings, now: datetime, promoted: bool) -> PlaceOffer:
    """An unsaved offer of a place to the application (callers save it, in bulk
    or alone, inside their transaction)."""
    return PlaceOffer(
        application=application,
        round_id=application.round_id,
        status=PlaceOfferStatus.OFFERED,
        offered_at=now,
        respond_by=respond_by_for(now=now, days=settings.place_confirm_days),
        promoted_from_waitlist=promoted,
    )


def _locked_offer(offer: PlaceOffer) -> PlaceOffer:
    """The offer, locked; refused if the team took the decision back (which
    withdraws the open offer) while the applicant was answering it."""
    locked = (
        PlaceOffer.objects.select_for_update(of=("self",))
        .select_related(
            "application__applicant", "application__round", "application__organisation", "application__region"
        )
        .filter(pk=offer.pk)
        .first()
    )
    if locked is None:
        raise PortalError(_("This offer has been withdrawn. The programme team will contact you."))
    return locked


def _refuse_unless_applicant(offer: PlaceOffer, by) -> None:
    if by is None or offer.application.applicant_id != by.pk:
        raise PortalError(_("Only the person offered the place can answer the offer."))


@transaction.atomic
def place_confirm(*, offer: PlaceOffer, by, agrees_to_compact: bool) -> PlaceOffer:
    """The applicant takes up their place by agreeing to the member compact,
    before the deadline (checked here, whether or not the lapse task has run).
    Side effects: the membership (`members.services.member_create`, which sends
    the welcome email) and an audit entry. Confirming twice changes nothing."""
    offer = _locked_offer(offer)
    _refuse_unless_applicant(offer, by)
    if offer.status == PlaceOfferStatus.CONFIRMED:
        return offer
    if offer.status == PlaceOfferStatus.DECLINED:
        raise PortalError(_("You declined this place, so it can no longer be confirmed."))
    if offer.status == PlaceOfferStatus.LAPSED or timezone.now() > offer.respond_by:
        raise PortalError(
            _("The time to confirm this place ended at %(deadline)s (UK time).")
            % {"deadline": _uk_deadline(offer.respond_by)}
        )
    if not agrees_to_compact:
        raise PortalError(
            _("Agree to the member compact to confirm your place. If you do not want it, decline it instead."),
            field="agrees_to_compact",
        )
    application = offer.application
    now = timezone.now()
    offer.status = PlaceOfferStatus.CONFIRMED
    offer.responded_at = now
    offer.save(update_fields=["status", "responded_at"])
    profile = member_create(
        user=application.applicant,
        by=by,
        cohort_name=application.round.name,
        joined_on=timezone.localdate(now),
        job_title=application.job_title,
        role_category=application.role_category,
        organisation=application.organisation,
        region=application.region,
        source=MemberSource.APPLICATION,
        full_name=application.full_name,
        organisation_other=application.organisation_other,
    )
    audit_log(
        actor=by,
        action="selection.place_confirm",
        target=application,
        summary=_("Place confirmed, agreeing to the member compact: member %(number)s")
        % {"number": profile.membership_number},
        changes={"status": [PlaceOfferStatus.OFFERED.value, PlaceOfferStatus.CONFIRMED.value], "member": profile.pk},
    )
    return offer


@transaction.atomic
def place_decline(*, offer: PlaceOffer, by, reason: str = "") -> PlaceOffer:
    """The applicant turns their place down (the reason, if given, is kept in the
    audit entry for the programme team). Side effects: an audit entry, an email
    confirming it, and, when the round promotes automatically, the place offered
    to the next on the waiting list. Declining twice changes nothing."""
    # The round first, as every change to a round's decisions and places locks it.
    Round.objects.select_for_update().filter(pk=offer.round_id).first()
    offer = _locked_offer(offer)
    _refuse_unless_applicant(offer, by)
    if offer.status == PlaceOfferStatus.DECLINED:
        return offer
    if offer.status == PlaceOfferStatus.CONFIRMED:
        raise PortalError(
            _("You have confirmed this place and are a member. Contact the programme team to end your membership.")
        )
    if offer.status == PlaceOfferStatus.LAPSED:
        raise PortalError(_("This offer has lapsed: the place is no longer held for you."))
    reason = reason.strip()[:1000]
    before = offer.status
    offer.status = PlaceOfferStatus.DECLINED
    offer.responded_at = timezone.now()
    offer.save(update_fields=["status", "responded_at"])
    audit_log(
        actor=by,
        action="selection.place_decline",
        target=offer.application,
        summary=_("Place declined") + (f": {reason}" if reason else ""),
        changes={"status": [before, PlaceOfferStatus.DECLINED.value], "reason": reason},
    )
    emails.place_declined_email_queue(application=offer.application, offer=offer)
    _promote_if_automatic(round_id=offer.round_id, freed_by=[offer.application])
    return offer


@transaction.atomic
def place_offers_lapse(*, now: datetime | None = None) -> int:
    """Lapse every offer whose deadline has passed without an answer (run by
    Celery beat). Offers being answered at this moment are skipped (SKIP LOCKED)
    and seen next time. Side effects per offer: an audit entry and an email; then,
    in rounds that promote automatically, the freed places go to the waiting
    list. Returns how many lapsed."""
    now = now or timezone.now()
    due_offers = PlaceOffer.objects.filter(status=PlaceOfferStatus.OFFERED, respond_by__lt=now)
    lapsed = 0
    for round_id in sorted(set(due_offers.values_list("round_id", flat=True))):
        # The round first, as every change to a round's decisions and places locks it.
        Round.objects.select_for_update().filter(pk=round_id).first()
        due = list(
            due_offers.filter(round_id=round_id)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("application__applicant", "application__round")
            .order_by("respond_by", "pk")
        )
        for offer in due:
            offer.status = PlaceOfferStatus.LAPSED
            offer.save(update_fields=["status"])
            audit_log(
                actor=None,
                action="selection.place_lapse",
                target=offer.application,
                summary=_("Offer of a place lapsed: no answer by %(deadline)s")
                % {"deadline": _uk_deadline(offer.respond_by)},
                changes={"status": [PlaceOfferStatus.OFFERED.value, PlaceOfferStatus.LAPSED.value]},
            )
            if offer.application.applicant_id:
                emails.place_lapsed_email_queue(application=offer.application, offer=offer)
        if due:
            _promote_if_automatic(round_id=round_id, freed_by=[offer.application for offer in due])
        lapsed += len(due)
    return lapsed


@transaction.atomic
def waitlist_promote_next(*, round: Round, by) -> PlaceOffer:
    """The programme team offers a free place to the next person on the waiting
    list (by score). Refused when no place is free or no one is waiting. Side
    effects as for an automatic promotion: the decision becomes an acceptance,
    an offer with a fresh deadline, an audit entry and an email."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    if places_free(round=round) < 1:
        raise PortalError(_("No place is free: a place frees up when someone declines or lets their offer lapse."))
    offer = _promote_next(round=round, by=by, reason=_("offered by the programme team"))
    if offer is None:
        raise PortalError(_("No one is left on the waiting list."))
    return offer


def _promote_if_automatic(*, round_id: int, freed_by: list[Application]) -> None:
    """In a round that promotes automatically, offer every free place to the
    next on the waiting list, as far as the list goes; each promotion's audit
    entry names whose place it takes, where known."""
    round = Round.objects.select_for_update().get(pk=round_id)
    settings = selection_settings_for(round=round)
    if settings.waitlist_promotion != WaitlistPromotion.AUTOMATIC:
        return
    promoted = 0
    while places_free(round=round) > 0:
        if promoted < len(freed_by):
            reason = _("automatically, for the place %(reference)s gave up") % {"reference": freed_by[promoted]}
        else:
            reason = _("automatically, for a place given up earlier")
        if _promote_next(round=round, by=None, reason=reason, settings=settings) is None:
            return
        promoted += 1


def _promote_next(*, round: Round, by, reason: str, settings: SelectionSettings | None = None) -> PlaceOffer | None:
    """Offer a place to the first on the waiting list, or None if it is empty.
    The caller holds the round's lock, so two freed places never go to the same
    person."""
    decision = waiting_list(round=round).select_for_update(of=("self",)).first()
    if decision is None:
        return None
    settings = settings or selection_settings_for(round=round)
    now = timezone.now()
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("applicant", "round")
        .get(pk=decision.application_id)
    )
    decision.outcome = DecisionOutcome.ACCEPT
    decision.save(update_fields=["outcome"])
    application.outcome = ApplicationOutcome.ACCEPTED
    application.outcome_released_at = now
    application.save(update_fields=["outcome", "outcome_released_at", "updated_at"])
    offer = offer_new(application=application, settings=settings, now=now, promoted=True)
    offer.full_clean(exclude=["application", "round"], validate_unique=False)
    offer.save(force_insert=True)
    audit_log(
        actor=by,
        action="selection.place_promote",
        target=application,
        summary=_("Offered a place from the waiting list (%(reason)s), to confirm by %(deadline)s")
        % {"reason": reason, "deadline": _uk_deadline(offer.respond_by)},
        changes={
            "outcome": [DecisionOutcome.WAITLIST.value, DecisionOutcome.ACCEPT.value],
            "respond_by": offer.respond_by.isoformat(),
        },
    )
    emails.place_offered_email_queue(application=application, offer=offer)
    return offer

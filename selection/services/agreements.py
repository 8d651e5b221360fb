"""The confidentiality and conflicts agreement: a reviewer accepts it once per
round before the round's first application opens for them."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Round
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError

from .. import reviewer_agreement
from ..models import Assignment, ReviewerAgreement


@transaction.atomic
def reviewer_agreement_accept(*, round: Round, by) -> ReviewerAgreement:
    """Record that the reviewer accepted the current wording for the round (who,
    when, which round, which version) and write one audit row. Refused to anyone
    with no assignment in the round. Accepting again changes nothing: the first
    acceptance stands."""
    if not Assignment.objects.filter(round=round, reviewer_id=by.pk).exists():
        raise PortalError(_("You have no applications to review in this round."))
    existing = ReviewerAgreement.objects.filter(round=round, reviewer_id=by.pk).first()
    if existing is not None:
        return existing
    agreement = ReviewerAgreement(
        round=round, reviewer=by, wording_version=reviewer_agreement.VERSION, accepted_at=timezone.now()
    )
    agreement.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            agreement.save(force_insert=True)
    except IntegrityError:  # accepted a moment ago, in another tab
        return ReviewerAgreement.objects.get(round=round, reviewer_id=by.pk)
    audit_log(
        actor=by,
        action="selection.agreement_accept",
        target=round,
        summary=_("%(name)s accepted the confidentiality and conflicts agreement (version %(version)s)")
        % {"name": by, "version": agreement.wording_version},
        changes={"reviewer": by.pk, "version": agreement.wording_version},
    )
    return agreement

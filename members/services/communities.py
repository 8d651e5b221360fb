"""Communities of practice: the programme team creates and changes them; members
join and leave."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.slugs import unique_slug

from ..models import Community, CommunityMembership, MemberProfile


def _refuse_duplicate_name(name: str, *, exclude_pk=None) -> None:
    clash = Community.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists()
    if clash:
        raise PortalError(_("There is already a community called “%(name)s”.") % {"name": name}, field="name")


@transaction.atomic
def community_create(*, name: str, description: str, by, is_open: bool = True) -> Community:
    """Create a community of practice. Side effect: an audit entry."""
    name = " ".join(name.split())
    _refuse_duplicate_name(name)
    slug = unique_slug(name, among=Community.objects.all(), max_length=120, fallback="community")
    community = Community(name=name, slug=slug, description=description.strip(), is_open=is_open, created_by=by)
    community.full_clean()
    community.save()
    audit_log(actor=by, action="members.community_create", target=community, summary=community.name)
    return community


@transaction.atomic
def community_update(*, community: Community, by, name: str, description: str, is_open: bool) -> Community:
    """Change a community's name, description or whether members may join (the
    address stays the same). Side effect: an audit entry when anything changed."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    name = " ".join(name.split())
    _refuse_duplicate_name(name, exclude_pk=community.pk)
    values = {"name": name, "description": description.strip(), "is_open": is_open}
    changed = [field for field, value in values.items() if getattr(community, field) != value]
    for field in changed:
        setattr(community, field, values[field])
    if changed:
        community.full_clean()
        community.save(update_fields=changed)
        audit_log(actor=by, action="members.community_update", target=community, summary=", ".join(changed))
    return community


@transaction.atomic
def community_join(*, community: Community, member: MemberProfile, by) -> CommunityMembership:
    """Add the member to the community (idempotent). Side effect: an audit entry
    when they join. Raises PortalError if the community is closed to new members
    or the membership is not active."""
    existing = CommunityMembership.objects.filter(community=community, member=member).first()
    if existing is not None:
        return existing
    if not member.is_active:
        raise PortalError(_("Only active members can join a community."))
    if not community.is_open:
        raise PortalError(_("%(community)s is not taking new members.") % {"community": community.name})
    try:
        with transaction.atomic():
            membership = CommunityMembership.objects.create(community=community, member=member)
    except IntegrityError:
        return CommunityMembership.objects.get(community=community, member=member)
    audit_log(actor=by, action="members.community_join", target=community, summary=member.full_name)
    return membership


@transaction.atomic
def community_leave(*, community: Community, member: MemberProfile, by) -> bool:
    """Take the member out of the community. Side effect: an audit entry. Returns
    whether they were in it."""
    deleted, _rows = CommunityMembership.objects.filter(community=community, member=member).delete()
    if deleted:
        audit_log(actor=by, action="members.community_leave", target=community, summary=member.full_name)
    return bool(deleted)

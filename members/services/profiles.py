"""A member's own profile: details, interests, settings, photo and pledge; and
the curated list of interests the programme team keeps."""

import io
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.slugs import unique_slug
from q_portal.text import single_line

from ..choices import InterestStatus, PledgeCategory, Visibility
from ..models import Interest, MemberProfile, Organisation, Pledge, Region
from ..selectors import listed_member_count_forget
from ..validators import PHOTO_FORMATS, PHOTO_MAX_BYTES, PHOTO_MAX_PIXELS, PHOTO_SIZE, validate_link
from .membership import profile_search_refresh

DETAIL_FIELDS = (
    "full_name",
    "job_title",
    "role_category",
    "organisation",
    "organisation_other",
    "region",
    "bio",
    "skills",
    "methods",
    "links",
)
SETTING_FIELDS = ("visibility", "contact_enabled", "coffee_opt_in")
# Details kept on one line (`q_portal.text.single_line`) whoever calls.
SINGLE_LINE_FIELDS = frozenset({"full_name", "job_title", "organisation_other"})


def _locked(member: MemberProfile) -> MemberProfile:
    return MemberProfile.objects.select_for_update().get(pk=member.pk)


def _interest_slug(name: str) -> str:
    return unique_slug(name, among=Interest.objects.all(), max_length=80, fallback="interest")


def _interest_for_suggestion(name: str, *, by) -> Interest | None:
    """An existing interest of this name (any case), or a new one waiting for the
    programme team. A rejected one is not offered again."""
    name = single_line(name)[:80]
    if not name:
        return None
    interest = Interest.objects.filter(name__iexact=name).first()
    if interest is None:
        try:
            with transaction.atomic():
                interest = Interest.objects.create(
                    name=name, slug=_interest_slug(name), status=InterestStatus.PENDING, suggested_by=by
                )
        except IntegrityError:
            interest = Interest.objects.filter(name__iexact=name).first()
        else:
            audit_log(actor=by, action="members.interest_suggest", target=interest, summary=interest.name)
    if interest is None or interest.status == InterestStatus.REJECTED:
        return None
    return interest


@transaction.atomic
def profile_update(
    *,
    member: MemberProfile,
    by,
    interests: list[Interest] | None = None,
    suggested_interests: list[str] | None = None,
    **changes,
) -> MemberProfile:
    """Change the member's details (any of DETAIL_FIELDS), their approved
    interests, and add free interests (new ones wait for moderation, seen only by
    the member until approved). Side effects: the search text is recomputed and
    one audit entry lists the fields changed."""
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"Not profile details: {sorted(unknown)}")
    member = _locked(member)
    for name in SINGLE_LINE_FIELDS & changes.keys():
        changes[name] = single_line(changes[name])
    if "links" in changes:
        changes["links"] = [validate_link(link) for link in changes["links"] if link.strip()]
    if isinstance(changes.get("organisation"), Organisation):
        changes["organisation_other"] = ""
    if "region" in changes and changes["region"] is not None and not isinstance(changes["region"], Region):
        raise TypeError("region must be a Region")
    changed = [name for name, value in changes.items() if getattr(member, name) != value]
    for name in changed:
        setattr(member, name, changes[name])
    if not (member.full_name or "").strip():
        raise PortalError(_("Enter your name."), field="full_name")
    member.full_clean(exclude=["user", "interests"], validate_unique=False)
    member.save(update_fields=[*changed, "updated_at"])
    if interests is not None or suggested_interests:
        current = set(member.interests.values_list("pk", flat=True))
        if interests is None:
            wanted = set(current)
        else:
            wanted = {interest.pk for interest in interests if interest.status != InterestStatus.REJECTED}
        for name in suggested_interests or []:
            interest = _interest_for_suggestion(name, by=by)
            if interest is not None:
                wanted.add(interest.pk)
        if wanted != current:
            member.interests.set(wanted)
            changed.append("interests")
    if changed:
        profile_search_refresh(profile_ids=[member.pk])
        audit_log(actor=by, action="members.profile_update", target=member, summary=", ".join(changed))
    return member


@transaction.atomic
def profile_settings_update(
    *, member: MemberProfile, by, visibility: str, contact_enabled: bool, coffee_opt_in: bool
) -> MemberProfile:
    """Change who can see and contact the member, and random coffee. Side
    effects: an audit entry when anything changed; when the visibility changed,
    the directory's cached count cleared once committed."""
    member = _locked(member)
    if visibility not in Visibility.values:
        raise PortalError(_("Choose who can see your profile."), field="visibility")
    if coffee_opt_in and not member.is_active:
        raise PortalError(_("Random coffee is for active members."), field="coffee_opt_in")
    values = {"visibility": visibility, "contact_enabled": contact_enabled, "coffee_opt_in": coffee_opt_in}
    changed = [name for name, value in values.items() if getattr(member, name) != value]
    for name in changed:
        setattr(member, name, values[name])
    if changed:
        member.save(update_fields=[*changed, "updated_at"])
        audit_log(
            actor=by,
            action="members.profile_settings_update",
            target=member,
            summary=", ".join(changed),
            changes={name: values[name] for name in changed},
        )
    if "visibility" in changed:
        transaction.on_commit(listed_member_count_forget)
    return member


def _reencoded_photo(upload) -> ContentFile:
    """Open the upload as an image (whatever its name or declared type says),
    turn it upright, shrink it and write a fresh JPEG: nothing of the original
    file, its metadata (EXIF, GPS) included, survives."""
    if upload.size > PHOTO_MAX_BYTES:
        raise PortalError(_("The photo must be smaller than 5 MB."), field="photo")
    not_an_image = PortalError(_("The photo must be a JPG, PNG, GIF or WebP image."), field="photo")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise not_an_image
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise PortalError(_("The photo is too large: use one under 40 megapixels."), field="photo")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.seek(0)  # the first frame of an animation
            picture = ImageOps.exif_transpose(image).convert("RGB")
            picture.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
            buffer = io.BytesIO()
            picture.save(buffer, format="JPEG", quality=85, optimize=True)
    except PortalError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as error:
        raise not_an_image from error
    return ContentFile(buffer.getvalue())


@transaction.atomic
def profile_photo_set(*, member: MemberProfile, upload, by) -> MemberProfile:
    """Replace the member's photo with a re-encoded copy of the upload. Raises
    PortalError (field "photo") for a file that is not an image or is too large.
    Side effects: the new file in the default storage, the old one deleted after
    commit, an audit entry."""
    photo = _reencoded_photo(upload)
    member = _locked(member)
    old = member.photo.name
    name = default_storage.save(f"members/photos/{uuid.uuid4().hex}.jpg", photo)
    member.photo.name = name
    member.save(update_fields=["photo", "updated_at"])
    audit_log(actor=by, action="members.profile_photo_set", target=member, summary="Photo changed")
    if old:
        transaction.on_commit(lambda: default_storage.delete(old))
    return member


@transaction.atomic
def profile_photo_remove(*, member: MemberProfile, by) -> MemberProfile:
    """Remove the member's photo. Side effects: the file deleted after commit, an
    audit entry."""
    member = _locked(member)
    old = member.photo.name
    if not old:
        return member
    member.photo.name = ""
    member.save(update_fields=["photo", "updated_at"])
    audit_log(actor=by, action="members.profile_photo_remove", target=member, summary="Photo removed")
    transaction.on_commit(lambda: default_storage.delete(old))
    return member


@transaction.atomic
def pledge_set(*, member: MemberProfile, text: str, category: str = "", by) -> Pledge:
    """Make or change the member's pledge. Side effect: an audit entry."""
    text = " ".join(text.split())
    if not text:
        raise PortalError(_("Enter your pledge."), field="text")
    if category and category not in PledgeCategory.values:
        raise PortalError(_("Choose a kind of pledge from the list."), field="category")
    if not member.is_active:
        raise PortalError(_("Only active members can make a pledge."))
    pledge = Pledge.objects.select_for_update().filter(member=member).first()
    if pledge is None:
        pledge = Pledge(member=member, text=text, category=category)
        pledge.full_clean(exclude=["member"], validate_unique=False)
        pledge.save()
        audit_log(actor=by, action="members.pledge_make", target=pledge, summary=text[:200])
    elif (pledge.text, pledge.category) != (text, category):
        pledge.text, pledge.category = text, category
        pledge.full_clean(exclude=["member"], validate_unique=False)
        pledge.save(update_fields=["text", "category", "updated_at"])
        audit_log(actor=by, action="members.pledge_change", target=pledge, summary=text[:200])
    return pledge


@transaction.atomic
def pledge_withdraw(*, member: MemberProfile, by) -> bool:
    """Withdraw the member's pledge. Side effect: an audit entry. Returns whether
    there was one."""
    pledge = Pledge.objects.select_for_update().filter(member=member).first()
    if pledge is None:
        return False
    audit_log(actor=by, action="members.pledge_withdraw", target=member, summary=pledge.text[:200])
    pledge.delete()
    return True


@transaction.atomic
def interest_create(*, name: str, by) -> Interest:
    """Add an interest to the curated list (approved at once). An existing one of
    the same name is approved instead. Side effect: an audit entry."""
    name = " ".join(name.split())[:80]
    if not name:
        raise PortalError(_("Enter the interest."), field="name")
    interest = Interest.objects.filter(name__iexact=name).first()
    if interest is not None:
        if interest.status == InterestStatus.APPROVED:
            raise PortalError(_("“%(name)s” is already on the list.") % {"name": interest.name}, field="name")
        return interest_moderate(interest=interest, approve=True, by=by)
    interest = Interest(name=name, slug=_interest_slug(name), status=InterestStatus.APPROVED)
    interest.full_clean(validate_constraints=False)
    interest.save()
    audit_log(actor=by, action="members.interest_create", target=interest, summary=interest.name)
    return interest


@transaction.atomic
def interest_moderate(*, interest: Interest, approve: bool, by) -> Interest:
    """Approve a member's free interest (it joins the curated list and shows on
    profiles and in search) or reject it (it is taken off every profile). Side
    effects: the search text of the profiles with it, an audit entry."""
    interest = Interest.objects.select_for_update().get(pk=interest.pk)
    to = InterestStatus.APPROVED if approve else InterestStatus.REJECTED
    if interest.status == to:
        return interest
    previous = interest.status
    interest.status = to
    interest.save(update_fields=["status"])
    profile_ids = list(interest.member_profiles.values_list("pk", flat=True))
    if not approve:
        interest.member_profiles.clear()
    profile_search_refresh(profile_ids=profile_ids)
    audit_log(
        actor=by,
        action="members.interest_moderate",
        target=interest,
        summary=f"{interest.name}: {to.label}",
        changes={"status": [previous, to.value]},
    )
    return interest

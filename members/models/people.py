from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. The email address is the login and is never shown
    to other users; the display name is how the portal addresses them."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    display_name = models.CharField(
        _("name"), max_length=150, blank=True, help_text=_("How you would like to be addressed.")
    )
    is_staff = models.BooleanField(_("can use the admin site"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self):
        return self.display_name or self.email

    def get_full_name(self):
        return self.display_name or self.email

    def get_short_name(self):
        return self.display_name.split(" ")[0] if self.display_name else self.email


class Nation(models.TextChoices):
    ENGLAND = "england", _("England")
    SCOTLAND = "scotland", _("Scotland")
    WALES = "wales", _("Wales")
    NORTHERN_IRELAND = "northern_ireland", _("Northern Ireland")


class Region(models.Model):
    """A region of the UK as the community organises itself: the 15 Academic Health
    Science Network areas in England, and Scotland, Wales and Northern Ireland."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    nation = models.CharField(max_length=20, choices=Nation.choices)

    class Meta:
        ordering = ["nation", "name"]

    def __str__(self):
        return self.name


class OrganisationKind(models.TextChoices):
    AHSN = "ahsn", _("Academic Health Science Network")
    NATIONAL = "national", _("National organisation")
    PROVIDER = "provider", _("NHS trust or health board")
    PRIMARY_CARE = "primary_care", _("Primary care")
    UNIVERSITY = "university", _("University")
    CHARITY = "charity", _("Charity or voluntary organisation")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """An organisation people work for or nominate from. Conflicts of interest and
    nominations are decided by this record, never by an email domain."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="organisations")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

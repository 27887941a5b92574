import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def normalize_email(email: str | None) -> str:
    """The one spelling of an address that is stored, looked up and rate limited: NFKC (a CJK keyboard's
    fullwidth ａ is a), without surrounding spaces, lower case (a phone's capital first letter is not a
    different account)."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def default_time_zone() -> str:
    """A new account shows times in the deployment's zone (TIME_ZONE) until its owner picks another."""
    return settings.TIME_ZONE


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return normalize_email(email)

    def get_by_natural_key(self, username: str):
        # Every authenticate() path (the login page, the admin's, any backend call) looks up through here.
        return self.get(email=normalize_email(username))

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address.

    A user is a member of at most one brand (brands.BrandMembership), or has one creator profile
    (creators.Creator), or is staff; the role helpers below read those relations.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=default_time_zone)
    # The language Starmap writes to this person in (notifications, e-mails): the one they last used on the
    # site (marketplace.core.middleware.RememberLanguageMiddleware); blank until then (settings.LANGUAGE_CODE).
    language = models.CharField(_("language"), max_length=16, blank=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        # set_password() on an existing account: every way a password changes passes here (the change
        # and reset pages, the admin's password form, manage.py changepassword), so this is the one
        # place that revokes the tokens made under the old one.
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            from marketplace.core.accounts import user_password_changed

            user_password_changed(user=self)

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

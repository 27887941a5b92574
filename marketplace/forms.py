"""HTML forms: they parse and check input; services do the writes."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from creators.handles import validate_handle_not_reserved
from creators.models import Creator
from marketplace.core import send_mail_each, site_url
from marketplace.core.accounts import time_zone_names
from marketplace.core.forms import EmailAddressField
from marketplace.core.models import User

# ----------------------------------------------------------------- accounts


class _PasswordPairMixin:
    """Two password fields, checked against Django's password validators."""

    def _check_passwords(self, user: User) -> None:
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
            return
        if password2:
            try:
                validate_password(password2, user)
            except ValidationError as exc:
                self.add_error("password1", exc)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form: the address in its stored spelling, mailed through send_mail_each like every
    other mail Starmap sends."""

    email = EmailAddressField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        # The link goes to SITE_URL, never to the Host header the reset request named (host-header poisoning).
        site = urlsplit(site_url("/"))
        context = {**context, "protocol": site.scheme, "domain": site.netloc + site.path.rstrip("/")}
        html = render_to_string(html_email_template_name, context) if html_email_template_name else None
        send_mail_each(
            subject=render_to_string(subject_template_name, context),
            body=render_to_string(email_template_name, context),
            recipients=[to_email],
            html=html,
            from_email=from_email,
        )


def _new_account_email(email: str) -> str:
    if User.objects.filter(email=email).exists():
        raise ValidationError(_("An account with this e-mail address already exists."))
    return email


class BrandSignupForm(_PasswordPairMixin, forms.Form):
    email = EmailAddressField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    brand_name = forms.CharField(label=_("Brand name"), max_length=160)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_email(self) -> str:
        return _new_account_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        self._check_passwords(User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", "")))
        return cleaned


class CreatorSignupForm(_PasswordPairMixin, forms.Form):
    email = EmailAddressField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    display_name = forms.CharField(label=_("Display name"), max_length=120)
    handle = forms.SlugField(
        label=_("Handle"),
        max_length=64,
        help_text=_("Letters, digits, hyphens and underscores; it appears in your profile address."),
        validators=[validate_handle_not_reserved],
    )
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_email(self) -> str:
        return _new_account_email(self.cleaned_data["email"])

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip().lower()
        if Creator.objects.filter(handle__iexact=handle).exists():
            raise ValidationError(_("This handle is taken."))
        return handle

    def clean(self):
        cleaned = super().clean()
        self._check_passwords(User(email=cleaned.get("email", ""), full_name=cleaned.get("display_name", "")))
        return cleaned


class AccountSettingsForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"), help_text=_("Dates and times on every page are shown in this time zone.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in time_zone_names()]

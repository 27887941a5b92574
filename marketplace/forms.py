"""Account forms of the wiring: the password reset mail and the account settings. Sign-up forms live
with their party (brands.forms, creators.forms) on marketplace.core.forms' shared pieces."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib.auth import forms as auth_forms
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from marketplace.core import send_mail_each, site_url
from marketplace.core.accounts import time_zone_names
from marketplace.core.forms import EmailAddressField

# ----------------------------------------------------------------- accounts (sign-up: brands/, creators/)


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


class AccountSettingsForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"), help_text=_("Dates and times on every page are shown in this time zone.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in time_zone_names()]

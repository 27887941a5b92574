"""The creator's sign-up and verification request."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creators.handles import normalise_handle
from creators.models import (
    Creator,
    CreatorVerification,
)
from marketplace.core.forms import EmailAddressField, PasswordPairMixin, WebLinkField, new_account_email
from marketplace.core.models import User

# ------------------------------------------------------------------ sign-up


class CreatorSignupForm(PasswordPairMixin, forms.Form):
    email = EmailAddressField(
        label=gettext_lazy("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    display_name = forms.CharField(label=gettext_lazy("Display name"), max_length=120)
    handle = forms.CharField(  # read by creators.handles.normalise_handle, as the importer reads it
        label=gettext_lazy("Handle"),
        max_length=64,
        help_text=gettext_lazy("Letters, digits, hyphens and underscores; it appears in your profile address."),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        return new_account_email(self.cleaned_data["email"])

    def clean_handle(self) -> str:
        handle = normalise_handle(self.cleaned_data["handle"])
        if Creator.objects.filter(handle__iexact=handle).exists():
            raise ValidationError(_("This handle is taken."))
        return handle

    def clean(self):
        cleaned = super().clean()
        self._check_passwords(User(email=cleaned.get("email", ""), full_name=cleaned.get("display_name", "")))
        return cleaned


class CreatorVerificationForm(forms.ModelForm):
    """The evidence a creator gives staff: their account's page on their platform, and a note."""

    evidence_url = WebLinkField(
        label=gettext_lazy("Link to your account on your platform"),
        max_length=500,
        help_text=gettext_lazy(
            "The public page of the account you named in your profile; staff check the name and the figures."
        ),
    )

    class Meta:
        model = CreatorVerification
        fields = ("evidence_url", "note")
        help_texts = {"note": gettext_lazy("Anything that helps staff check the account is yours (optional).")}
        widgets = {"note": forms.Textarea(attrs={"rows": 4})}

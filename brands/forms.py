"""Brand sign-up, profile and member forms; the services in brands.services do the writes."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from brands.models import Brand, BrandMembership, BrandVerification
from marketplace.core.audience import countries as countries_of_deployment
from marketplace.core.audience import region_names
from marketplace.core.forms import EmailAddressField, PasswordPairMixin, WebLinkField, new_account_email
from marketplace.core.models import ProductCategory, User


def _brand_label(name: str):
    return capfirst(Brand._meta.get_field(name).verbose_name)


def _country_choices() -> list[tuple[str, str]]:
    countries = sorted((name, code) for code, name in region_names(countries_of_deployment()).items())
    return [("", _("Not set")), *((code, name) for name, code in countries)]


class BrandProfileForm(forms.Form):
    ON_DOCUMENTS = ("legal_name", "tax_id")  # drawn in a section of their own: what invoices print

    name = forms.CharField(label=_brand_label("name"), max_length=160)
    website = WebLinkField(label=_brand_label("website"), required=False)
    description = forms.CharField(label=_brand_label("description"), required=False, widget=forms.Textarea)
    industry = forms.ModelChoiceField(
        label=_brand_label("industry"),
        queryset=ProductCategory.objects.filter(tier=1).order_by("path"),
        required=False,
        empty_label=_("Not set"),
    )
    country = forms.ChoiceField(label=_brand_label("country"), required=False)
    legal_name = forms.CharField(
        label=_brand_label("legal_name"),
        max_length=200,
        required=False,
        help_text=_("As registered; printed on your invoices and receipts."),
    )
    tax_id = forms.CharField(
        label=_brand_label("tax_id"),
        max_length=32,
        required=False,
        help_text=_("Printed on your invoices and receipts, e.g. your unified social credit code."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _country_choices()

    @staticmethod
    def initial_for(brand: Brand) -> dict:
        return {
            "name": brand.name,
            "website": brand.website,
            "description": brand.description,
            "industry": brand.industry_id,
            "country": brand.country,
            "legal_name": brand.legal_name,
            "tax_id": brand.tax_id,
        }


class MemberAddForm(forms.Form):
    email = EmailAddressField(label=_("E-mail address"))  # a fullwidth spelling is the same address, and counted so
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=BrandMembership.Role.choices, initial=BrandMembership.Role.MANAGER
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=BrandMembership.Role.choices)


class BrandSignupForm(PasswordPairMixin, forms.Form):
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
        return new_account_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        self._check_passwords(User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", "")))
        return cleaned


class BrandVerificationForm(forms.ModelForm):
    """The evidence a brand gives staff: its business licence number and where to check it."""

    evidence_url = WebLinkField(
        label=_("Company website or registry page"),
        max_length=500,
        help_text=_("A page where staff can check the company and the licence."),
    )

    class Meta:
        model = BrandVerification
        fields = ("licence_number", "evidence_url", "note")
        help_texts = {
            "licence_number": _(
                "As printed on the business licence (in mainland China the 18-character unified social credit code)."
            ),
            "note": _("Anything that helps staff check the company (optional)."),
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 4})}

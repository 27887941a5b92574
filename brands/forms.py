"""Brand profile and member forms; the services in brands.services do the writes."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from brands.models import Brand, BrandMembership
from marketplace.core.audience import regions
from marketplace.core.models import ProductCategory


def _brand_label(name: str):
    return capfirst(Brand._meta.get_field(name).verbose_name)


def _country_choices() -> list[tuple[str, str]]:
    countries = sorted((name, code) for code, name in regions().items() if "-" not in code)
    return [("", _("Not set")), *((code, name) for name, code in countries)]


class BrandProfileForm(forms.Form):
    name = forms.CharField(label=_brand_label("name"), max_length=160)
    website = forms.URLField(label=_brand_label("website"), required=False, assume_scheme="https")
    description = forms.CharField(label=_brand_label("description"), required=False, widget=forms.Textarea)
    industry = forms.ModelChoiceField(
        label=_brand_label("industry"),
        queryset=ProductCategory.objects.filter(tier=1).order_by("path"),
        required=False,
        empty_label=_("Not set"),
    )
    country = forms.ChoiceField(label=_brand_label("country"), required=False)

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
        }


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=BrandMembership.Role.choices, initial=BrandMembership.Role.MANAGER
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=BrandMembership.Role.choices)

"""The brand creator directory's filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creators.directory import DEFAULT_SORT, INDEX_FIELDS, SORTS, DirectoryQuery
from creators.models import (
    MAX_FOLLOWERS,
    Platform,
)
from marketplace.core.models import ContentFormat, Interest
from marketplace.core.params import SEARCH_MAX_LENGTH

# ------------------------------------------------------------- directory

COUNTRY_CODE = r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$"


class DirectoryFilterForm(forms.Form):
    """The brand creator directory's filters and sort, read from the query string (all optional)."""

    q = forms.CharField(
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        label=gettext_lazy("Search"),
        help_text=gettext_lazy("A name, a handle, or words from a bio, recent videos or labels, e.g. 美妆 or fitness."),
    )
    interest = forms.ModelChoiceField(
        queryset=Interest.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Any interest"),
        label=gettext_lazy("Interest"),
    )
    platform = forms.ChoiceField(
        choices=[("", gettext_lazy("Any platform")), *Platform.choices], required=False, label=gettext_lazy("Platform")
    )
    country = forms.RegexField(
        regex=COUNTRY_CODE,
        max_length=8,
        required=False,
        label=gettext_lazy("Country or region"),
        help_text=gettext_lazy("A code such as CN (also finds CN-GD, CN-SH …) or CN-GD."),
        error_messages={"invalid": gettext_lazy("Enter a code such as CN or CN-GD.")},
    )
    followers_min = forms.IntegerField(
        min_value=0, max_value=MAX_FOLLOWERS, required=False, label=gettext_lazy("Followers from")
    )
    followers_max = forms.IntegerField(
        min_value=0, max_value=MAX_FOLLOWERS, required=False, label=gettext_lazy("Followers to")
    )
    min_index_reach = forms.FloatField(min_value=0, max_value=100, required=False, label=gettext_lazy("Reach at least"))
    min_index_seeding = forms.FloatField(
        min_value=0, max_value=100, required=False, label=gettext_lazy("Seeding at least")
    )
    min_index_value = forms.FloatField(
        min_value=0, max_value=100, required=False, label=gettext_lazy("Value for money at least")
    )
    min_index_growth = forms.FloatField(
        min_value=0, max_value=100, required=False, label=gettext_lazy("Growth at least")
    )
    min_index_conversion = forms.FloatField(
        min_value=0, max_value=100, required=False, label=gettext_lazy("Conversion at least")
    )
    # A choice typed into the address is not echoed back (it may hold anything, a NUL byte included).
    sort = forms.ChoiceField(
        choices=list(SORTS.items()),
        required=False,
        label=gettext_lazy("Sort by"),
        error_messages={"invalid_choice": gettext_lazy("Choose an order from the list.")},
    )
    price_format = forms.ChoiceField(
        choices=[("", gettext_lazy("No price shown")), *ContentFormat.choices],
        required=False,
        label=gettext_lazy("Show the price for"),
        error_messages={"invalid_choice": gettext_lazy("Choose a format from the list.")},
    )

    def clean(self):
        data = super().clean()
        low, high = data.get("followers_min"), data.get("followers_max")
        if low is not None and high is not None and low > high:
            self.add_error("followers_max", _("Give a maximum at or above the minimum."))
        return data

    def query(self) -> DirectoryQuery:
        data = self.cleaned_data
        return DirectoryQuery(
            interest=data["interest"].pk if data.get("interest") else None,
            platform=data.get("platform") or "",
            country=(data.get("country") or "").upper(),
            followers_min=data.get("followers_min"),
            followers_max=data.get("followers_max"),
            min_index=tuple(
                (field, data[f"min_{field}"]) for field in INDEX_FIELDS if data.get(f"min_{field}") is not None
            ),
            sort=data.get("sort") or DEFAULT_SORT,
            text=data.get("q") or "",
        )

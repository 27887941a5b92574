"""The ranked list's filters, read from the order page's query string (all optional)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from creators.models import MAX_FOLLOWERS
from marketplace.core import parse_money
from marketplace.core.audience import canonical_region, regions
from marketplace.core.params import MAX_ID, IdListField
from orders.forms.deals import SendOffersForm

# A follower count no account reaches: the bound of the follower filters, on the page and the API.


class GroupedWholeNumberField(forms.IntegerField):
    """A whole number that may be typed with thousands commas (12,000)."""

    def to_python(self, value):
        return super().to_python(value.replace(",", "") if isinstance(value, str) else value)


class RankingFilterForm(forms.Form):
    min_followers = GroupedWholeNumberField(required=False, min_value=0, max_value=MAX_FOLLOWERS)
    max_followers = GroupedWholeNumberField(required=False, min_value=0, max_value=MAX_FOLLOWERS)
    max_price = forms.CharField(required=False)
    region = forms.CharField(required=False)

    def clean_max_price(self) -> int | None:
        text = self.cleaned_data["max_price"]
        if not text:
            return None
        try:
            return parse_money(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_region(self) -> str:
        # An unknown region filters nothing (the select only offers known ones).
        region = canonical_region(self.cleaned_data["region"] or "")
        return region if region in regions() else ""

    def filters_and_errors(self) -> tuple[dict, dict]:
        """The valid filters, and the first message per field that is not."""
        self.is_valid()
        filters = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        return filters, {name: errors[0] for name, errors in self.errors.items()}


class WhyNotForm(forms.Form):
    """ "Why is this creator not in my list?": a handle, with or without the leading @."""

    creator = forms.CharField(required=False, max_length=65)  # read by creators.selectors.active_creator_by_handle


# ------------------------------------------------------------------ saved lists, comparison, likeness


class ListNameForm(forms.Form):
    name = forms.CharField(max_length=80, label=gettext_lazy("List name"))


class CreatorPickForm(forms.Form):
    """One creator, by id (the buttons on the directory, the creator page and a list)."""

    creator = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


MAX_SELECTION = 50  # creators ticked at once (a page of the directory is 25, a list shows 50 at a time)


class CreatorSelectionForm(forms.Form):
    """Creators ticked on the directory or a list (``creator=3&creator=5``)."""

    creator = IdListField(max_items=MAX_SELECTION, label=gettext_lazy("Creators"))


class ListOffersForm(SendOffersForm):
    """Offers from a saved list: the ticked creators (``creator``, repeated), one of the brand's published orders,
    and the key made when the form was drawn (a double submit replays instead of offering twice)."""

    order = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Order"))

    def __init__(self, *args, orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].choices = [("", gettext_lazy("Choose an order")), *((o.pk, o.title) for o in orders)]

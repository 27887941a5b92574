from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from creators.models import STAGE_NAMES
from marketplace.core.models import Interest
from payouts.forms import AmountField, IdempotentForm, amount_label
from programmes.models import Programme

RATINGS = [(n, f"≥ {n}") for n in range(1, 6)]


class FundForm(IdempotentForm):
    amount = AmountField(help_text=_("Collected through the payment provider into the incentives fund."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = amount_label(settings.CURRENCY)


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000, widget=forms.Textarea)
    budget = AmountField(label=_("Budget"))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    stages = forms.MultipleChoiceField(
        label=_("Growth stages (none: all)"), choices=STAGE_NAMES, required=False, widget=forms.CheckboxSelectMultiple
    )
    interests = forms.ModelMultipleChoiceField(
        label=_("Interests (none: all)"), queryset=Interest.objects.all(), required=False
    )
    new_creators_only = forms.BooleanField(label=_("New creators only"), required=False)
    min_brand_rating = forms.TypedChoiceField(label=_("Brand rating"), choices=RATINGS, coerce=int, initial=5)
    require_on_time = forms.BooleanField(label=_("Delivered on time"), required=False, initial=True)
    mode = forms.ChoiceField(label=_("How the pool is paid"), choices=Programme.Mode.choices)
    per_order_amount = AmountField(label=_("Bonus per order"), required=False)
    cap_per_creator = AmountField(label=_("Cap per creator"))

    def clean(self):
        data = super().clean()
        if data.get("mode") == Programme.Mode.PER_ORDER and not data.get("per_order_amount"):
            self.add_error("per_order_amount", _("Enter the bonus per order."))
        return data

    def add_domain_error(self, exc) -> None:
        self.add_error(exc.field if exc.field in self.fields else None, exc.detail)

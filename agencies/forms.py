from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import MAX_SHARE_BPS


class AgencyCreateForm(forms.Form):
    name = forms.CharField(label=_("Agency name"), max_length=120)


class InviteForm(forms.Form):
    handle = forms.CharField(label=_("Creator's handle"), max_length=65)  # creators.selectors.active_creator_by_handle
    share_percent = forms.DecimalField(
        label=_("Agency share, in percent of what the creator keeps after the platform fee"),
        min_value=Decimal(0),
        max_value=Decimal(MAX_SHARE_BPS) / 100,
        max_digits=5,
        decimal_places=2,
    )
    may_answer_offers = forms.BooleanField(label=_("May answer offers"), required=False, initial=True)
    may_submit_deliverables = forms.BooleanField(label=_("May submit scripts, videos and post links"), required=False)
    may_see_earnings = forms.BooleanField(label=_("May see the creator's earnings"), required=False)
    note = forms.CharField(
        label=_("Note to the creator"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def share_bps(self) -> int:
        return int(self.cleaned_data["share_percent"] * 100)

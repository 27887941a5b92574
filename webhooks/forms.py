from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.events import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Receiver address"),
        max_length=1000,
        help_text=_("Where we POST each event, e.g. https://hooks.example.com/starmap"),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"), choices=list(EVENT_TYPES.items()), widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Send events to this endpoint"), required=False, initial=True)

    def __init__(self, *args, catalogue: dict | None = None, **kwargs):
        """``catalogue``: the events the owner may choose (a brand's by default; an agency's has its payouts)."""
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = list((catalogue or EVENT_TYPES).items())

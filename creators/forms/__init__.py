"""Forms for the creator's sign-up, the creator's profile page (one per section, each parsed here and saved by
a service) and the brand creator directory's filters: ``profile`` (basics, capacity, labels, media kit,
blackouts), ``audience``, ``rates`` (rate card, usage rights), ``directory`` and ``signup``."""

from creators.forms.audience import AudienceForms
from creators.forms.directory import COUNTRY_CODE, DirectoryFilterForm
from creators.forms.profile import (
    AvatarForm,
    BasicsForm,
    BlackoutForm,
    BlackoutRemoveForm,
    CapacityForm,
    LabelSearchForm,
    LabelsForm,
    content_sample_formset,
    content_samples_of,
    search_rows,
)
from creators.forms.rates import RATE_CARD_OUTLIER_FACTOR, RATE_CARD_TYPICAL_FACTOR, RateCardForm, RightsRatesForm
from creators.forms.signup import CreatorSignupForm, CreatorVerificationForm

__all__ = [
    "COUNTRY_CODE",
    "RATE_CARD_OUTLIER_FACTOR",
    "RATE_CARD_TYPICAL_FACTOR",
    "AudienceForms",
    "AvatarForm",
    "BasicsForm",
    "BlackoutForm",
    "BlackoutRemoveForm",
    "CapacityForm",
    "CreatorSignupForm",
    "CreatorVerificationForm",
    "DirectoryFilterForm",
    "LabelSearchForm",
    "LabelsForm",
    "RateCardForm",
    "RightsRatesForm",
    "content_sample_formset",
    "content_samples_of",
    "search_rows",
]

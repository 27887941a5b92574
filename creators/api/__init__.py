"""The creators app's API views, one module per area; marketplace/api/urls.py routes them from here."""

from creators.api.browse import CreatorDetailApi, CreatorListApi
from creators.api.profile import (
    CreatorBlackoutDetailApi,
    CreatorBlackoutListApi,
    CreatorProfileApi,
    CreatorRateCardApi,
    CreatorRightsRatesApi,
)

__all__ = [
    "CreatorBlackoutDetailApi",
    "CreatorBlackoutListApi",
    "CreatorDetailApi",
    "CreatorListApi",
    "CreatorProfileApi",
    "CreatorRateCardApi",
    "CreatorRightsRatesApi",
]

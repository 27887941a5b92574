"""Deals in the API: offers, applications, every collaboration step, deliverables, disputes, notifications.

Each view parses, calls the service the pages call (orders.services.deals, .collaborations,
.notifications) and serialises. Lookups are scoped to the caller: another brand's or creator's
collaboration is a 404 like a missing one; a side that may not take a step gets 403 (the state
machine's NotAllowed); a step from the wrong state 409. Steps that move money need an
Idempotency-Key, and a replay of the key answers with the first response (payouts.api.replayable).
"""

from orders.api.collaborations import (
    CollaborationAcceptApi,
    CollaborationAcceptCounterApi,
    CollaborationAcceptWorkApi,
    CollaborationApproveScriptApi,
    CollaborationApproveVideoApi,
    CollaborationCancelApi,
    CollaborationConfirmLiveApi,
    CollaborationCounterApi,
    CollaborationDeclineApi,
    CollaborationDeclineCounterApi,
    CollaborationDetailApi,
    CollaborationDisputeApi,
    CollaborationExtendRightsApi,
    CollaborationListApi,
    CollaborationMessageApi,
    CollaborationPublishApi,
    CollaborationRatingApi,
    CollaborationRejectApplicationApi,
    CollaborationRejectScriptApi,
    CollaborationReportDownApi,
    CollaborationRequestRevisionApi,
    CollaborationScriptApi,
    CollaborationSelectApi,
    CollaborationVideoApi,
    CollaborationWithdrawApi,
    CollaborationWithdrawApplicationApi,
    DeliverableDownloadApi,
)
from orders.api.disputes import DisputeDecideApi, DisputeListApi
from orders.api.notifications import NotificationListApi, NotificationReadApi
from orders.api.offers import ApplicationCreateApi, OfferCreateApi, OrderCollaborationListApi, RecommendedOrderListApi

__all__ = [
    "ApplicationCreateApi",
    "CollaborationAcceptApi",
    "CollaborationAcceptCounterApi",
    "CollaborationAcceptWorkApi",
    "CollaborationApproveScriptApi",
    "CollaborationApproveVideoApi",
    "CollaborationCancelApi",
    "CollaborationConfirmLiveApi",
    "CollaborationCounterApi",
    "CollaborationDeclineApi",
    "CollaborationDeclineCounterApi",
    "CollaborationDetailApi",
    "CollaborationDisputeApi",
    "CollaborationExtendRightsApi",
    "CollaborationListApi",
    "CollaborationMessageApi",
    "CollaborationPublishApi",
    "CollaborationRatingApi",
    "CollaborationRejectApplicationApi",
    "CollaborationRejectScriptApi",
    "CollaborationReportDownApi",
    "CollaborationRequestRevisionApi",
    "CollaborationScriptApi",
    "CollaborationSelectApi",
    "CollaborationVideoApi",
    "CollaborationWithdrawApi",
    "CollaborationWithdrawApplicationApi",
    "DeliverableDownloadApi",
    "DisputeDecideApi",
    "DisputeListApi",
    "NotificationListApi",
    "NotificationReadApi",
    "OfferCreateApi",
    "OrderCollaborationListApi",
    "RecommendedOrderListApi",
]

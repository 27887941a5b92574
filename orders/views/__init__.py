"""Deal pages: offers, the creator inbox, the collaboration page, downloads, notifications, disputes."""

from orders.views.brand import board_context, offer_create
from orders.views.collaboration import collaboration_act, collaboration_detail, deliverable_download
from orders.views.creator import apply, inbox
from orders.views.disputes import dispute_decide, dispute_detail, dispute_list
from orders.views.notifications import notification_list, notification_open, notification_read_all
from orders.views.results import collaboration_results

__all__ = [
    "apply",
    "board_context",
    "collaboration_act",
    "collaboration_detail",
    "collaboration_results",
    "deliverable_download",
    "dispute_decide",
    "dispute_detail",
    "dispute_list",
    "inbox",
    "notification_list",
    "notification_open",
    "notification_read_all",
    "offer_create",
]

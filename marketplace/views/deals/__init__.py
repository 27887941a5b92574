"""Deal pages: offers, the creator inbox, the collaboration page, downloads, notifications, disputes."""

from marketplace.views.deals.brand import board_context, offer_create, offers_send
from marketplace.views.deals.collaboration import collaboration_act, collaboration_detail, deliverable_download
from marketplace.views.deals.creator import apply, inbox
from marketplace.views.deals.disputes import dispute_decide, dispute_detail, dispute_list
from marketplace.views.deals.notifications import notification_list, notification_open, notification_read_all
from marketplace.views.deals.results import collaboration_results

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
    "offers_send",
]

"""The deal's tables. They were deployed as the ``marketplace`` app's and keep their table names
(``db_table``); migration orders.0001 took them over without touching the database."""

from orders.models.contests import CONTEST_OVER, Contest, ContestEntry, ContestEvent
from orders.models.deals import CalendarFeed, CollaborationEvent, Deliverable, Dispute
from orders.models.orders import Collaboration, Order, OrderEvent, OrderTargetLabel
from orders.models.results import ResultSnapshot

__all__ = [
    "CONTEST_OVER",
    "CalendarFeed",
    "Collaboration",
    "CollaborationEvent",
    "Contest",
    "ContestEntry",
    "ContestEvent",
    "Deliverable",
    "Dispute",
    "Order",
    "OrderEvent",
    "OrderTargetLabel",
    "ResultSnapshot",
]

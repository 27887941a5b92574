from marketplace.models.audit import AuditLog
from marketplace.models.catalogue import (
    ContentFormat,
    Interest,
    Label,
    ProductCategory,
    ProductInterestPrior,
    VerificationStatus,
)
from marketplace.models.deals import CollaborationEvent, Deliverable, Dispute, Notification
from marketplace.models.orders import Collaboration, Order, OrderEvent, OrderTargetLabel
from marketplace.models.outbox import OutboxMessage
from marketplace.models.results import ResultSnapshot
from marketplace.models.tokens import ApiToken
from marketplace.models.users import User

__all__ = [
    "ApiToken",
    "AuditLog",
    "Collaboration",
    "CollaborationEvent",
    "ContentFormat",
    "Deliverable",
    "Dispute",
    "Interest",
    "Label",
    "Notification",
    "Order",
    "OrderEvent",
    "OrderTargetLabel",
    "OutboxMessage",
    "ProductCategory",
    "ProductInterestPrior",
    "ResultSnapshot",
    "User",
    "VerificationStatus",
]

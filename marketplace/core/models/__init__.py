from marketplace.core.models.audit import AuditLog
from marketplace.core.models.catalogue import (
    ContentFormat,
    Interest,
    Label,
    ProductCategory,
    ProductInterestPrior,
    VerificationStatus,
)
from marketplace.core.models.deals import CollaborationEvent, Deliverable, Dispute, Notification
from marketplace.core.models.orders import Collaboration, Order, OrderEvent, OrderTargetLabel
from marketplace.core.models.outbox import OutboxMessage
from marketplace.core.models.results import ResultSnapshot
from marketplace.core.models.tokens import ApiToken
from marketplace.core.models.users import User

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

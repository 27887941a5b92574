from marketplace.core.models.audit import AuditLog
from marketplace.core.models.catalogue import (
    ContentFormat,
    Interest,
    Label,
    ProductCategory,
    ProductInterestPrior,
    VerificationStatus,
)
from marketplace.core.models.notifications import Notification
from marketplace.core.models.outbox import OutboxMessage
from marketplace.core.models.tokens import ApiToken
from marketplace.core.models.users import User
from marketplace.core.models.verification import VerificationRequest

__all__ = [
    "ApiToken",
    "AuditLog",
    "ContentFormat",
    "Interest",
    "Label",
    "Notification",
    "OutboxMessage",
    "ProductCategory",
    "ProductInterestPrior",
    "User",
    "VerificationRequest",
    "VerificationStatus",
]

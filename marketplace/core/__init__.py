"""The kernel every app stands on; it imports no app.

This package's namespace is its public surface for the primitives nearly every module needs (errors,
money, the transition helper, audit, mail, CSV); each lives in its own module here, which is its one
home. The rest of the kernel is imported from its module: models, accounts and tokens, roles, the
outbox, the taxonomy, the API kit (``marketplace.core.api``) and the web kit (``marketplace.core.web``).
"""

from marketplace.core.audit import audit
from marketplace.core.csv import CsvWriter
from marketplace.core.errors import (
    Conflict,
    DomainError,
    InsufficientFunds,
    InvalidTransition,
    NotAllowed,
    NotFound,
)
from marketplace.core.fastpaths import ChecksInOneQuery
from marketplace.core.mail import MAIL_SUBJECT_MAX, one_line, send_mail_each, site_url
from marketplace.core.money import (
    MAX_AMOUNT,
    check_amount,
    currency_label,
    format_money,
    minor_to_decimal_str,
    parse_money,
)
from marketplace.core.params import MAX_WHOLE_NUMBER, echo, parse_whole_number
from marketplace.core.transitions import check_transition, update_fields
from marketplace.core.web import form_add_errors

__all__ = [
    "MAIL_SUBJECT_MAX",
    "MAX_AMOUNT",
    "MAX_WHOLE_NUMBER",
    "ChecksInOneQuery",
    "Conflict",
    "CsvWriter",
    "DomainError",
    "InsufficientFunds",
    "InvalidTransition",
    "NotAllowed",
    "NotFound",
    "audit",
    "check_amount",
    "check_transition",
    "currency_label",
    "echo",
    "form_add_errors",
    "format_money",
    "minor_to_decimal_str",
    "one_line",
    "parse_money",
    "parse_whole_number",
    "send_mail_each",
    "site_url",
    "update_fields",
]

"""Import past collaborations with their outcomes from CSV (``manage.py import_history``).

The package: ``rows`` (columns and cell checks), ``parse`` (the file, the defaults), ``write`` (the
import). Every row is validated first; any error aborts the whole import with "row N, column C: reason"
messages and nothing is written. The format is documented in docs/import-history.md.

Re-importing is safe: an order is known by its brand and ``order_ref`` (Order.import_ref), a row by
those and its creator. A row already on record is left as it is and counted; new rows of an order
already on record are added to it.
"""

from orders.history_import.parse import defaults_report, lookups, parse
from orders.history_import.rows import (
    OPTIONAL,
    REQUIRED,
    UNKNOWN_BRAND,
    UNKNOWN_BRAND_SLUG,
    HistoryImportResult,
    ImportFailed,
    ParsedOrder,
)
from orders.history_import.write import already_imported, brand_key, history_import

__all__ = [
    "OPTIONAL",
    "REQUIRED",
    "UNKNOWN_BRAND",
    "UNKNOWN_BRAND_SLUG",
    "HistoryImportResult",
    "ImportFailed",
    "ParsedOrder",
    "already_imported",
    "brand_key",
    "defaults_report",
    "history_import",
    "lookups",
    "parse",
]

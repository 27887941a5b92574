"""The history file's columns and the row checks: each cell parsed, every problem recorded as "row N, column C:
reason" instead of raised (docs/import-history.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from creators.platform_handles import AmbiguousHandle, HandleLookup, UnknownHandle
from marketplace.core import echo, parse_money, parse_whole_number
from marketplace.core.audience import AGE_BUCKETS, GENDERS, canonical_region, code_hint, regions
from marketplace.core.csv import imported_moment
from marketplace.core.models import ContentFormat
from marketplace.core.taxonomy import LABEL_WEIGHT_DROPPED_BELOW
from orders.models import Order
from orders.services.results import MAX_COUNT

REQUIRED = ("order_ref", "goal", "format", "creator", "accepted")
OPTIONAL = (
    "brand",
    "order_title",
    "product_category",
    "published_at",
    "target_labels",
    "target_age",
    "target_gender",
    "target_regions",
    "price_per_creator",
    "creator_platform",
    "agreed_price",
    "offered_at",
    "completed_on_time",
    "rating",
    "views",
    "engagements",
    "conversions",
)
ORDER_FIELDS = (
    "brand",
    "order_title",
    "product_category",
    "goal",
    "format",
    "published_at",
    "target_labels",
    "target_age",
    "target_gender",
    "target_regions",
    "price_per_creator",
)
# Orders whose brand the file does not name all belong to this one brand (docs/import-history.md).
UNKNOWN_BRAND = "Brand unknown (imported history)"
UNKNOWN_BRAND_SLUG = "brand-unknown-imported-history"
MAX_KEPT_ERRORS = 1000  # errors kept for printing; every error is counted
PROGRESS_EVERY = 500
TRUE, FALSE = {"1", "true", "yes", "y", "t"}, {"0", "false", "no", "n", "f"}


class ImportFailed(Exception):
    def __init__(self, errors: list[str], total: int):
        self.errors, self.total = errors[:MAX_KEPT_ERRORS], total
        super().__init__(f"{total} error(s)")


@dataclass(frozen=True)
class HistoryImportResult:
    orders: int  # orders the file's new rows went to
    new_orders: int  # of which created by this import
    collaborations: int  # rows written
    already: int  # rows already on record (same brand, order_ref and creator), left as they are


@dataclass
class ParsedOrder:
    ref: str
    row: int
    values: dict
    raw: dict
    collaborations: list[dict] = field(default_factory=list)
    defaulted: set[str] = field(default_factory=set)  # the columns filled by a default (_fill_defaults)


class Row:
    """Parsing helpers that record "row N, column C: reason" instead of raising."""

    def __init__(self, number: int, data: dict, errors: list[str]):
        self.number, self.data, self.errors = number, data, errors

    def fail(self, column: str, reason: str):
        self.errors.append(f"row {self.number}, column {column}: {reason}")

    def text(self, column: str, *, required: bool = False, max_length: int = 200) -> str:
        value = (self.data.get(column) or "").strip()
        if required and not value:
            self.fail(column, "is required")
        elif "\x00" in value or len(value) > max_length:
            self.fail(column, f"must be at most {max_length} characters of text")
        return value

    def choice(self, column: str, choices) -> str | None:
        value = self.text(column, required=True)
        if value and value not in choices:
            self.fail(column, f"unknown value {echo(value)!r}; {code_hint(value, choices)}")
            return None
        return value or None

    def integer(self, column: str, *, low: int = 0, high: int = MAX_COUNT) -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return parse_whole_number(value, low=low, high=high)
        except ValueError as exc:
            self.fail(column, str(exc))
            return None

    def stars(self, column: str) -> int | None:
        """A rating: whole stars 1–5, as brands rate on Starmap; "4.0" is 4, "4.5" is refused (not guessed)."""
        value = self.text(column)
        if not value:
            return None
        whole, _, zeros = value.partition(".")
        if whole in {"1", "2", "3", "4", "5"} and set(zeros) <= {"0"}:
            return int(whole)
        self.fail(
            column,
            f"{echo(value)!r} is not a whole number of stars from 1 to 5 (ratings are whole stars, as brands rate on "
            "Starmap): round half stars before importing",
        )
        return None

    def money(self, column: str, *, required: bool) -> int | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            amount = parse_money(value)
        except ValueError as exc:
            self.fail(column, f"{echo(value)!r}: {exc}")
            return None
        if amount <= 0:
            self.fail(column, "must be more than zero")
            return None
        return amount

    def boolean(self, column: str, *, required: bool) -> bool | None:
        value = self.text(column, required=required).lower()
        if not value:
            return None
        if value not in TRUE | FALSE:
            self.fail(column, f"{echo(value)!r} is not yes or no")
            return None
        return value in TRUE

    def moment(self, column: str) -> datetime | None:
        """A date or date-time within the bounds of every import (marketplace.core.csv), and in the past."""
        value = self.text(column)
        if not value:
            return None
        try:
            parsed = imported_moment(value)
        except ValueError as exc:
            self.fail(column, str(exc))
            return None
        if parsed > timezone.now():
            self.fail(column, "is in the future; history must be in the past")
            return None
        return parsed

    def codes(self, column: str, allowed, normalise=str.strip) -> list[str]:
        values = [normalise(v) for v in self.text(column, max_length=2000).split(";") if v.strip()]
        for value in values:
            if value not in allowed:
                self.fail(column, f"unknown value {echo(value)!r}; {code_hint(value, allowed)}")
        return [v for v in values if v in allowed]


def order_values(row: Row, labels, categories) -> dict:
    category = row.text("product_category")
    if category and category not in categories:
        row.fail("product_category", f"{echo(category)!r} is not an IAB Ad Product 2.0 unique id")
    target_labels = []
    for part in [p for p in row.text("target_labels", max_length=2000).split(";") if p.strip()]:
        iab_id, _, weight = part.strip().partition(":")
        try:
            w = float(weight) if weight else 1.0
        except ValueError:
            w = -1
        if iab_id not in labels or not 0 <= w <= 1:
            row.fail("target_labels", f"{echo(part.strip())!r} is not <IAB 3.1 id>[:weight from 0 to 1]")
        elif w >= LABEL_WEIGHT_DROPPED_BELOW:  # a weight that rounds to 0 drops the label
            target_labels.append((labels[iab_id], w))
    return {
        "brand": " ".join(row.text("brand", max_length=160).split()),  # runs of spaces are one (brand_key)
        "title": row.text("order_title"),
        "product_category_id": categories.get(category),
        "goal": row.choice("goal", Order.Goal.values),
        "format": row.choice("format", ContentFormat.values),
        "published_at": row.moment("published_at"),
        "target_labels": target_labels,
        "target_age": row.codes("target_age", AGE_BUCKETS),
        "target_gender": row.codes("target_gender", GENDERS),
        "target_regions": row.codes("target_regions", regions(), normalise=canonical_region),
        "price_per_creator": row.money("price_per_creator", required=False),
    }


def collaboration_values(row: Row, creators: HandleLookup) -> dict:
    handle = row.text("creator", required=True)
    platform = row.text("creator_platform")
    creator_id = None
    if handle:
        try:
            creator_id = creators.resolve(handle, platform)
        except AmbiguousHandle as exc:
            row.fail("creator", f"{exc}; add a creator_platform column")
        except UnknownHandle as exc:
            row.fail("creator", str(exc))
    accepted = row.boolean("accepted", required=True)
    on_time = row.boolean("completed_on_time", required=False)
    rating = row.stars("rating")
    results = {name: row.integer(name) for name in ("views", "engagements", "conversions")}
    if not accepted and (on_time is not None or rating is not None):
        row.fail("accepted", "is no, but the row has a completion or rating")
    elif not accepted and any(value is not None for value in results.values()):
        row.fail("accepted", "is no, but the row has results (views, engagements or conversions)")
    return {
        "row": row.number,
        "creator_id": creator_id,
        "agreed_price": row.money("agreed_price", required=False),
        "offered_at": row.moment("offered_at"),
        "accepted": accepted,
        "completed_on_time": on_time,
        "brand_rating": rating,
        **results,
    }

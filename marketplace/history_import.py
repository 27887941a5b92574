"""Import past collaborations with their outcomes from CSV (``manage.py import_history``).

Every row is validated first; any error aborts the whole import with "row N, column C: reason"
messages and nothing is written. The format is documented in docs/import-history.md.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from brands.models import Brand
from creators.models import Creator
from marketplace.audience import AGE_BUCKETS, GENDERS, regions
from marketplace.core import echoed, parse_money
from marketplace.history import refresh_creator_history
from marketplace.models import Collaboration, ContentFormat, Label, Order, OrderTargetLabel, ProductCategory

REQUIRED = (
    "order_ref",
    "brand",
    "order_title",
    "product_category",
    "goal",
    "format",
    "published_at",
    "creator",
    "agreed_price",
    "offered_at",
    "accepted",
)
OPTIONAL = (
    "target_labels",
    "target_age",
    "target_gender",
    "target_regions",
    "price_per_creator",
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
MAX_ERRORS = 50
TRUE, FALSE = {"1", "true", "yes", "y", "t"}, {"0", "false", "no", "n", "f"}


class ImportFailed(Exception):
    def __init__(self, errors: list[str], total: int):
        self.errors, self.total = errors, total
        super().__init__(f"{total} error(s)")


@dataclass
class ParsedOrder:
    ref: str
    row: int
    values: dict
    raw: dict
    collaborations: list[dict] = field(default_factory=list)


class _Row:
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
            self.fail(column, f"{echoed(value)} is not one of {', '.join(choices)}")
            return None
        return value or None

    def integer(self, column: str, *, low: int = 0, high: int = 10**13) -> int | None:
        value = self.text(column)
        if not value:
            return None
        if not value.isdigit() or not low <= int(value) <= high:
            self.fail(column, f"{echoed(value)} is not a whole number between {low} and {high}")
            return None
        return int(value)

    def money(self, column: str, *, required: bool) -> int | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            amount = parse_money(value)
        except ValueError as exc:
            self.fail(column, f"{echoed(value)}: {exc}")
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
            self.fail(column, f"{echoed(value)} is not yes or no")
            return None
        return value in TRUE

    def moment(self, column: str) -> datetime | None:
        value = self.text(column, required=True)
        if not value:
            return None
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime.combine(day, time(12))
        if parsed is None:
            self.fail(column, f"{echoed(value)} is not a date (YYYY-MM-DD) or date-time (ISO 8601)")
            return None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
        if parsed > timezone.now():
            self.fail(column, "is in the future; history must be in the past")
            return None
        return parsed

    def codes(self, column: str, allowed) -> list[str]:
        values = [v.strip() for v in self.text(column, max_length=2000).split(";") if v.strip()]
        unknown = [v for v in values if v not in allowed]
        if unknown:
            self.fail(column, f"unknown value(s) {', '.join(unknown)}")
        return [v for v in values if v in allowed]


def parse(handle: IO[str], *, labels: dict[str, int], categories: dict[str, int]):
    """Validate the whole file; return parsed orders or raise ImportFailed with every error."""
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    errors: list[str] = []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing:
        errors.append(f"row 1 (header): missing column(s) {', '.join(missing)}")
    if unknown:
        errors.append(f"row 1 (header): unknown column(s) {', '.join(unknown)}")
    if errors:
        raise ImportFailed(errors, len(errors))
    data_rows = list(reader)
    creators = _creators_by_handle({(r.get("creator") or "").strip() for r in data_rows})
    orders: dict[str, ParsedOrder] = {}
    seen_pairs: set[tuple[str, int]] = set()
    rows = 0
    for number, data in enumerate(data_rows, start=2):
        rows += 1
        row = _Row(number, data, errors)
        ref = row.text("order_ref", required=True)
        order_values = _order_values(row, labels, categories)
        raw = {c: (data.get(c) or "").strip() for c in ORDER_FIELDS}
        if ref in orders and orders[ref].raw != raw:
            differing = next(c for c in ORDER_FIELDS if orders[ref].raw[c] != raw[c])
            row.fail(differing, f"differs from row {orders[ref].row}, which has the same order_ref {echoed(ref)}")
        parsed = orders.setdefault(ref, ParsedOrder(ref, number, order_values, raw))
        collaboration = _collaboration_values(row, creators)
        key = (ref, collaboration.get("creator_id"))
        if collaboration.get("creator_id") and key in seen_pairs:
            row.fail("creator", "appears twice on the same order")
        seen_pairs.add(key)
        parsed.collaborations.append(collaboration)
    if rows == 0:
        errors.append("the file has a header but no rows")
    if errors:
        raise ImportFailed(errors[:MAX_ERRORS], len(errors))
    return list(orders.values())


def _order_values(row: _Row, labels, categories) -> dict:
    category = row.text("product_category", required=True)
    if category and category not in categories:
        row.fail("product_category", f"{echoed(category)} is not an IAB Ad Product 2.0 unique id")
    target_labels = []
    for part in [p for p in row.text("target_labels", max_length=2000).split(";") if p.strip()]:
        iab_id, _, weight = part.strip().partition(":")
        try:
            w = float(weight) if weight else 1.0
        except ValueError:
            w = -1
        if iab_id not in labels or not 0 < w <= 1:
            row.fail("target_labels", f"{echoed(part.strip())} is not <IAB 3.1 id>[:weight in (0, 1]]")
        else:
            target_labels.append((labels[iab_id], w))
    return {
        "brand": row.text("brand", required=True, max_length=160),
        "title": row.text("order_title", required=True),
        "product_category_id": categories.get(category),
        "goal": row.choice("goal", Order.Goal.values),
        "format": row.choice("format", ContentFormat.values),
        "published_at": row.moment("published_at"),
        "target_labels": target_labels,
        "target_age": row.codes("target_age", AGE_BUCKETS),
        "target_gender": row.codes("target_gender", GENDERS),
        "target_regions": row.codes("target_regions", regions()),
        "price_per_creator": row.money("price_per_creator", required=False),
    }


def _collaboration_values(row: _Row, creators) -> dict:
    handle = row.text("creator", required=True)
    if handle and handle not in creators:
        row.fail("creator", f"no creator with handle {echoed(handle)}")
    accepted = row.boolean("accepted", required=True)
    on_time = row.boolean("completed_on_time", required=False)
    rating = row.integer("rating", low=1, high=5)
    results = {name: row.integer(name) for name in ("views", "engagements", "conversions")}
    if not accepted and (on_time is not None or rating is not None):
        row.fail("accepted", "is no, but the row has a completion or rating")
    elif not accepted and any(value is not None for value in results.values()):
        row.fail("accepted", "is no, but the row has results (views, engagements or conversions)")
    return {
        "creator_id": creators.get(handle),
        "agreed_price": row.money("agreed_price", required=True),
        "offered_at": row.moment("offered_at"),
        "accepted": accepted,
        "completed_on_time": on_time,
        "brand_rating": rating,
        **results,
    }


@transaction.atomic
def history_import(*, orders: list[ParsedOrder]) -> tuple[int, int]:
    """Write validated orders and their collaborations; returns (orders, collaborations)."""
    brands = {}
    collaborations = 0
    for parsed in orders:
        v = parsed.values
        brand = brands.get(v["brand"]) or _brand(v["brand"])
        brands[v["brand"]] = brand
        order = Order.objects.create(
            brand=brand,
            title=v["title"],
            product_name=v["title"],
            product_category_id=v["product_category_id"],
            goal=v["goal"],
            format=v["format"],
            target_age=v["target_age"],
            target_gender=v["target_gender"],
            target_regions=v["target_regions"],
            currency=settings.CURRENCY,
            price_per_creator=v["price_per_creator"] or max(c["agreed_price"] for c in parsed.collaborations),
            creators_wanted=max(1, sum(1 for c in parsed.collaborations if c["accepted"])),
        )
        Order.objects.filter(pk=order.pk).update(
            status=Order.Status.CLOSED,
            published_at=v["published_at"],
            created_at=v["published_at"],
            closed_at=v["published_at"] + timedelta(days=45),
        )
        OrderTargetLabel.objects.bulk_create(
            [OrderTargetLabel(order=order, label_id=label, weight=w) for label, w in v["target_labels"]]
        )
        Collaboration.objects.bulk_create(
            [
                Collaboration(
                    order=order,
                    origin=Collaboration.Origin.IMPORT,
                    currency=settings.CURRENCY,
                    status=Collaboration.Status.SETTLED if c["accepted"] else Collaboration.Status.CLOSED,
                    completed_at=c["offered_at"] + timedelta(days=30) if c["completed_on_time"] is not None else None,
                    **c,
                )
                for c in parsed.collaborations
            ]
        )
        collaborations += len(parsed.collaborations)
    refresh_creator_history()
    return len(orders), collaborations


def _brand(name: str) -> Brand:
    slug = slugify(name)[:70] or "brand"
    existing = Brand.objects.filter(slug=slug).first() or Brand.objects.filter(name=name).first()
    if existing:
        return existing
    return Brand.objects.create(name=name, slug=slug)


def lookups() -> dict:
    return {
        "labels": dict(Label.objects.values_list("iab_id", "id")),
        "categories": dict(ProductCategory.objects.values_list("iab_id", "id")),
    }


def _creators_by_handle(handles: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(h for h in handles if h)
    for start in range(0, len(ordered), 10_000):
        found.update(Creator.objects.filter(handle__in=ordered[start : start + 10_000]).values_list("handle", "id"))
    return found

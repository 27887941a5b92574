"""Import past collaborations with their outcomes from CSV (``manage.py import_history``).

Every row is validated first; any error aborts the whole import with "row N, column C: reason"
messages and nothing is written. The format is documented in docs/import-history.md.

Re-importing is safe: an order is known by its brand and ``order_ref`` (Order.import_ref), a row by
those and its creator. A row already on record is left as it is and counted; new rows of an order
already on record are added to it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from brands.models import Brand
from creators.platform_handles import AmbiguousHandle, HandleLookup, UnknownHandle
from marketplace.core import echo, parse_money, parse_whole_number
from marketplace.core.audience import AGE_BUCKETS, GENDERS, canonical_region, code_hint, regions
from marketplace.core.models import ContentFormat, Label, ProductCategory
from marketplace.core.taxonomy import LABEL_WEIGHT_DROPPED_BELOW
from orders.models import Collaboration, Order, OrderTargetLabel
from orders.services.track_record import refresh_creator_history

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
            self.fail(column, f"unknown value {echo(value)!r}; {code_hint(value, choices)}")
            return None
        return value or None

    def integer(self, column: str, *, low: int = 0, high: int = 10**13) -> int | None:
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
        value = self.text(column)
        if not value:
            return None
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime.combine(day, time(12))
        if parsed is None:
            self.fail(column, f"{echo(value)!r} is not a date (YYYY-MM-DD) or date-time (ISO 8601)")
            return None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
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


def parse(
    handle: IO[str],
    *,
    labels: dict[str, int],
    categories: dict[str, int],
    progress: Callable[[str, int, int], None] | None = None,
):
    """Validate the whole file; return parsed orders or raise ImportFailed with every error.

    ``progress(stage, advance, total)`` is told about the rows checked ("validate")."""
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
    creators = HandleLookup({(r.get("creator") or "").strip() for r in data_rows})
    orders: dict[str, ParsedOrder] = {}
    seen_pairs: set[tuple[str, int]] = set()
    rows = 0
    for number, data in enumerate(data_rows, start=2):
        rows += 1
        if progress is not None and (rows % PROGRESS_EVERY == 0 or rows == len(data_rows)):
            progress("validate", rows - PROGRESS_EVERY * ((rows - 1) // PROGRESS_EVERY), len(data_rows))
        row = _Row(number, data, errors)
        ref = row.text("order_ref", required=True)
        order_values = _order_values(row, labels, categories)
        raw = {c: (data.get(c) or "").strip() for c in ORDER_FIELDS}
        if ref in orders and orders[ref].raw != raw:
            differing = next(c for c in ORDER_FIELDS if orders[ref].raw[c] != raw[c])
            row.fail(differing, f"differs from row {orders[ref].row}, which has the same order_ref {echo(ref)!r}")
        parsed = orders.setdefault(ref, ParsedOrder(ref, number, order_values, raw))
        collaboration = _collaboration_values(row, creators)
        _offer_after_publishing(row, parsed.values["published_at"], collaboration["offered_at"])
        key = (ref, collaboration.get("creator_id"))
        if collaboration.get("creator_id") and key in seen_pairs:
            row.fail("creator", "appears twice on the same order")
        seen_pairs.add(key)
        parsed.collaborations.append(collaboration)
    if rows == 0:
        errors.append("the file has a header but no rows")
    if not errors:
        _fill_defaults(list(orders.values()), errors)
    if errors:
        raise ImportFailed(errors, len(errors))
    return list(orders.values())


def _offer_after_publishing(row: _Row, published: datetime | None, offered: datetime | None) -> None:
    """An offer is sent after its order is published: one dated an earlier day is a mistake in the file."""
    if published is None or offered is None:
        return
    published_day, offered_day = timezone.localdate(published), timezone.localdate(offered)
    if offered_day < published_day:
        row.fail(
            "offered_at",
            f"{offered_day} is before the order's published_at ({published_day}); "
            "an offer is sent after its order is published",
        )


def _fill_defaults(orders: list[ParsedOrder], errors: list[str]) -> None:
    """What the file left out, as docs/import-history.md says: dates from each other (else today),
    agreed prices from the order's budget (else the creator's rate card), the brand's industry as the
    category, the order_ref as the title."""
    now = timezone.now()
    prices = _rate_cards(orders)
    industries = dict(Brand.objects.filter(industry__isnull=False).values_list("name", "industry_id"))
    for parsed in orders:
        v = parsed.values
        offers = [c["offered_at"] for c in parsed.collaborations if c["offered_at"] is not None]
        missing = {name for name in ("published_at", "title", "brand", "product_category_id") if not v[name]}
        missing |= {
            name for name in ("offered_at", "agreed_price") if any(c[name] is None for c in parsed.collaborations)
        }
        parsed.defaulted = missing
        v["published_at"] = v["published_at"] or (min(offers) if offers else now)
        v["title"] = v["title"] or parsed.ref
        v["brand"] = v["brand"] or UNKNOWN_BRAND
        if v["product_category_id"] is None:
            v["product_category_id"] = industries.get(v["brand"])
        for c in parsed.collaborations:
            row = c.pop("row")
            c["offered_at"] = c["offered_at"] or v["published_at"]
            if c["agreed_price"] is None:
                c["agreed_price"] = v["price_per_creator"] or prices.get((c["creator_id"], v["format"]))
            if c["agreed_price"] is None:
                errors.append(
                    f"row {row}, column agreed_price: is required when the order has no price_per_creator "
                    f"and the creator no rate-card price for {v['format']}"
                )


DEFAULT_NOTES = {
    "brand": f"without a brand: filed under {UNKNOWN_BRAND!r}",
    "title": "without a title: titled by their order_ref",
    "product_category_id": "without a product category: the brand's industry, else unknown",
    "published_at": "without published_at: their earliest offer, else today",
    "offered_at": "with offers without offered_at: dated when the order was published",
    "agreed_price": "with offers without agreed_price: the order's price_per_creator, else the rate card",
}


def defaults_report(orders: list[ParsedOrder]) -> list[str]:
    """One line per default the import applied: how many orders it touched and what it filled in."""
    lines = []
    for name, note in DEFAULT_NOTES.items():
        count = sum(1 for o in orders if name in o.defaulted)
        if count:
            lines.append(f"{count} order(s) {note}")
    return lines


def _rate_cards(orders: list[ParsedOrder]) -> dict[tuple[int, str], int]:
    """(creator id, format) → the price in force today, for the creators of these orders."""
    from creators.models import RatePrice

    ids = {c["creator_id"] for o in orders for c in o.collaborations if c["agreed_price"] is None}
    rows = (
        RatePrice.objects.filter(creator_id__in=ids, effective_from__lte=timezone.now().date())
        .order_by("creator_id", "format", "-effective_from")
        .distinct("creator_id", "format")
        .values_list("creator_id", "format", "amount")
    )
    return {(creator, fmt): amount for creator, fmt, amount in rows}


def _order_values(row: _Row, labels, categories) -> dict:
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
        "brand": row.text("brand", max_length=160),
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


def _collaboration_values(row: _Row, creators: HandleLookup) -> dict:
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


@transaction.atomic
def history_import(
    *, orders: list[ParsedOrder], progress: Callable[[str, int, int], None] | None = None
) -> HistoryImportResult:
    """Write validated orders and their collaborations, leaving rows already on record as they are."""
    brands: dict[str, Brand] = {}
    on_record = _on_record(orders, lock=True)
    touched = new_orders = collaborations = already = 0
    for parsed in orders:
        v = parsed.values
        if progress is not None:
            progress("write", 1, len(orders))
        existing = on_record.get((v["brand"], parsed.ref))
        fresh = [c for c in parsed.collaborations if not existing or c["creator_id"] not in existing[1]]
        already += len(parsed.collaborations) - len(fresh)
        if not fresh:
            continue
        touched += 1
        order = existing[0] if existing else None
        if order is None:
            brand = brands.get(v["brand"]) or _brand(v["brand"])
            brands[v["brand"]] = brand
            order = _create_order(brand, parsed)
            new_orders += 1
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
                for c in fresh
            ]
        )
        collaborations += len(fresh)
    if collaborations:
        refresh_creator_history()
    return HistoryImportResult(touched, new_orders, collaborations, already)


def already_imported(orders: list[ParsedOrder]) -> int:
    """How many of the file's rows are on record already (for --dry-run; reads, writes nothing)."""
    on_record = _on_record(orders)
    return sum(
        1
        for parsed in orders
        if (existing := on_record.get((parsed.values["brand"], parsed.ref)))
        for c in parsed.collaborations
        if c["creator_id"] in existing[1]
    )


def _on_record(orders: list[ParsedOrder], *, lock: bool = False) -> dict[tuple[str, str], tuple[Order, set[int]]]:
    """(brand name as in the file, order_ref) → the order imported before and its creators' ids.

    ``lock``: hold each brand's row until the import commits, so two imports of one file at once
    write its rows once (the second waits, then finds them)."""
    out = {}
    for name in sorted({parsed.values["brand"] for parsed in orders}):
        brand = _existing_brand(name)
        if brand is None:
            continue
        if lock:
            Brand.objects.select_for_update().filter(pk=brand.pk).values_list("pk", flat=True).first()
        refs = [parsed.ref for parsed in orders if parsed.values["brand"] == name]
        for order in Order.objects.filter(brand=brand, import_ref__in=refs):
            out[(name, order.import_ref)] = (order, set(order.collaborations.values_list("creator_id", flat=True)))
    return out


def _create_order(brand: Brand, parsed: ParsedOrder) -> Order:
    v = parsed.values
    order = Order.objects.create(
        brand=brand,
        import_ref=parsed.ref,
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
    return order


def _brand_slug(name: str) -> str:
    return UNKNOWN_BRAND_SLUG if name == UNKNOWN_BRAND else (slugify(name)[:70] or "brand")


def _existing_brand(name: str) -> Brand | None:
    return Brand.objects.filter(slug=_brand_slug(name)).first() or Brand.objects.filter(name=name).first()


def _brand(name: str) -> Brand:
    return _existing_brand(name) or Brand.objects.create(name=name, slug=_brand_slug(name))


def lookups() -> dict:
    return {
        "labels": dict(Label.objects.values_list("iab_id", "id")),
        "categories": dict(ProductCategory.objects.values_list("iab_id", "id")),
    }

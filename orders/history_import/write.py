"""Write checked history: orders and collaborations, never a row twice, each brand found by its name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Func, Value
from django.db.models.functions import Lower, Trim

from brands.models import Brand
from brands.services import brand_slug_for
from orders.history_import.rows import UNKNOWN_BRAND, UNKNOWN_BRAND_SLUG, HistoryImportResult, ParsedOrder
from orders.models import Collaboration, Order, OrderTargetLabel
from orders.services.track_record import refresh_creator_history


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
            brand = brands.get(brand_key(v["brand"])) or _brand(v["brand"])
            brands[brand_key(v["brand"])] = brand
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


def brand_key(name: str) -> str:
    """What a brand is known by in a history file: its name without case, runs of spaces as one
    ("Glow  labs" is Glow Labs). Never its slug, which a name such as 花西子 does not have."""
    return " ".join(name.split()).lower()


def _existing_brand(name: str) -> Brand | None:
    """The brand with this name (brand_key; the oldest if two share it), or the placeholder for no name."""
    if name == UNKNOWN_BRAND:
        return Brand.objects.filter(slug=UNKNOWN_BRAND_SLUG).first()
    collapsed = Func(Trim("name"), Value(r"\s+"), Value(" "), Value("g"), function="regexp_replace")
    return Brand.objects.annotate(key=Lower(collapsed)).filter(key=brand_key(name)).order_by("pk").first()


def _brand(name: str) -> Brand:
    """The brand of that name, or a new one with a free slug made as sign-up makes it (brand_slug_for)."""
    slug = UNKNOWN_BRAND_SLUG if name == UNKNOWN_BRAND else None
    return _existing_brand(name) or Brand.objects.create(name=name, slug=slug or brand_slug_for(name))

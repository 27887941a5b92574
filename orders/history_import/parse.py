"""Read and check a whole history file, then fill in what it left out (docs/import-history.md, "Defaults")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import IO

from django.utils import timezone

from brands.models import Brand
from creators.platform_handles import HandleLookup
from marketplace.core import echo
from marketplace.core.csv import CsvRefused, CsvTable, RowError, check_csv_text, header_errors
from marketplace.core.models import Label, ProductCategory
from orders.history_import.rows import (
    OPTIONAL,
    ORDER_FIELDS,
    PROGRESS_EVERY,
    REQUIRED,
    UNKNOWN_BRAND,
    ImportFailed,
    ParsedOrder,
    Row,
    collaboration_values,
    order_values,
)
from orders.history_import.write import brand_key


def parse(
    handle: IO[str] | str,
    *,
    labels: dict[str, int],
    categories: dict[str, int],
    progress: Callable[[str, int, int], None] | None = None,
):
    """Validate the whole file; return parsed orders or raise ImportFailed with every error.

    ``progress(stage, advance, total)`` is told about the rows checked ("validate")."""
    errors: list[str] = []
    data_rows = _read(handle if isinstance(handle, str) else handle.read(), errors)
    creators = HandleLookup({(r.get("creator") or "").strip() for _number, r in data_rows})
    orders: dict[str, ParsedOrder] = {}
    seen_pairs: set[tuple[str, int]] = set()
    rows = 0
    for number, data in data_rows:
        rows += 1
        if progress is not None and (rows % PROGRESS_EVERY == 0 or rows == len(data_rows)):
            progress("validate", rows - PROGRESS_EVERY * ((rows - 1) // PROGRESS_EVERY), len(data_rows))
        row = Row(number, data, errors)
        ref = row.text("order_ref", required=True)
        values = order_values(row, labels, categories)
        raw = {c: (data.get(c) or "").strip() for c in ORDER_FIELDS}
        if ref in orders and orders[ref].raw != raw:
            differing = next(c for c in ORDER_FIELDS if orders[ref].raw[c] != raw[c])
            row.fail(differing, f"differs from row {orders[ref].row}, which has the same order_ref {echo(ref)!r}")
        parsed = orders.setdefault(ref, ParsedOrder(ref, number, values, raw))
        collaboration = collaboration_values(row, creators)
        _offer_after_publishing(row, parsed.values["published_at"], collaboration["offered_at"])
        key = (ref, collaboration.get("creator_id"))
        if collaboration.get("creator_id") and key in seen_pairs:
            row.fail("creator", "appears twice on the same order")
        seen_pairs.add(key)
        parsed.collaborations.append(collaboration)
    if rows == 0 and not errors:
        errors.append("the file has a header but no rows")
    if not errors:
        _fill_defaults(list(orders.values()), errors)
    if errors:
        raise ImportFailed(errors, len(errors))
    return list(orders.values())


def _read(text: str, errors: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: cell}) of every well-formed row, read as every importer reads a CSV file
    (marketplace.core.csv); a whole-file or header problem is ImportFailed at once, a bad row joins ``errors``."""
    try:
        check_csv_text(text)
    except CsvRefused as refused:
        raise ImportFailed([str(refused.error)], 1) from None
    table = CsvTable(text, error=lambda row, column, message: errors.append(str(RowError(row, column, message))))
    errors += [str(e) for e in header_errors(table.header, known=REQUIRED + OPTIONAL, required=REQUIRED)]
    if errors:
        raise ImportFailed(errors, len(errors))
    return [(number, dict(zip(table.header, values, strict=True))) for number, values in table.rows()]


def _offer_after_publishing(row: Row, published: datetime | None, offered: datetime | None) -> None:
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
    industries = {
        brand_key(name): industry
        for name, industry in Brand.objects.filter(industry__isnull=False)
        .order_by("-pk")
        .values_list("name", "industry_id")
    }
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
            v["product_category_id"] = industries.get(brand_key(v["brand"]))
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


def lookups() -> dict:
    return {
        "labels": dict(Label.objects.values_list("iab_id", "id")),
        "categories": dict(ProductCategory.objects.values_list("iab_id", "id")),
    }

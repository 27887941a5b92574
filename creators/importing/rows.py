"""The creators CSV's columns and the row parser that checks every cell of every row (docs/import-creators.md),
collecting errors as RowError (row, column, reason) instead of stopping at the first."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from creators.bulk import CreatorRecord
from creators.handles import normalise_handle
from creators.models import MAX_FOLLOWERS, Creator, Platform
from creators.platform_handles import derive_handles, normalise_platform_handle
from creators.services import check_rate_card_price
from marketplace.core import parse_money, parse_whole_number
from marketplace.core.audience import AGE_BUCKETS, GENDERS, canonical_region, code_hint, regions, validate_distribution
from marketplace.core.csv import CsvTable, RowError, header_errors
from marketplace.core.models import ContentFormat, Label, VerificationStatus
from marketplace.core.taxonomy import LABEL_WEIGHT_DROPPED_BELOW

REQUIRED_COLUMNS = ("display_name",)
NAME_COLUMNS = ("handle", "platform_handle")  # a file needs one of them, a row at least one
PRICE_COLUMNS = {f"price_{value}": value for value in ContentFormat.values}
COLUMNS = (
    "handle",
    "display_name",
    "platform",
    "platform_handle",
    "country",
    "bio",
    "content_sample",
    "followers",
    "median_views_30d",
    "median_views_90d",
    "engagement_rate",
    "completion_rate",
    "hit_video_share",
    "follower_growth_30d",
    "fulfilment_rate",
    "fulfilment_orders",
    "avg_rating",
    "rating_count",
    "labels",
    "audience_age",
    "audience_gender",
    "audience_region",
    *PRICE_COLUMNS,
    "max_concurrent",
    "current_load",
    "verification",
    "is_active",
)
# Columns whose name in the file differs from the creator's field.
FIELD_OF_COLUMN = {"current_load": "external_load"}
MAX_KEPT_ERRORS = 1000
DISPLAY_NAME_MAX_LENGTH = Creator._meta.get_field("display_name").max_length
MAX_CONCURRENT = 32767
MAX_ORDER_COUNT = 1_000_000
# Imported track-record rates and the number of orders behind each (creators.track_record).
TRACK_RECORD_COUNTS = {"fulfilment_rate": "fulfilment_orders", "avg_rating": "rating_count"}
PROGRESS_EVERY = 2000
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})

Progress = Callable[[str, int, int], None]
"""``progress(stage, advance, total)``: stage is "validate" (lines) or "write" (rows)."""


class RowParser:
    """Turns rows into CreatorRecords; collects every error instead of stopping at the first."""

    def __init__(self, *, default_verification: str | None = None) -> None:
        self.errors: list[RowError] = []
        self.error_count = 0
        self.default_verification = default_verification
        self.handle_rows: dict[str, int] = {}
        self.platform_handle_rows: dict[tuple[str, str], int] = {}
        self.label_ids = dict(Label.objects.values_list("iab_id", "pk"))
        self.regions = regions()
        self.platforms = frozenset(Platform.values)
        self.verifications = frozenset(VerificationStatus.values)
        self.audience_kinds = {"audience_age": _("Age"), "audience_gender": _("Gender"), "audience_region": _("Region")}
        self.fields: dict[str, Callable[[str], object]] = {
            "handle": self.handle,
            "display_name": self.display_name,
            "platform": self.platform,
            "platform_handle": str,  # checked in record(), against the row's platform
            "country": self.country,
            "bio": str,
            "content_sample": self.content_sample,
            "followers": self.count,  # followers and views: at most MAX_FOLLOWERS, as every filter takes them
            "median_views_30d": self.count,
            "median_views_90d": self.count,
            "engagement_rate": self.fraction,
            "completion_rate": self.fraction,
            "hit_video_share": self.fraction,
            "follower_growth_30d": self.finite,
            "fulfilment_rate": self.fraction,
            "fulfilment_orders": self.order_count,
            "avg_rating": self.rating,
            "rating_count": self.order_count,
            "labels": self.labels,
            "audience_age": lambda raw: self.audience(raw, "audience_age", AGE_BUCKETS, str.lower),
            "audience_gender": lambda raw: self.audience(raw, "audience_gender", GENDERS, str.lower),
            "audience_region": lambda raw: self.audience(raw, "audience_region", self.regions, canonical_region),
            "max_concurrent": self.capacity,
            "current_load": self.load,
            "verification": self.verification,
            "is_active": self.boolean,
        }

    def error(self, row: int | None, column: str | None, message: str) -> bool:
        """Record an error; returns False so callers can write ``ok = self.error(...)``."""
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(RowError(row, column, message))
        return False

    def parse(self, text: str, *, progress: Progress | None) -> list[CreatorRecord]:
        total_lines = text.count("\n") + (not text.endswith("\n"))
        table = CsvTable(text, error=self.error)
        fields, prices = self.header(table.header)
        if self.error_count:
            return []
        records: list[CreatorRecord] = []
        reported = 1
        if progress:
            progress("validate", 0, total_lines - 1)
        for row, values in table.rows():
            record = self.record(row, values, fields, prices)
            if record is not None:
                records.append(record)
            if progress and table.line_num - reported >= PROGRESS_EVERY:
                progress("validate", table.line_num - reported, total_lines - 1)
                reported = table.line_num
        if progress:
            progress("validate", table.line_num - reported, total_lines - 1)
        if not records and not self.error_count:
            self.error(None, None, _("The file has a header but no data rows."))
        return records

    def header(self, names: list[str]) -> tuple[list[tuple], list[tuple]]:
        """Check the header; return (index, column, parser, required) fields and (index, column, format) prices."""
        for error in header_errors(names, known=COLUMNS, required=REQUIRED_COLUMNS):
            self.error(error.row, error.column, error.message)
        if not any(name in names for name in NAME_COLUMNS):
            self.error(1, "handle", _("Give a handle column, a platform_handle column or both."))
        fields, prices = [], []
        for index, name in enumerate(names):
            if name in PRICE_COLUMNS:
                prices.append((index, name, PRICE_COLUMNS[name]))
            elif name in self.fields:
                fields.append((index, name, self.fields[name], name in REQUIRED_COLUMNS))
        return fields, prices

    def record(self, row: int, values: list[str], fields: list[tuple], prices: list[tuple]) -> CreatorRecord | None:
        # The hot loop of a large import: keep it to dict and list operations.
        kwargs: dict[str, object] = {}
        ok = True
        failed: list[str] = []  # columns whose cell was refused (their errors are already recorded)
        for index, name, parse, required in fields:
            raw = values[index].strip()
            if raw:
                try:
                    kwargs[name] = parse(raw)
                except ValueError as exc:
                    ok = self.error(row, name, str(exc))
                    failed.append(name)
            elif required:
                ok = self.error(row, name, _("This field is required."))
        rates = []
        for index, name, fmt in prices:
            raw = values[index].strip()
            if raw:
                try:
                    rates.append((fmt, self.price(raw)))
                except ValueError as exc:
                    ok = self.error(row, name, str(exc))
        for column, name in FIELD_OF_COLUMN.items():
            if column in kwargs:
                kwargs[name] = kwargs.pop(column)
        if "verification" not in kwargs and self.default_verification:
            kwargs["verification"] = self.default_verification
        for rate, count in TRACK_RECORD_COUNTS.items():
            ok = self.track_record_pair(row, kwargs, rate, count) and ok
        handle = kwargs.get("handle")
        if handle is not None:
            first = self.handle_rows.setdefault(handle, row)
            if first != row:
                ok = self.error(row, "handle", _("Duplicate handle; row %(row)s has it too.") % {"row": first})
        if "platform_handle" in kwargs:
            ok = self.platform_handle(row, kwargs) and ok
        elif handle is None and "handle" not in failed:
            ok = self.error(row, "handle", _("Give a handle, a platform_handle or both."))
        # An empty handle is derived from the platform handle once every row is known (derive_missing_handles).
        return CreatorRecord(**{"handle": "", **kwargs}, rates=rates) if ok else None

    def platform_handle(self, row: int, kwargs: dict) -> bool:
        """Normalise the row's platform handle by its platform's rules; one per platform in the file."""
        platform = kwargs.get("platform", CreatorRecord.platform)
        try:
            name = normalise_platform_handle(platform, kwargs["platform_handle"])
        except ValueError as exc:
            return self.error(row, "platform_handle", str(exc))
        kwargs["platform_handle"] = name
        first = self.platform_handle_rows.setdefault((platform, name), row)
        if first != row:
            message = _("Duplicate %(platform)s handle; row %(row)s has it too.")
            return self.error(row, "platform_handle", message % {"platform": Platform(platform).label, "row": first})
        return True

    def check_existing_handles(self) -> None:
        # One array parameter instead of an IN list: 100,000 handles cost one round trip, not 100,000 placeholders.
        # Handles compare without case (creators.handles.normalise_handle), as the sign-up form checks them.
        sql = f"SELECT lower(handle) FROM {Creator._meta.db_table} WHERE lower(handle) = ANY(%s)"  # noqa: S608
        with connection.cursor() as cur:
            cur.execute(sql, [list(self.handle_rows)])
            taken = {handle for (handle,) in cur.fetchall()}
        for handle in sorted(taken, key=self.handle_rows.__getitem__):
            self.error(self.handle_rows[handle], "handle", _("A creator with this handle already exists."))

    def check_existing_platform_handles(self) -> None:
        if not self.platform_handle_rows:
            return
        names = sorted({name for _, name in self.platform_handle_rows})
        taken = set(
            Creator.objects.filter(platform_handle__in=names)
            .values_list("platform", "platform_handle")
            .iterator(chunk_size=10_000)
        )
        for key in sorted(taken & set(self.platform_handle_rows), key=self.platform_handle_rows.__getitem__):
            message = _("A creator with this %(platform)s handle already exists.")
            self.error(
                self.platform_handle_rows[key], "platform_handle", message % {"platform": Platform(key[0]).label}
            )

    def derive_missing_handles(self, records: list[CreatorRecord]) -> list[tuple[str, str]]:
        """Give rows without a Starmap handle a free one made from their platform handle;
        returns (platform handle, derived handle) pairs."""
        missing = [r for r in records if not r.handle]
        if not missing:
            return []
        given = {handle.lower() for handle in self.handle_rows}

        def taken(candidates: list[str]) -> set[str]:
            sql = f"SELECT lower(handle) FROM {Creator._meta.db_table} WHERE lower(handle) = ANY(%s)"  # noqa: S608
            with connection.cursor() as cur:
                cur.execute(sql, [candidates])
                return {handle for (handle,) in cur.fetchall()} | (given & set(candidates))

        derived = derive_handles([r.platform_handle for r in missing], taken=taken)
        for record, handle in zip(missing, derived, strict=True):
            record.handle = handle
        return [(r.platform_handle, r.handle) for r in missing]

    # ------------------------------------------------------------ one cell each

    def handle(self, raw: str) -> str:
        try:
            return normalise_handle(raw)
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from None

    def display_name(self, raw: str) -> str:
        if len(raw) > DISPLAY_NAME_MAX_LENGTH:
            raise ValueError(_("At most %(max)s characters.") % {"max": DISPLAY_NAME_MAX_LENGTH})
        return raw

    def platform(self, raw: str) -> str:
        return self.choice(raw.lower(), self.platforms)

    def verification(self, raw: str) -> str:
        return self.choice(raw.lower(), self.verifications)

    def choice(self, value: str, allowed: frozenset[str]) -> str:
        if value not in allowed:
            raise ValueError(
                _("Unknown value %(value)r; %(hint)s") % {"value": value, "hint": code_hint(value, sorted(allowed))}
            )
        return value

    def country(self, raw: str) -> str:
        code = canonical_region(raw)
        if code not in self.regions:
            raise ValueError(
                _("Unknown region code %(code)r; %(hint)s") % {"code": raw, "hint": code_hint(raw, self.regions)}
            )
        return code

    def content_sample(self, raw: str) -> str:
        return "\n".join(title for part in raw.split("|") if (title := part.strip()))

    def count(self, raw: str) -> int:
        return parse_whole_number(raw, high=MAX_FOLLOWERS)

    def load(self, raw: str) -> int:
        return parse_whole_number(raw, high=MAX_CONCURRENT)

    def order_count(self, raw: str) -> int:
        return parse_whole_number(raw, low=1, high=MAX_ORDER_COUNT)

    def track_record_pair(self, row: int, kwargs: dict, rate: str, count: str) -> bool:
        """A count says how many orders its rate stands for: it needs the rate beside it."""
        if count in kwargs and rate not in kwargs:
            return self.error(row, count, _("Give %(rate)s too: a count needs the rate it counts.") % {"rate": rate})
        return True

    def capacity(self, raw: str) -> int:
        return parse_whole_number(raw, low=1, high=MAX_CONCURRENT)

    def finite(self, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(_("Enter a number like 0.05.")) from None
        if not math.isfinite(value):
            raise ValueError(_("Enter a finite number."))
        return value

    def fraction(self, raw: str) -> float:
        value = self.finite(raw)
        if not 0.0 <= value <= 1.0:
            raise ValueError(_("Must be between 0 and 1 (a fraction, not a percentage)."))
        return value

    def rating(self, raw: str) -> float:
        value = self.finite(raw)
        if not 1.0 <= value <= 5.0:
            raise ValueError(_("Must be between 1 and 5."))
        return value

    def boolean(self, raw: str) -> bool:
        value = raw.lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ValueError(_("Enter true or false."))

    def price(self, raw: str) -> int:
        if not raw.isascii():
            raise ValueError(_("Enter an amount like 1200 or 1200.50."))
        amount = parse_money(raw)
        if amount <= 0:
            raise ValueError(_("A price must be more than zero; leave the cell empty for no price."))
        try:
            check_rate_card_price(amount)  # the editor's bounds, so an import cannot set what a creator cannot
        except ValidationError as exc:
            raise ValueError(exc.message_dict["amount"][0]) from None
        return amount

    def labels(self, raw: str) -> list[tuple[int, float]]:
        labels: dict[int, float] = {}
        for part in raw.split(";"):
            iab_id, sep, weight_text = part.strip().partition(":")
            iab_id = iab_id.strip()
            if not iab_id:
                if sep or weight_text:
                    raise ValueError(_("Write labels as <IAB id>:<weight> separated by semicolons."))
                continue
            label_id = self.label_ids.get(iab_id)
            if label_id is None:
                raise ValueError(_("Unknown IAB 3.1 label id %(id)r.") % {"id": iab_id})
            weight = self.finite(weight_text) if sep else 1.0
            if not 0.0 <= weight <= 1.0:
                raise ValueError(
                    _("Label %(id)s: the weight must be from 0 to at most 1 (0 drops the label).") % {"id": iab_id}
                )
            if label_id in labels:
                raise ValueError(_("Label %(id)s appears twice.") % {"id": iab_id})
            labels[label_id] = weight
        return [(label, weight) for label, weight in labels.items() if weight >= LABEL_WEIGHT_DROPPED_BELOW]

    def audience(self, raw: str, column: str, allowed, normalise: Callable[[str], str]) -> dict:
        shares: dict[str, str] = {}
        for part in raw.split(";"):
            key, sep, share = part.partition(":")
            key = normalise(key.strip())
            if not sep or not key:
                if not part.strip():
                    continue
                raise ValueError(_("Write shares as <bucket>:<share> separated by semicolons."))
            if key in shares:
                raise ValueError(_("%(key)s appears twice.") % {"key": key})
            shares[key] = share  # float() in validate_distribution ignores surrounding spaces
        try:
            return validate_distribution(shares, kind=self.audience_kinds[column], allowed=allowed)
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from None

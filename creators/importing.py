"""Import creators from a CSV file: validate every row first, then write all of them or none.

The file format is documented in docs/import-creators.md. Validation never touches the
database per row: labels and existing handles are looked up in bulk, so a 100,000-row file
validates in seconds. Rows are numbered by the line they start on, the header being row 1.
"""

from __future__ import annotations

import csv
import difflib
import gc
import io
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from creators.bulk import CreatorRecord, write_creators
from creators.handles import validate_handle_not_reserved
from creators.models import Creator, Platform
from creators.services import check_rate_card_price
from marketplace.audience import AGE_BUCKETS, GENDERS, regions, validate_distribution
from marketplace.core import DomainError, parse_money, request_id_var
from marketplace.models import AuditLog, ContentFormat, Label, VerificationStatus

REQUIRED_COLUMNS = ("handle", "display_name")
PRICE_COLUMNS = {f"price_{value}": value for value in ContentFormat.values}
COLUMNS = (
    "handle",
    "display_name",
    "platform",
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
    "verification",
    "is_active",
)
MAX_KEPT_ERRORS = 1000
HANDLE_MAX_LENGTH = Creator._meta.get_field("handle").max_length
DISPLAY_NAME_MAX_LENGTH = Creator._meta.get_field("display_name").max_length
MAX_BIGINT = 2**63 - 1
MAX_CONCURRENT = 32767
MAX_ORDER_COUNT = 1_000_000
# Imported track-record rates and the number of orders behind each (marketplace.track_record).
TRACK_RECORD_COUNTS = {"fulfilment_rate": "fulfilment_orders", "avg_rating": "rating_count"}
PROGRESS_EVERY = 2000
UNIQUE_VIOLATION = "23505"
_HANDLE_RE = re.compile(r"[-a-zA-Z0-9_]+\Z")
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})

Progress = Callable[[str, int, int], None]
"""``progress(stage, advance, total)``: stage is "validate" (lines) or "write" (rows)."""


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return _("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class CreatorImportFailed(DomainError):
    """The file had errors; nothing was written. ``errors`` keeps the first MAX_KEPT_ERRORS of ``error_count``."""

    code = "import_failed"

    def __init__(self, errors: list[RowError], *, error_count: int | None = None):
        self.errors = errors
        self.error_count = len(errors) if error_count is None else error_count
        message = ngettext(
            "The file has %(count)s error; nothing was imported.",
            "The file has %(count)s errors; nothing was imported.",
            self.error_count,
        )
        super().__init__(message % {"count": self.error_count})

    def report(self, *, limit: int = 50) -> str:
        lines = [self.detail, *(str(error) for error in self.errors[:limit])]
        if self.error_count > limit:
            rest = self.error_count - limit
            lines.append(
                ngettext("… and %(count)s more error.", "… and %(count)s more errors.", rest) % {"count": rest}
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportResult:
    rows: int
    ids: list[int]


# ------------------------------------------------------------------ service


def creators_import(*, data: bytes, source: str = "", progress: Progress | None = None) -> ImportResult:
    """Validate the whole CSV in ``data``, then COPY every row in one transaction.

    Raises CreatorImportFailed (nothing written) when any row, the header or the encoding is bad,
    or when another writer took one of the handles between validation and writing.
    """
    records = creators_validate(data=data, progress=progress)
    total = len(records)
    if progress:
        progress("write", 0, total)
    try:
        with transaction.atomic():
            ids = write_creators(
                records, total=total, on_progress=(lambda n: progress("write", n, total)) if progress else None
            )
            AuditLog.objects.create(
                actor=None,
                action="creator_import",
                object_type=Creator._meta.label_lower,
                object_id="",
                data={"source": source, "rows": len(ids), "first_id": ids[0], "last_id": ids[-1]},
                request_id=request_id_var.get(),
            )
    except (IntegrityError, psycopg2.IntegrityError) as exc:
        # COPY goes around Django's cursor wrapper, so psycopg2's own error may arrive unwrapped.
        if UNIQUE_VIOLATION not in (getattr(exc, "pgcode", None), getattr(exc.__cause__, "pgcode", None)):
            raise
        # Validation saw these handles free; another writer took one before the COPY.
        raise CreatorImportFailed(
            [RowError(None, None, _("A creator with one of these handles was added while the file was checked."))]
        ) from None
    return ImportResult(rows=len(ids), ids=ids)


def creators_validate(*, data: bytes, progress: Progress | None = None) -> list[CreatorRecord]:
    """Parse and check every row of ``data``; return the records or raise CreatorImportFailed."""
    text = _decode(data)
    parser = _RowParser()
    with _gc_paused():
        records = parser.parse(text, progress=progress)
    if not parser.error_count:
        parser.check_existing_handles()
    if parser.error_count:
        raise CreatorImportFailed(parser.errors, error_count=parser.error_count)
    return records


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Parsing allocates millions of acyclic objects; the cyclic GC would rescan them all repeatedly."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CreatorImportFailed([RowError(None, None, _("The file is UTF-16; save it as CSV UTF-8."))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise CreatorImportFailed(
            [RowError(row, None, _("The file is not UTF-8 text; save it as CSV UTF-8."))]
        ) from None
    if not text.strip():
        raise CreatorImportFailed([RowError(None, None, _("The file is empty."))])
    nul = text.find("\x00")
    if nul >= 0:
        row = text.count("\n", 0, nul) + 1
        raise CreatorImportFailed([RowError(row, None, _("The line contains a NUL character."))])
    return text


# ------------------------------------------------------------------- parsing


class _RowParser:
    """Turns rows into CreatorRecords; collects every error instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.error_count = 0
        self.handle_rows: dict[str, int] = {}
        self.label_ids = dict(Label.objects.values_list("iab_id", "pk"))
        self.regions = regions()
        self.platforms = frozenset(Platform.values)
        self.verifications = frozenset(VerificationStatus.values)
        self.audience_kinds = {"audience_age": _("Age"), "audience_gender": _("Gender"), "audience_region": _("Region")}
        self.fields: dict[str, Callable[[str], object]] = {
            "handle": self.handle,
            "display_name": self.display_name,
            "platform": self.platform,
            "country": self.country,
            "bio": str,
            "content_sample": self.content_sample,
            "followers": self.count,
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
            "audience_region": lambda raw: self.audience(raw, "audience_region", self.regions, str.upper),
            "max_concurrent": self.capacity,
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
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader)
        fields, prices = self.header(header)
        if self.error_count:
            return []
        records: list[CreatorRecord] = []
        reported = 1
        if progress:
            progress("validate", 0, total_lines - 1)
        width = len(header)
        for row, values in self.rows(reader):
            if len(values) != width:
                message = _("The row has %(got)s fields; the header has %(want)s.")
                self.error(row, None, message % {"got": len(values), "want": width})
                continue
            record = self.record(row, values, fields, prices)
            if record is not None:
                records.append(record)
            if progress and reader.line_num - reported >= PROGRESS_EVERY:
                progress("validate", reader.line_num - reported, total_lines - 1)
                reported = reader.line_num
        if progress:
            progress("validate", reader.line_num - reported, total_lines - 1)
        if not records and not self.error_count:
            self.error(None, None, _("The file has a header but no data rows."))
        return records

    def rows(self, reader) -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        try:
            for values in reader:
                if any(values):
                    yield start, values
                start = reader.line_num + 1
        except csv.Error as exc:
            self.error(start, None, _("This is not valid CSV: %(reason)s.") % {"reason": exc})

    def header(self, header: list[str]) -> tuple[list[tuple], list[tuple]]:
        """Check the header; return (index, column, parser, required) fields and (index, column, format) prices."""
        names = [name.strip().lower() for name in header]
        for name in REQUIRED_COLUMNS:
            if name not in names:
                self.error(1, name, _("This required column is missing."))
        seen: set[str] = set()
        fields, prices = [], []
        for index, name in enumerate(names):
            if name in seen:
                self.error(1, name, _("This column appears twice."))
            elif not name:
                self.error(1, f"#{index + 1}", _("This column has no name."))
            elif name in PRICE_COLUMNS:
                prices.append((index, name, PRICE_COLUMNS[name]))
            elif name in self.fields:
                fields.append((index, name, self.fields[name], name in REQUIRED_COLUMNS))
            else:
                close = difflib.get_close_matches(name, COLUMNS, n=1)
                hint = _(" Did you mean %(name)s?") % {"name": close[0]} if close else ""
                self.error(1, name, _("Unknown column.") + hint)
            seen.add(name)
        return fields, prices

    def record(self, row: int, values: list[str], fields: list[tuple], prices: list[tuple]) -> CreatorRecord | None:
        # The hot loop of a large import: keep it to dict and list operations.
        kwargs: dict[str, object] = {}
        ok = True
        for index, name, parse, required in fields:
            raw = values[index].strip()
            if raw:
                try:
                    kwargs[name] = parse(raw)
                except ValueError as exc:
                    ok = self.error(row, name, str(exc))
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
        for rate, count in TRACK_RECORD_COUNTS.items():
            ok = self.track_record_pair(row, kwargs, rate, count) and ok
        handle = kwargs.get("handle")
        if handle is not None:
            first = self.handle_rows.setdefault(handle, row)
            if first != row:
                ok = self.error(row, "handle", _("Duplicate handle; row %(row)s has it too.") % {"row": first})
        return CreatorRecord(**kwargs, rates=rates) if ok else None

    def check_existing_handles(self) -> None:
        # One array parameter instead of an IN list: 100,000 handles cost one round trip, not 100,000 placeholders.
        sql = f"SELECT handle FROM {Creator._meta.db_table} WHERE handle = ANY(%s)"  # noqa: S608 - table name, no input
        with connection.cursor() as cur:
            cur.execute(sql, [list(self.handle_rows)])
            taken = [handle for (handle,) in cur.fetchall()]
        for handle in sorted(taken, key=self.handle_rows.__getitem__):
            self.error(self.handle_rows[handle], "handle", _("A creator with this handle already exists."))

    # ------------------------------------------------------------ one cell each

    def handle(self, raw: str) -> str:
        if not _HANDLE_RE.match(raw):
            raise ValueError(_("Use only letters, digits, hyphens and underscores."))
        if len(raw) > HANDLE_MAX_LENGTH:
            raise ValueError(_("At most %(max)s characters.") % {"max": HANDLE_MAX_LENGTH})
        try:
            validate_handle_not_reserved(raw)
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from None
        return raw

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
                _("Unknown value %(value)r; use one of %(allowed)s.")
                % {
                    "value": value,
                    "allowed": ", ".join(sorted(allowed)),
                }
            )
        return value

    def country(self, raw: str) -> str:
        code = raw.upper()
        if code not in self.regions:
            raise ValueError(_("Unknown region code %(code)r (see data/regions.tsv).") % {"code": raw})
        return code

    def content_sample(self, raw: str) -> str:
        return "\n".join(title for part in raw.split("|") if (title := part.strip()))

    def count(self, raw: str) -> int:
        if not (raw.isascii() and raw.isdigit()):
            raise ValueError(_("Enter a whole number like 12000, without separators."))
        value = int(raw)
        if value > MAX_BIGINT:
            raise ValueError(_("That number is too large."))
        return value

    def order_count(self, raw: str) -> int:
        value = self.count(raw)
        if not 1 <= value <= MAX_ORDER_COUNT:
            raise ValueError(_("Enter a whole number from 1 to %(max)s.") % {"max": MAX_ORDER_COUNT})
        return value

    def track_record_pair(self, row: int, kwargs: dict, rate: str, count: str) -> bool:
        """A count says how many orders its rate stands for: it needs the rate beside it."""
        if count in kwargs and rate not in kwargs:
            return self.error(row, count, _("Give %(rate)s too: a count needs the rate it counts.") % {"rate": rate})
        return True

    def capacity(self, raw: str) -> int:
        value = self.count(raw)
        if not 1 <= value <= MAX_CONCURRENT:
            raise ValueError(_("Enter a whole number from 1 to %(max)s.") % {"max": MAX_CONCURRENT})
        return value

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
            if not 0.0 < weight <= 1.0:
                raise ValueError(_("Label %(id)s: the weight must be above 0 and at most 1.") % {"id": iab_id})
            if label_id in labels:
                raise ValueError(_("Label %(id)s appears twice.") % {"id": iab_id})
            labels[label_id] = weight
        return list(labels.items())

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

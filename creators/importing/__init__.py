"""Import creators from a CSV file: validate every row first, then write all of them or none.

The file format is documented in docs/import-creators.md. Validation never touches the
database per row: labels and existing handles are looked up in bulk, so a 100,000-row file
validates in seconds. Rows are numbered by the line they start on, the header being row 1.
The columns and the row parser are in ``rows.py``; this module decodes, validates and writes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from creators.bulk import CreatorRecord, write_creators
from creators.importing.rows import Progress, RowError, RowParser
from creators.models import Creator
from marketplace.core import DomainError
from marketplace.core.csv import CsvRefused, decode_csv
from marketplace.core.import_cli import ERRORS_SHOWN, errors_report
from marketplace.core.models import AuditLog, VerificationStatus

UNIQUE_VIOLATION = "23505"


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

    def report(self, *, limit: int = ERRORS_SHOWN) -> str:
        return errors_report(self.detail, [str(error) for error in self.errors], self.error_count, limit=limit)


@dataclass(frozen=True)
class ImportResult:
    rows: int
    ids: list[int]
    summary: list[str]  # what the import means for ranking, one sentence each (see import_summary)


def import_summary(
    records: list[CreatorRecord], derived: list[tuple[str, str]], *, verified: bool = False
) -> list[str]:
    """What the imported rows mean: who is ranked, who is not and why, which handles were made up.

    ``verified``: the file was imported with --verified, so the rows left unverified said so in their own cell
    and the option is no advice for them."""
    lines = []
    inactive = sum(1 for r in records if not r.is_active)
    by_status: dict[str, int] = {}
    for r in records:
        if r.is_active:
            by_status[r.verification] = by_status.get(r.verification, 0) + 1
    for status in VerificationStatus.values:
        count = by_status.get(status, 0)
        if not count:
            continue
        if status == VerificationStatus.VERIFIED:
            text = ngettext(
                "%(count)s creator imported as verified: ranked from the next ranking.",
                "%(count)s creators imported as verified: ranked from the next ranking.",
                count,
            )
        elif verified:
            text = ngettext(
                "%(count)s creator imported as %(status)s, as its verification cell says: they are not ranked until "
                "verified.",
                "%(count)s creators imported as %(status)s, as their verification cells say: they are not ranked "
                "until verified.",
                count,
            )
        else:
            text = ngettext(
                "%(count)s creator imported as %(status)s: they are not ranked until verified (--verified).",
                "%(count)s creators imported as %(status)s: they are not ranked until verified (--verified).",
                count,
            )
        lines.append(text % {"count": f"{count:,}", "status": status})
    if inactive:
        text = ngettext(
            "%(count)s creator imported as inactive: not ranked while inactive.",
            "%(count)s creators imported as inactive: not ranked while inactive.",
            inactive,
        )
        lines.append(text % {"count": f"{inactive:,}"})
    if derived:
        text = ngettext(
            "%(count)s handle was derived from a platform handle (first: %(example)s).",
            "%(count)s handles were derived from platform handles (first: %(example)s).",
            len(derived),
        )
        lines.append(text % {"count": f"{len(derived):,}", "example": "{} → {}".format(*derived[0])})
    return lines


# ------------------------------------------------------------------ service


def creators_import(
    *, data: bytes, source: str = "", verified: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Validate the whole CSV in ``data``, then COPY every row in one transaction.

    ``verified`` makes rows without a ``verification`` cell verified (default: unverified, which
    the matcher does not rank). Raises CreatorImportFailed (nothing written) when any row, the
    header or the encoding is bad, or when another writer took one of the handles between
    validation and writing.
    """
    records, derived = _validate(data=data, verified=verified, progress=progress)
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
            )
    except (IntegrityError, psycopg2.IntegrityError) as exc:
        # COPY goes around Django's cursor wrapper, so psycopg2's own error may arrive unwrapped.
        if UNIQUE_VIOLATION not in (getattr(exc, "pgcode", None), getattr(exc.__cause__, "pgcode", None)):
            raise
        # Validation saw these handles free; another writer took one before the COPY.
        raise CreatorImportFailed(
            [RowError(None, None, _("A creator with one of these handles was added while the file was checked."))]
        ) from None
    return ImportResult(rows=len(ids), ids=ids, summary=import_summary(records, derived, verified=verified))


def creators_validate(*, data: bytes, verified: bool = False, progress: Progress | None = None) -> list[CreatorRecord]:
    """Parse and check every row of ``data``; return the records or raise CreatorImportFailed."""
    return _validate(data=data, verified=verified, progress=progress)[0]


def _validate(
    *, data: bytes, verified: bool, progress: Progress | None
) -> tuple[list[CreatorRecord], list[tuple[str, str]]]:
    """The records, and the (platform handle, Starmap handle) pairs of rows whose handle was derived."""
    text = _decode(data)
    parser = RowParser(default_verification=VerificationStatus.VERIFIED if verified else None)
    with _gc_paused():
        records = parser.parse(text, progress=progress)
    # In the same pass as the rows: a file's every problem in one report, not a second round after the fixes.
    parser.check_existing_handles()
    parser.check_existing_platform_handles()
    if parser.error_count:
        raise CreatorImportFailed(parser.errors, error_count=parser.error_count)
    return records, parser.derive_missing_handles(records)


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
    try:
        return decode_csv(data)
    except CsvRefused as refused:
        raise CreatorImportFailed([refused.error]) from None

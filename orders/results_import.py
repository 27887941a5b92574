"""Import campaign results from CSV (``manage.py import_results`` and the order page's upload).

Every row is checked first; one bad row means nothing is written, and each problem is reported as
"row N, column C: reason". Format: docs/import-results.md.
"""

from __future__ import annotations

from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brands.access import EDITOR, brand_seat
from marketplace.core import audit, echo, parse_whole_number
from marketplace.core.csv import CsvRefused, CsvTable, RowError, check_csv_text, header_errors
from marketplace.core.params import whole_number
from orders import flows
from orders.models import Collaboration, Order, ResultSnapshot
from orders.services.results import COUNT_FIELDS, MAX_COUNT, recorded_counts, results_check, results_record

REQUIRED = ("collaboration", "day", "views")
OPTIONAL = ("likes", "comments", "shares", "completion_rate", "clicks", "conversions")
MAX_ERRORS = 50  # problems listed on the report page's upload (the command takes --max-errors)
MAX_ROWS = 100_000


class ImportFailed(Exception):
    def __init__(self, errors: list[str], total: int):
        self.errors, self.total = errors, total
        super().__init__(f"{total} error(s)")


def parse(handle: IO[str] | str, *, order_id: int | None = None, progress=None) -> list[tuple[int, int, dict]]:
    """Validated (collaboration id, day, values) rows, or ImportFailed listing every problem.

    ``handle``: the decoded text, or a text stream (the upload's). With ``order_id`` every row must belong to
    that order (the order page's upload). ``progress`` (stage, advance, total), as the other importers take it,
    is told of each row checked.
    """
    errors: list[tuple[int, str]] = []
    rows = _read(handle if isinstance(handle, str) else handle.read(), errors)
    ids = {int(d["collaboration"]) for _, d in rows if _whole(d.get("collaboration", ""))}
    collaborations = Collaboration.objects.only("pk", "order_id", "status", "published_at").in_bulk(ids)
    known = {pk: c.order_id for pk, c in collaborations.items()}
    statuses = {pk: c.status for pk, c in collaborations.items()}
    entries: dict[int, dict[int, dict]] = {}
    numbers: dict[tuple[int, int], int] = {}
    seen: set = set()
    for number, d in rows:
        if progress is not None:
            progress("validate", 1, len(rows))
        problems = _row_problems(d, known, statuses, order_id, seen)
        if problems:
            errors.extend((number, str(RowError(number, *problem))) for problem in problems)
            continue
        values = {k: int(d[k]) if d.get(k) else None for k in COUNT_FIELDS}  # empty: keeps what the day holds
        if d.get("completion_rate"):
            values["completion_rate"] = float(d["completion_rate"])
        ref, day = int(d["collaboration"]), int(d["day"])
        entries.setdefault(ref, {})[day] = values
        numbers[ref, day] = number
    errors.extend(_check_with_the_other_days(collaborations, entries, numbers))
    if errors:
        messages = [text for _number, text in sorted(errors, key=lambda e: e[0] or 0)]
        raise ImportFailed(messages, len(messages))  # every one: each caller shows as many as it can
    return sorted(
        ((ref, day, values) for ref, days in entries.items() for day, values in days.items()),
        key=lambda row: numbers[row[0], row[1]],
    )


def _read(text: str, errors: list[tuple[int, str]]) -> list[tuple[int, dict]]:
    """(row number, {column: cell}) of every well-formed row, read as every importer reads a CSV file
    (marketplace.core.csv); a whole-file or header problem is ImportFailed at once, a bad row joins ``errors``."""
    try:
        check_csv_text(text)
    except CsvRefused as refused:
        raise ImportFailed([str(refused.error)], 1) from None
    table = CsvTable(text, error=lambda row, column, message: errors.append((row, str(RowError(row, column, message)))))
    problems = [str(e) for e in header_errors(table.header, known=REQUIRED + OPTIONAL, required=REQUIRED, grouped=True)]
    if problems or (errors and not table.header):
        problems += [text for _row, text in errors]
        raise ImportFailed(problems, len(problems))
    rows = []
    for number, values in table.rows():
        if len(rows) >= MAX_ROWS:
            raise ImportFailed([_("More than %(rows)s rows: split the file.") % {"rows": f"{MAX_ROWS:,}"}], 1)
        rows.append((number, {k: v.strip() for k, v in zip(table.header, values, strict=True)}))
    if not rows and not errors:
        raise ImportFailed([_("The file has a header but no rows.")], 1)
    return rows


def _check_with_the_other_days(collaborations: dict, entries: dict, numbers: dict) -> list[tuple[int, str]]:
    """Each collaboration's rows through results_check, against the days already recorded (one query)."""
    recorded: dict[int, list[ResultSnapshot]] = {}
    for snapshot in ResultSnapshot.objects.filter(collaboration_id__in=list(entries)):
        recorded.setdefault(snapshot.collaboration_id, []).append(snapshot)
    now, errors = timezone.now(), []
    for ref, days in entries.items():
        stored = recorded_counts(recorded.get(ref, []))
        clean, problems = results_check(collaborations[ref], days, recorded=stored, now=now)
        days.update(clean)
        for p in problems:
            number = numbers[ref, p.day]
            errors.append((number, str(RowError(number, p.field, p.message))))
    return errors


def _whole(text: str, digits: int = 18) -> bool:
    """A whole number of at most ``digits`` digits (ASCII digits only, as params.whole_number reads them)."""
    most = 10**digits - 1
    value = whole_number(text, most=most)
    return value is not None and value <= most


def _row_problems(d: dict, known: dict, statuses: dict, order_id, seen: set) -> list[tuple[str, str]]:
    """Every problem of the row's own cells, (column, reason) each: a row is not stopped at its first."""
    problems = []
    ref, day = d.get("collaboration", ""), d.get("day", "")
    if not _whole(ref) or int(ref) not in known or (order_id is not None and known[int(ref)] != order_id):
        if order_id:
            problems.append(
                ("collaboration", _("%(value)r is not a collaboration of this order") % {"value": echo(ref)})
            )
        else:
            problems.append(("collaboration", _("%(value)r is not a collaboration") % {"value": echo(ref)}))
    elif statuses[int(ref)] not in flows.REPORTABLE:
        status = Collaboration.Status(statuses[int(ref)]).label
        problems.append(
            (
                "collaboration",
                _("only a published post has results; this collaboration is %(status)s") % {"status": status},
            )
        )
    if not _whole(day) or int(day) not in ResultSnapshot.Day.values:
        problems.append(("day", _("%(value)r is not one of 1, 3, 7, 14, 30") % {"value": echo(str(day))}))
    elif not problems:
        if (int(ref), int(day)) in seen:
            problems.append(("day", _("the same collaboration and day appear twice")))
        seen.add((int(ref), int(day)))
    for name in COUNT_FIELDS:
        value = d.get(name, "")
        if value or name == "views":
            try:
                parse_whole_number(value, high=MAX_COUNT)
            except ValueError as exc:
                problems.append((name, str(exc)))
    rate = d.get("completion_rate", "")
    if rate:
        try:
            ok = 0 <= float(rate) <= 1 and rate.lower() not in ("nan", "inf", "-inf", "infinity")
        except ValueError:
            ok = False
        if not ok:
            problems.append(("completion_rate", _("%(value)r is not a fraction from 0 to 1") % {"value": echo(rate)}))
    return problems


@transaction.atomic
def results_import(*, rows: list[tuple[int, int, dict]], actor=None) -> int:
    """Write validated rows in one transaction (any failure rolls all of them back).

    Each collaboration's days are written together, so they are checked against each other as parse
    checked them, whatever their order in the file.
    """
    entries: dict[int, dict[int, dict]] = {}
    for collaboration_id, day, values in rows:
        entries.setdefault(collaboration_id, {})[day] = values
    for collaboration_id, days in entries.items():
        results_record(
            collaboration_id=collaboration_id, actor=actor, entries=days, source=ResultSnapshot.Source.IMPORT
        )
    return len(rows)


@transaction.atomic
def results_upload(*, order_id: int, actor, rows: list[tuple[int, int, dict]]) -> int:
    """The campaign report's upload: an owner or manager of the order's brand imports rows checked by
    ``parse(order_id=...)``. The rows are written as the system's (creators own their counts); the
    upload itself is audited with who sent it. Raises NotAllowed for anyone else."""
    order = Order.objects.get(pk=order_id)
    brand_seat(actor, need=EDITOR, brand_id=order.brand_id)
    count = results_import(rows=rows)
    audit(actor=actor, action="order.results_imported", obj=order, rows=count)
    return count

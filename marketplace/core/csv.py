"""The one CSV writer for files people open in a spreadsheet, and the one way importers read a CSV file."""

from __future__ import annotations

import csv as pycsv
import difflib
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext

from marketplace.core.params import echo

# defusedcsv quotes a cell whose FIRST character starts a formula. Spreadsheets also run one that
# starts with blanks or in fullwidth forms (" =1+1", "＝1+1", which NFKC folds to "="), and OWASP
# adds a leading tab or carriage return; those cells get the same leading apostrophe here.
_FORMULA_START = frozenset("=+-@|%")
_PLAIN_NUMBER = re.compile(r"-?[0-9,.]+")
_BLANK = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def _defused(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    folded = unicodedata.normalize("NFKC", value)
    start = next((i for i, ch in enumerate(folded) if unicodedata.category(ch) not in _BLANK), len(folded))
    rest = folded[start:]
    if value[0] in "\t\r" or (
        rest[:1] in _FORMULA_START and value[0] not in _FORMULA_START and not _PLAIN_NUMBER.fullmatch(rest)
    ):
        return "'" + value
    return value  # a first character that starts a formula is defusedcsv's to quote


class CsvWriter:
    """The one way Starmap writes a CSV people open in a spreadsheet (exports, statements, reports):
    defusedcsv's writer, with cells that a spreadsheet would run as a formula quoted with a leading
    apostrophe. Plain numbers such as "-12.50" stay numbers."""

    def __init__(self, stream, **fmtparams):
        from defusedcsv import csv as defusedcsv

        self._writer = defusedcsv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([_defused(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


# ------------------------------------------------------------------ reading: what every importer shares
#
# import_creators, import_history, import_results (and the order report's upload) read a CSV file the same
# way: the same encodings refused, rows numbered by the line they start on, the same refusal of a row
# whose field count is not the header's, of a repeated column, of an unclosed quote, and the same bounds on
# dates (docs/import-creators.md, docs/import-history.md, docs/import-results.md).

# Imported dates and times: not before 2000 (no platform's export is older; a year such as 0001 is a
# typing slip that Python cannot even read back once stored with an offset) and at most a year ahead.
EARLIEST_IMPORTED = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_IMPORTED_AHEAD = timedelta(days=365)


@dataclass(frozen=True)
class RowError:
    """One problem of an imported file: ``row`` (the header is row 1; None for the whole file) and ``column``
    (None for a whole row)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return gettext("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return gettext("row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class CsvRefused(ValueError):
    """The whole file is refused before any row is read (its encoding, an empty file, a NUL)."""

    def __init__(self, error: RowError):
        self.error = error
        super().__init__(str(error))


def decode_text(data: bytes) -> str:
    """UTF-8 text (a byte-order mark dropped), or CsvRefused naming the row of the first byte that is not."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvRefused(RowError(None, None, gettext("The file is UTF-16; save it as CSV UTF-8.")))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise CsvRefused(RowError(row, None, gettext("The file is not UTF-8 text; save it as CSV UTF-8."))) from None


def decode_csv(data: bytes) -> str:
    """The text of an imported CSV file, or CsvRefused: not UTF-8, UTF-16, empty, or holding a NUL."""
    return check_csv_text(decode_text(data))


def check_csv_text(text: str) -> str:
    """``text`` unless it is empty or holds a NUL (which PostgreSQL text cannot store): CsvRefused."""
    if not text.strip():
        raise CsvRefused(RowError(None, None, gettext("The file is empty.")))
    nul = text.find("\x00")
    if nul >= 0:
        row = text.count("\n", 0, nul) + 1
        raise CsvRefused(RowError(row, None, gettext("The line contains a NUL character.")))
    return text


class CsvTable:
    """A decoded CSV file: ``header`` (names stripped and lower-cased), then ``rows()`` — (row number, cells)
    of every row with as many cells as the header, numbered by the line the row starts on, blank lines
    skipped. Everything else — a row with too few or too many cells, an unclosed quote, broken quoting — goes
    to ``error(row, column, message)``, and reading goes on where it can."""

    def __init__(self, text: str, *, error: Callable[[int | None, str | None, str], object]):
        self.error = error
        # strict: a quote left open at the end of the file is an error, not a cell holding the rest of it.
        self.reader = pycsv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            self.raw_header = next(self.reader, [])
        except pycsv.Error as exc:
            self._broken(1, exc)
            self.raw_header = []
        self.header = [name.strip().lower() for name in self.raw_header]

    @property
    def line_num(self) -> int:
        return self.reader.line_num

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        width, start = len(self.header), self.reader.line_num + 1
        try:
            for values in self.reader:
                if any(values):
                    if len(values) == width:
                        yield start, values
                    else:
                        message = gettext("The row has %(got)s fields; the header has %(want)s.")
                        self.error(start, None, message % {"got": len(values), "want": width})
                start = self.reader.line_num + 1
        except pycsv.Error as exc:
            self._broken(start, exc)

    def _broken(self, row: int, exc: pycsv.Error) -> None:
        if "unexpected end of data" in str(exc):
            message = gettext("A quoted cell starts on this row and its closing quote is missing.")
        else:
            message = gettext("This is not valid CSV: %(reason)s.") % {"reason": exc}
        self.error(row, None, message)


def header_errors(
    names: Sequence[str], *, known: Sequence[str], required: Sequence[str] = (), grouped: bool = False
) -> list[RowError]:
    """The header's problems: a required column missing, an unknown column (with the closest known name), a
    column twice, a column without a name; each naming its column. ``names`` as CsvTable.header has them.
    ``grouped``: the missing and the unknown columns in one sentence each (the order report's upload lists
    them so)."""
    missing = [name for name in required if name not in names]
    unknown = [name for name in dict.fromkeys(names) if name and name not in known]
    if grouped:
        errors = [
            RowError(1, None, text % {"columns": ", ".join(echo(c) for c in columns)})
            for text, columns in [
                (gettext("the header lacks the column(s) %(columns)s"), missing),
                (gettext("the header has unknown column(s) %(columns)s"), unknown),
            ]
            if columns
        ]
    else:
        errors = [
            RowError(1, name, gettext("This required column is missing from the header: add the missing column."))
            for name in missing
        ]
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            hint = gettext(" Did you mean %(name)s?") % {"name": close[0]} if close else ""
            errors.append(RowError(1, echo(name), gettext("Unknown column.") + hint))
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            errors.append(RowError(1, echo(name), gettext("This column appears twice.")))
        elif not name:
            errors.append(RowError(1, f"#{index + 1}", gettext("This column has no name.")))
        seen.add(name)
    return errors


def imported_moment(value: str) -> datetime:
    """A date (``YYYY-MM-DD``, taken at noon in the default time zone) or an ISO 8601 date-time (without an
    offset: the default time zone), from EARLIEST_IMPORTED to a year from now in UTC; ValueError says why not."""
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime.combine(day, time(12))
    except ValueError:  # well formed but impossible: 2026-02-30, month 13, year 0, 24:61, an offset of +25:00
        raise ValueError(
            gettext("%(value)r is not a real date or time: check the day, the month, the hour and the offset.")
            % {"value": echo(value)}
        ) from None
    if parsed is None:
        raise ValueError(
            gettext("%(value)r is not a date (YYYY-MM-DD) or a date-time (ISO 8601).") % {"value": echo(value)}
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    # Compared, not converted: a date-time of year 1 with an offset has no UTC form Python can hold.
    if parsed < EARLIEST_IMPORTED:
        raise ValueError(gettext("%(value)r is before 2000-01-01 (UTC).") % {"value": echo(value)})
    if parsed > timezone.now() + LATEST_IMPORTED_AHEAD:
        raise ValueError(gettext("%(value)r is more than a year in the future.") % {"value": echo(value)})
    return parsed

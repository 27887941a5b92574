"""The one CSV writer for files people open in a spreadsheet."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

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

"""The one CSV writer of files people open in a spreadsheet: no cell may run as a formula."""

import ast
import csv
import io
from pathlib import Path

import pytest

from marketplace.core import CsvWriter

ROOT = Path(__file__).resolve().parents[2]
STARTS = "=+-@|%"
FULLWIDTH = {"=": "＝", "+": "＋", "-": "－", "@": "＠", "|": "｜", "%": "％"}
# Blanks a spreadsheet skips before it reads a formula: space, tab, CR, LF, no-break space, ideographic
# space, zero-width space, byte-order mark.
LEAD = ["", " ", "   ", "\t", "\r", "\n", "\u00a0", "\u3000", "\u200b", "\ufeff"]


def dangerous_cells() -> list[str]:
    cells = []
    for start in STARTS:
        for lead in LEAD:
            for char in (start, FULLWIDTH[start]):
                cells.append(f'{lead}{char}HYPERLINK("http://evil.example","x")')
    cells += ["\ufe66cmd|' /C calc'!A0", "\tplain text after a tab", "\rplain text after a return"]
    return cells


def written(cells: list) -> list[str]:
    out = io.StringIO()
    CsvWriter(out).writerow(cells)
    return next(csv.reader(io.StringIO(out.getvalue(), newline="")))


@pytest.mark.parametrize("cell", dangerous_cells(), ids=repr)
def test_a_cell_that_a_spreadsheet_would_run_is_quoted_with_an_apostrophe(cell):
    (read_back,) = written([cell])

    assert read_back.startswith("'")
    assert read_back[1:].replace("\\|", "|") == cell  # nothing else is lost


@pytest.mark.parametrize(
    "cell", ["-12.50", "1,200.00", "0", "+", "Aurora Skincare", "skin care – routine", "50%", "user@example.test", ""]
)
def test_numbers_and_plain_text_are_written_as_they_are(cell):
    expected = "'+" if cell == "+" else cell  # a lone operator still starts a formula

    assert written([cell]) == [expected]


def test_writerows_and_non_text_values():
    out = io.StringIO()

    CsvWriter(out, lineterminator="\n").writerows([[1, None, 2.5], ["=1+1", " =1+1"]])

    assert out.getvalue() == "1,,2.5\n'=1+1,' =1+1\n"


# Modules that write CSV but not for people: COPY buffers into PostgreSQL and benchmark fixtures.
NOT_FOR_PEOPLE = {"creators/bulk.py"}


def test_every_csv_the_platform_writes_goes_through_the_one_writer():
    """A new export must use marketplace.core.CsvWriter; csv.writer / DictWriter elsewhere fails here."""
    offenders = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "var", "tests", "bench", "data"} or str(relative) in NOT_FOR_PEOPLE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            attribute = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if attribute and node.value.id == "csv" and node.attr in {"writer", "DictWriter"}:
                offenders.append(f"{relative}:{node.lineno}")
            imported = isinstance(node, ast.ImportFrom) and node.module == "csv"
            if imported and {a.name for a in node.names} & {"writer", "DictWriter"}:
                offenders.append(f"{relative}:{node.lineno}")

    assert offenders == []

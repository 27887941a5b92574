"""What every import command shares (import_creators, import_history, import_results): the same options,
worded the same, and the same progress bars on standard error (docs/import-creators.md,
docs/import-history.md, docs/import-results.md).

- ``--dry-run``: check every row as a real import would, write nothing, and report what would happen;
- ``--no-progress``: no progress bars (for scripts and logs); ``--verbosity 0`` has none either;
- ``--max-errors N``: a bad file reports every error it has, and the command prints the first N of
  them with a count of the rest (nothing is ever written from a file with errors).
"""

from __future__ import annotations

from django.utils.translation import ngettext
from tqdm import tqdm

from marketplace.core.params import number_argument

ERRORS_SHOWN = 50


def add_import_arguments(parser) -> None:
    parser.add_argument("file", help="CSV file, UTF-8, with a header row")
    parser.add_argument("--dry-run", action="store_true", help="check every row and report; write nothing")
    parser.add_argument("--no-progress", action="store_true", help="do not show progress bars")
    parser.add_argument(
        "--max-errors",
        type=number_argument(least=1, most=100_000),
        default=ERRORS_SHOWN,
        help=f"how many row errors to print when the file has errors (default {ERRORS_SHOWN}); every error is counted",
    )


def errors_report(headline: str, errors: list[str], total: int, *, limit: int) -> str:
    """The headline, the first ``limit`` errors, and how many more there are."""
    lines = [headline, *errors[:limit]]
    if total > limit:
        rest = total - limit
        lines.append(ngettext("… and %(count)s more error.", "… and %(count)s more errors.", rest) % {"count": rest})
    return "\n".join(lines)


def dry_run_line(rows: int) -> str:
    return ngettext(
        "%(rows)s row valid; nothing was written (dry run).",
        "%(rows)s rows valid; nothing was written (dry run).",
        rows,
    ) % {"rows": rows}


class ProgressBars:
    """One tqdm bar per stage on the command's standard error, fed by ``progress(stage, advance, total)``."""

    def __init__(self, *, enabled: bool, stderr) -> None:
        self.enabled = enabled
        self.stream = getattr(stderr, "_out", stderr)  # the stream under Django's OutputWrapper
        self.stage: str | None = None
        self.bar: tqdm | None = None

    def __call__(self, stage: str, advance: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            unit = "lines" if stage == "validate" else "rows"
            self.bar = tqdm(total=total, desc=stage, unit=unit, file=self.stream, disable=not self.enabled)
        self.bar.update(advance)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

"""Shared printing for the matching commands: JSON for scripts, a table for people."""

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from marketplace.core.params import number_argument

# --top of the search commands: how many creators to print.
SEARCH_TOP = number_argument(least=1, most=1000)


def print_results(command, results: list[dict], *, as_json: bool, extra: tuple[str, ...] = ()) -> None:
    rows = [
        {
            "creator": r["creator"].pk,
            "handle": r["creator"].handle,
            "followers": r["creator"].followers,
            "score": round(r["score"], 4),
            **{k: r[k] for k in extra},
        }
        for r in results
    ]
    if as_json:
        command.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for i, row in enumerate(rows, start=1):
        details = " ".join(f"{k}={','.join(map(str, v)) if isinstance(v := row[k], list) else v}" for k in extra)
        command.stdout.write(f"{i:>3} {row['score']:.3f} @{row['handle']:<24} {row['followers']:>12,} {details}")


@contextmanager
def logs_to_stderr(enabled: bool = True) -> Iterator[None]:
    """While a command prints JSON, the log lines that go to standard output (the project's one log handler,
    marketplace.core.logs) go to standard error instead, so the output is the JSON alone: loading the matching
    snapshot logs a line, which search_content, the one command that loads none, never printed."""
    moved = []
    if enabled:
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.__stdout__):
                moved.append((handler, handler.setStream(sys.stderr)))
    try:
        yield
    finally:
        for handler, stream in moved:
            handler.setStream(stream)

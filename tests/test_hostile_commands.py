"""Hostile input at the command line: every argument of every management command of the project, and every
cell of the CSV files the importers read, is refused with a clear error (CommandError: a message and exit
status 1), never a traceback.

The commands are taken from Django's command registry, each one's arguments from its own parser, so a
command or an argument added later is tried as soon as it exists; a command without sample arguments here
fails the first test. The values are what a command line can carry (no NUL byte, which argv cannot hold;
a byte that is not UTF-8 arrives as a lone surrogate): signs, "²" and other scripts' digits, 5,000 and 400
digits, 1e999, nested JSON, an empty argument.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command, get_commands, load_command_class
from django.db import transaction

from orders.models import Collaboration
from tests.creators.test_import_creators import good_row
from tests.factories import CreatorFactory, OrderFactory
from tests.matching.test_import_history import GOOD as HISTORY_ROWS
from tests.matching.test_import_history import HEADER as HISTORY_HEADER
from tests.orders.conftest import deal_in, world  # noqa: F401 (world: the fixture the results importer's deal needs)

pytestmark = pytest.mark.django_db

NESTED = "[" * 1000 + "]" * 1000

VALUES = {
    "minus one": "-1",
    "superscript two": "²",
    "Arabic-Indic three": "٣",
    "a space before": " 7",
    "5,000 digits": "9" * 5000,
    "400 digits": "9" * 400,
    "1e999": "1e999",
    "a byte that is not UTF-8": b"a\xffb".decode("utf-8", "surrogateescape"),
    "nested JSON": NESTED,
    "empty": "",
}


def project_commands() -> dict[str, str]:
    """Every management command of the project's own apps (not Django's or a library's): name -> app."""
    base, installed = Path(settings.BASE_DIR).resolve(), Path(sys.prefix).resolve()
    # A virtualenv inside the checkout (make install's .venv) holds Django's and the libraries' apps: not ours.
    ours = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and not Path(config.path).resolve().is_relative_to(installed)
    }
    return {name: app for name, app in get_commands().items() if app in ours}


# How to call each command cheaply on the test world: good arguments, to which one hostile value is added.
# "{file}" is a CSV file the importer could read (an empty one; the cell test below fills them).
SAMPLES: dict[str, list[str]] = {
    "bootstrap": ["--no-demo", "--demo-creators", "2"],
    "load_demo": ["--creators", "2", "--history", "0", "--no-progress"],
    "load_taxonomy": [],
    "normalise_regions": [],
    "import_creators": ["{file}", "--no-progress", "--dry-run"],
    "import_history": ["{file}"],
    "import_results": ["{file}"],
    "recompute_indices": [],
    "evaluate_matcher": [],
    "train_matcher": ["--no-progress"],
    "rebuild_snapshot": [],
    "rank_order": ["{order}", "--top", "5"],
    "search_content": ["skincare", "--top", "5"],
    "search_lookalike": ["{creator}", "--top", "5"],
    "search_product": ["1004", "--top", "5"],
    "ledger_verify": [],
    "backup": ["--output", "{dir}"],
    "restore": ["{dir}"],  # not a backup folder: refused before anything is touched
    "install_courses": [],
}

# Arguments every Django command has (verbosity, settings, traceback...): Django's own, not the project's.
DJANGO_DESTS = {action.dest for action in BaseCommand().create_parser("manage.py", "x")._actions}


def arguments_of(name: str, app: str) -> list[tuple[str | None, str]]:
    """(option string or None for a positional, dest) of every argument of the command that takes a value."""
    parser = load_command_class(app, name).create_parser("manage.py", name)
    return [
        (action.option_strings[0] if action.option_strings else None, action.dest)
        for action in parser._actions
        if action.dest not in DJANGO_DESTS and action.nargs != 0
    ]


def run(name: str, argv: list[str], *, refusal_ok: bool = True) -> str | None:
    """Run the command in a savepoint that is rolled back; None when it finished or refused with a
    CommandError, else what went wrong."""
    try:
        with transaction.atomic():
            try:
                call_command(name, *argv, stdout=io.StringIO(), stderr=io.StringIO())
            finally:
                transaction.set_rollback(True)
    except CommandError as exc:
        return None if refusal_ok else f"refused: {str(exc)[:300]}"
    except SystemExit as exc:  # argparse's own exit is a refusal with a message too
        return None if exc.code else f"exit {exc.code}"
    except Exception as exc:  # every traceback is a finding
        return f"{type(exc).__name__}: {str(exc)[:160]}"
    return None


@pytest.fixture
def sample_args(taxonomy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a hostile relative path (backup --output 7) lands here, not in the checkout
    order, creator = OrderFactory(), CreatorFactory()
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    fill = {"{file}": str(empty), "{order}": str(order.pk), "{creator}": str(creator.pk), "{dir}": str(tmp_path)}
    return {name: [fill.get(arg, arg) for arg in argv] for name, argv in SAMPLES.items()}


def test_every_command_has_samples():
    commands = project_commands()

    assert commands, "no project command found: the registry filter is wrong"
    assert not set(commands) - set(SAMPLES), f"Commands with no sample arguments: {set(commands) - set(SAMPLES)}"
    assert not set(SAMPLES) - set(commands), (
        f"Samples for commands that no longer exist: {set(SAMPLES) - set(commands)}"
    )


def test_no_hostile_value_in_any_command_argument_is_a_traceback(sample_args):
    failures = []
    for name, app in project_commands().items():
        argv = sample_args[name]
        positionals = [arg for arg in argv if not arg.startswith("-")]
        for option, dest in arguments_of(name, app):
            for label, value in VALUES.items():
                if option is None:
                    # The first positional stands for the one being tried (commands here have at most one).
                    given = [value if arg == positionals[0] else arg for arg in argv] if positionals else [value]
                else:
                    given = [*_without(argv, option), option, value]
                problem = run(name, given)
                if problem:
                    failures.append(f"{name} {dest}={label}: {problem}")

    assert not failures, "\n".join(failures)


def _without(argv: list[str], option: str) -> list[str]:
    """argv without the option and its value."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == option:
            skip = True
        else:
            out.append(arg)
    return out


# ------------------------------------------------------------------ the importers' cells


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _importers(collaboration_pk: int) -> dict[str, tuple[list[str], list[str]]]:
    """Each importer's header and one good row (from its own tests)."""
    creators = good_row(1)
    history = next(csv.reader([HISTORY_ROWS[0]]))
    results = ["collaboration", "day", "views", "likes", "comments", "shares", "completion_rate", "clicks"]
    return {
        "import_creators": (list(creators), list(creators.values())),
        "import_history": (HISTORY_HEADER.split(","), history),
        "import_results": (results, [str(collaboration_pk), "1", "1000", "10", "1", "1", "0.4", "5"]),
    }


CELL_VALUES = {**VALUES, "NUL": "a\x00b", "a line break": "a\nb", "formula": "=1+1"}


def test_no_hostile_value_in_any_cell_of_an_imported_file_is_a_traceback(taxonomy, world, tmp_path):  # noqa: F811
    CreatorFactory(handle="ana")
    CreatorFactory(handle="bo")
    published = deal_in(world, Collaboration.Status.PUBLISHED)
    failures = []
    for name, (header, row) in _importers(published.pk).items():
        argv = ["--no-progress"] if name == "import_creators" else []
        path = tmp_path / f"{name}.csv"
        path.write_text(_csv(header, [row]), encoding="utf-8")
        # The good row is read and refused only for what its own importer checks: each cell below is read.
        assert run(name, [str(path), *argv], refusal_ok=False) is None, f"{name}: the good row is refused"
        for column, _good in enumerate(header):
            for label, value in CELL_VALUES.items():
                path = tmp_path / f"{name}.csv"
                text = _csv(header, [[*row[:column], value, *row[column + 1 :]]])
                path.write_bytes(text.encode("utf-8", "surrogateescape"))  # a lone surrogate: a byte not UTF-8
                problem = run(name, [str(path), *argv])
                if problem:
                    failures.append(f"{name} column {header[column]}={label}: {problem}")

    assert not failures, "\n".join(failures)

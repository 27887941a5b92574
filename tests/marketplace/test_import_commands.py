"""What every import command shares, table-driven over them so another importer is held to it too:
--dry-run writes nothing and reports, --no-progress silences stderr, --max-errors N prints N errors,
and the same bad cell reads the same in both (one helper words numbers, buckets and region codes)."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from creators.models import Creator
from orders.models import Collaboration, Order, ResultSnapshot
from tests.creators.test_import_creators import csv_bytes, good_row
from tests.factories import CollaborationFactory, CreatorFactory, LabelFactory

pytestmark = pytest.mark.django_db

HISTORY_HEADER = (
    "order_ref,brand,goal,format,published_at,target_age,target_regions,price_per_creator,creator,offered_at,"
    "accepted,views"
)


def history_rows(n: int, **bad: str) -> bytes:
    """n rows of one order, one creator each (creators c0…c{n-1} must exist); ``bad`` overrides cells of row 2."""
    lines = [HISTORY_HEADER]
    for i in range(n):
        row = {
            "order_ref": "A1",
            "brand": "Glow Labs",
            "goal": "seeding",
            "format": "image_post",
            "published_at": "2025-03-01",
            "target_age": "18-23",
            "target_regions": "DE",
            "price_per_creator": "2000",
            "creator": f"c{i}",
            "offered_at": "2025-03-02",
            "accepted": "yes",
            "views": "1000",
        }
        if i == 0:
            row.update(bad)
        lines.append(",".join(row.values()))
    return ("\n".join(lines) + "\n").encode()


def results_rows(n: int, **bad: str) -> bytes:
    """Day-1 results of n published collaborations (made here); ``bad`` overrides cells of row 2."""
    lines = ["collaboration,day,views,likes"]
    for i in range(n):
        deal = CollaborationFactory(
            status=Collaboration.Status.PUBLISHED, published_at=timezone.now() - timedelta(days=40)
        )
        row = {"collaboration": str(deal.pk), "day": "1", "views": "1000", "likes": "10"}
        if i == 0:
            row.update(bad)
        lines.append(",".join(row.values()))
    return ("\n".join(lines) + "\n").encode()


def creator_rows(n: int, **bad: str) -> bytes:
    return csv_bytes([good_row(i, **(bad if i == 0 else {})) for i in range(n)])


@pytest.fixture
def world(taxonomy):
    for i in range(6):
        CreatorFactory(handle=f"c{i}")
    for iab_id in ("150", "151"):
        LabelFactory(iab_id=iab_id)


IMPORTERS = {
    "import_creators": (creator_rows, lambda: Creator.objects.exclude(handle__regex=r"^c\d$").count()),
    "import_history": (history_rows, lambda: Order.objects.count() + Collaboration.objects.count()),
    "import_results": (results_rows, lambda: ResultSnapshot.objects.count()),
}
# The same mistakes in each importer's column: (importer, column, bad cell).
BAD_NUMBER = {
    "import_creators": {"followers": "12k"},
    "import_history": {"views": "12k"},
    "import_results": {"views": "12k"},
}
BAD_AGE = {"import_creators": {"audience_age": "12-17:1"}, "import_history": {"target_age": "12-17"}}
BAD_REGION = {"import_creators": {"audience_region": "DEU:1"}, "import_history": {"target_regions": "DEU"}}


def run(command: str, tmp_path, data: bytes, *args: str) -> tuple[str, str]:
    path = tmp_path / "file.csv"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    call_command(command, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failure(command: str, tmp_path, data: bytes, *args: str) -> str:
    with pytest.raises(CommandError) as exc:
        run(command, tmp_path, data, "--no-progress", *args)
    return str(exc.value)


@pytest.mark.parametrize("command", IMPORTERS)
def test_dry_run_validates_every_row_writes_nothing_and_reports(command, world, tmp_path):
    rows, written = IMPORTERS[command]

    out, _ = run(command, tmp_path, rows(3), "--dry-run", "--no-progress")

    assert "3 rows valid" in out and "nothing was written" in out
    assert written() == 0


@pytest.mark.parametrize("command", IMPORTERS)
def test_dry_run_reports_the_errors_of_a_bad_file(command, world, tmp_path):
    rows, written = IMPORTERS[command]

    message = failure(command, tmp_path, rows(3, **BAD_NUMBER[command]), "--dry-run")

    assert "row 2, column" in message
    assert written() == 0


@pytest.mark.parametrize("command", IMPORTERS)
def test_no_progress_keeps_stderr_quiet_and_progress_goes_there(command, world, tmp_path):
    rows, _ = IMPORTERS[command]

    _, quiet = run(command, tmp_path, rows(2), "--dry-run", "--no-progress")
    _, shown = run(command, tmp_path, rows(2), "--dry-run")

    assert quiet == ""
    assert "rows" in shown or "lines" in shown


@pytest.mark.parametrize("command", IMPORTERS)
def test_max_errors_prints_that_many_and_counts_the_rest(command, world, tmp_path):
    rows, _ = IMPORTERS[command]
    column, cell = next(iter(BAD_NUMBER[command].items()))
    data = rows(6)
    lines = data.decode().splitlines()
    header = lines[0].split(",")
    bad = [header] + [line.split(",") for line in lines[1:]]
    for row in bad[1:]:
        row[header.index(column)] = cell
    data = ("\n".join(",".join(r) for r in bad) + "\n").encode()

    message = failure(command, tmp_path, data, "--max-errors", "2")

    assert message.count(f"column {column}:") == 2
    assert "… and 4 more errors." in message


@pytest.mark.parametrize("command", IMPORTERS)
def test_a_bad_number_is_worded_the_same_in_every_importer(command, world, tmp_path):
    rows, _ = IMPORTERS[command]

    message = failure(command, tmp_path, rows(2, **BAD_NUMBER[command]))

    assert "'12k' is not a whole number: write digits only, without separators or units, like 12000." in message


@pytest.mark.parametrize("command", BAD_AGE)  # results have no ages or regions
def test_an_unknown_age_bucket_lists_the_valid_buckets(command, world, tmp_path):
    rows, _ = IMPORTERS[command]

    message = failure(command, tmp_path, rows(2, **BAD_AGE[command]))

    assert "'12-17'" in message
    assert "use one of 18-23, 24-30, 31-40, 41-50, 50+" in message


@pytest.mark.parametrize("command", BAD_REGION)
def test_an_unknown_region_code_suggests_the_closest_codes(command, world, tmp_path):
    rows, _ = IMPORTERS[command]

    message = failure(command, tmp_path, rows(2, **BAD_REGION[command]))

    assert "'DEU'" in message
    assert "did you mean DE (Germany)" in message


@pytest.mark.parametrize("command", IMPORTERS)
def test_verbosity_zero_shows_no_progress_either(command, world, tmp_path):
    rows, _ = IMPORTERS[command]

    _, err = run(command, tmp_path, rows(2), "--dry-run", "--verbosity", "0")

    assert err == ""

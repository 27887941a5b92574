"""import_history and import_results as a brand's data engineer meets them at the command line: every problem of
a file is a "row N, column C: reason" line on standard error with exit status 1 and nothing written, never a
traceback; dates are bounded; brands are found by their name (docs/import-history.md, docs/import-results.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from brands.models import Brand
from orders.models import Collaboration, Order, ResultSnapshot
from tests.commands import cli
from tests.factories import CollaborationFactory, CreatorFactory

pytestmark = pytest.mark.django_db

HEADER = "order_ref,brand,goal,format,creator,accepted,agreed_price,published_at,offered_at"


def written() -> tuple[int, int, int]:
    return Order.objects.count(), Collaboration.objects.count(), Brand.objects.count()


@pytest.fixture
def ana(taxonomy):
    return CreatorFactory(handle="ana")


def history(tmp_path, *rows: str, header: str = HEADER) -> str:
    path = tmp_path / "history.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def row(ref="H1", brand="Glow Labs", creator="ana", published="2025-03-01", offered="2025-03-02") -> str:
    return f"{ref},{brand},seeding,image_post,{creator},yes,100,{published},{offered}"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("published_at", "2026-02-30"),
        ("offered_at", "2025-13-01"),
        ("offered_at", "0000-01-01"),
        ("published_at", "2025-01-01T24:61:00"),
        ("published_at", "2025-03-01T10:00:00+25:00"),
    ],
)
def test_an_impossible_date_is_a_row_error_and_every_row_is_still_checked(
    ana, tmp_path, capsys, monkeypatch, column, value
):
    bad = row(published=value) if column == "published_at" else row(offered=value)
    path = history(tmp_path, bad, row(ref="H2").replace("seeding", "fame"))
    before = written()

    status, _out, err = cli(capsys, monkeypatch, "import_history", path, "--no-progress")

    assert status == 1
    assert f"row 2, column {column}: '{value}' is not a real date or time" in err
    assert "row 3, column goal: unknown value 'fame'" in err
    assert "Traceback" not in err
    assert written() == before


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0001-01-01T00:00:00+01:00", "is before 2000-01-01 (UTC)"),
        ("0001-01-01", "is before 2000-01-01 (UTC)"),
        ("1999-12-31T23:59:59+00:00", "is before 2000-01-01 (UTC)"),
        ("9999-12-31T23:59:59-23:59", "is more than a year in the future"),
    ],
)
def test_a_date_out_of_the_bounds_is_refused_in_a_dry_run_too(
    ana, tmp_path, capsys, monkeypatch, value, reason, dry_run
):
    path = history(tmp_path, row(published="", offered=value))
    before = written()

    status, out, err = cli(
        capsys, monkeypatch, "import_history", path, "--no-progress", *(["--dry-run"] if dry_run else [])
    )

    assert status == 1
    assert f"row 2, column offered_at: '{value}' {reason}" in err
    assert "dry run" not in out
    assert written() == before


def test_the_first_moment_of_2000_in_utc_is_taken_whatever_its_offset(ana, tmp_path, capsys, monkeypatch):
    path = history(tmp_path, row(published="", offered="2000-01-01T08:00:00+08:00"))

    status, _out, err = cli(capsys, monkeypatch, "import_history", path, "--no-progress")

    assert (status, err) == (0, "")
    assert Collaboration.objects.get().offered_at.year == 2000


def test_brands_are_told_apart_by_their_names_in_any_script(ana, tmp_path, capsys, monkeypatch):
    creators = [CreatorFactory(handle=f"c{i}") for i in range(4)]
    names = ["花西子", "完美日记", "!!!", "新品牌"]
    path = history(
        tmp_path,
        *(row(ref=f"R{i}", brand=n, creator=c.handle) for i, (n, c) in enumerate(zip(names, creators, strict=True))),
    )

    status, _out, _err = cli(capsys, monkeypatch, "import_history", path, "--no-progress")

    assert status == 0
    brands = {o.import_ref: o.brand for o in Order.objects.select_related("brand")}
    assert [brands[f"R{i}"].name for i in range(4)] == names
    assert len({b.slug for b in brands.values()}) == 4


def test_an_existing_brand_is_found_by_its_name_never_by_a_slug_made_from_the_name(ana, tmp_path, capsys, monkeypatch):
    aurora = Brand.objects.create(name="Aurora Skincare", slug="aurora-skincare")
    bo = CreatorFactory(handle="bo")
    path = history(
        tmp_path, row(ref="A1", brand="AURORA   skincare"), row(ref="A2", brand="Aurora  Skincare!", creator=bo.handle)
    )

    status, _out, _err = cli(capsys, monkeypatch, "import_history", path, "--no-progress")

    assert status == 0
    assert Order.objects.get(import_ref="A1").brand == aurora
    other = Order.objects.get(import_ref="A2").brand
    assert other != aurora and other.name == "Aurora Skincare!"


def test_the_creator_column_finds_a_starmap_handle_in_any_case(ana, tmp_path, capsys, monkeypatch):
    path = history(tmp_path, row(creator="ANA"))

    status, _out, err = cli(capsys, monkeypatch, "import_history", path, "--no-progress")

    assert (status, err) == (0, "")
    assert Collaboration.objects.get().creator == ana


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("H1,Glow Labs,seeding,image_post,ana,yes,100", "row 2: The row has 7 fields; the header has 9."),
        (row() + ",extra,extra", "row 2: The row has 11 fields; the header has 9."),
    ],
)
def test_a_row_with_too_few_or_too_many_fields_is_refused_not_padded(ana, tmp_path, capsys, monkeypatch, line, error):
    path = history(tmp_path, line)

    status, _out, err = cli(capsys, monkeypatch, "import_history", path, "--no-progress")

    assert status == 1 and error in err
    assert written() == (0, 0, 0)


def test_a_repeated_column_is_refused_naming_it(ana, tmp_path, capsys, monkeypatch):
    path = history(tmp_path, row() + ",H1", header=HEADER + ",order_ref")

    status, _out, err = cli(capsys, monkeypatch, "import_history", path, "--no-progress")

    assert status == 1 and "row 1, column order_ref: This column appears twice." in err
    assert written() == (0, 0, 0)


def test_an_unclosed_quote_is_reported_where_it_starts(ana, tmp_path, capsys, monkeypatch):
    path = history(tmp_path, row(), 'H2,Glow Labs,seeding,image_post,"ana,yes,100,2025-03-01,2025-03-02', row(ref="H3"))

    status, _out, err = cli(capsys, monkeypatch, "import_history", path, "--no-progress")

    assert status == 1 and "row 3: A quoted cell starts on this row and its closing quote is missing." in err
    assert written() == (0, 0, 0)


@pytest.mark.parametrize("command", ["import_history", "import_results"])
def test_an_empty_file_says_so(ana, tmp_path, capsys, monkeypatch, command):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    status, _out, err = cli(capsys, monkeypatch, command, str(path), "--no-progress")

    assert status == 1 and "The file is empty." in err


def test_history_views_have_the_one_bound_of_every_count(ana, tmp_path, capsys, monkeypatch):
    path = history(tmp_path, row() + ",100000000001", header=HEADER + ",views")

    status, _out, err = cli(capsys, monkeypatch, "import_history", path, "--no-progress")

    assert status == 1 and "row 2, column views: 100000000001 is out of range" in err


# ------------------------------------------------------------------ import_results


@pytest.fixture
def published(taxonomy):
    return CollaborationFactory(status=Collaboration.Status.PUBLISHED, published_at=timezone.now() - timedelta(days=40))


def results(tmp_path, text: str) -> str:
    path = tmp_path / "results.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_results_refuse_a_repeated_column(published, tmp_path, capsys, monkeypatch):
    path = results(tmp_path, f"collaboration,day,views,views\n{published.pk},1,1,1\n")

    status, _out, err = cli(capsys, monkeypatch, "import_results", path, "--no-progress")

    assert status == 1 and "row 1, column views: This column appears twice." in err
    assert not ResultSnapshot.objects.exists()


def test_results_report_every_bad_cell_of_a_row(published, tmp_path, capsys, monkeypatch):
    path = results(
        tmp_path, f"collaboration,day,views,likes,comments,shares,clicks\n{published.pk},1,2000,²,①,-1,1e309\n"
    )

    status, _out, err = cli(capsys, monkeypatch, "import_results", path, "--no-progress")

    assert status == 1
    for column, value in [("likes", "²"), ("comments", "①"), ("shares", "-1"), ("clicks", "1e309")]:
        assert f"row 2, column {column}: '{value}' is not a whole number" in err
    assert not ResultSnapshot.objects.exists()


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("{pk},1", "row 2: The row has 2 fields; the header has 5."),
        ("{pk},1,2000,5,5,9,9", "row 2: The row has 7 fields; the header has 5."),
    ],
)
def test_results_refuse_a_row_with_too_few_or_too_many_fields(published, tmp_path, capsys, monkeypatch, line, error):
    path = results(tmp_path, "collaboration,day,views,likes,comments\n" + line.format(pk=published.pk) + "\n")

    status, _out, err = cli(capsys, monkeypatch, "import_results", path, "--no-progress")

    assert status == 1 and error in err
    assert not ResultSnapshot.objects.exists()


def test_the_report_upload_refuses_a_repeated_column_too(published):
    import io

    from orders.results_import import ImportFailed, parse

    with pytest.raises(ImportFailed) as failed:
        parse(io.StringIO(f"collaboration,day,views,views\n{published.pk},1,1,1\n"))

    assert failed.value.errors == ["row 1, column views: This column appears twice."]

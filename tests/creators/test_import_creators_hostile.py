"""import_creators as a brand's data engineer meets it: handles compare without case as the sign-up form compares
them, counts have the app's one bound, every problem is found in one pass (docs/import-creators.md)."""

from __future__ import annotations

import pytest

from creators.models import Creator
from tests.commands import cli
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db


def creators_file(tmp_path, text: str) -> str:
    path = tmp_path / "creators.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(capsys, monkeypatch, path: str, *args: str) -> tuple[int, str, str]:
    return cli(capsys, monkeypatch, "import_creators", path, "--no-progress", *args)


def test_handles_that_differ_only_in_case_are_one_handle_in_the_file(taxonomy, tmp_path, capsys, monkeypatch):
    path = creators_file(tmp_path, "handle,display_name\nhx-Dup,A\nhx-dup,B\n")

    status, _out, err = run(capsys, monkeypatch, path)

    assert status == 1 and "row 3, column handle: Duplicate handle; row 2 has it too." in err
    assert not Creator.objects.exists()


def test_a_handle_taken_in_another_case_is_taken(taxonomy, tmp_path, capsys, monkeypatch):
    CreatorFactory(handle="hx-ok1")
    path = creators_file(tmp_path, "handle,display_name\nHX-OK1,Again\n")

    status, _out, err = run(capsys, monkeypatch, path)

    assert status == 1 and "row 2, column handle: A creator with this handle already exists." in err
    assert Creator.objects.count() == 1


def test_a_handle_is_stored_in_lower_case_as_the_sign_up_form_stores_it(taxonomy, tmp_path, capsys, monkeypatch):
    path = creators_file(tmp_path, "handle,display_name\nMia-Lifts,Mia\n")

    status, _out, _err = run(capsys, monkeypatch, path)

    assert status == 0
    assert list(Creator.objects.values_list("handle", flat=True)) == ["mia-lifts"]


@pytest.mark.parametrize("column", ["followers", "median_views_30d", "median_views_90d"])
def test_counts_above_the_apps_follower_bound_are_refused(taxonomy, tmp_path, capsys, monkeypatch, column):
    path = creators_file(tmp_path, f"handle,display_name,{column}\nbig,Big,9223372036854775807\nok,OK,1000000000000\n")

    status, _out, err = run(capsys, monkeypatch, path)

    assert status == 1
    assert f"row 2, column {column}: 9223372036854775807 is out of range" in err
    assert "row 3" not in err  # 10^12, MAX_FOLLOWERS itself, is fine
    assert not Creator.objects.exists()


def test_a_taken_handle_is_reported_with_the_files_other_errors(taxonomy, tmp_path, capsys, monkeypatch):
    CreatorFactory(handle="taken")
    path = creators_file(tmp_path, "handle,display_name,followers\ntaken,A,1\nnew,B,12k\n")

    status, _out, err = run(capsys, monkeypatch, path)

    assert status == 1
    assert "row 2, column handle: A creator with this handle already exists." in err
    assert "row 3, column followers:" in err


@pytest.mark.parametrize("handle", ["-", "_", "--"])
def test_a_handle_without_a_letter_or_digit_is_refused(taxonomy, tmp_path, capsys, monkeypatch, handle):
    path = creators_file(tmp_path, f"handle,display_name\n{handle},A\n")

    status, _out, err = run(capsys, monkeypatch, path)

    assert status == 1 and "row 2, column handle: Use only letters, digits" in err and "at least one letter" in err


def test_with_verified_the_summary_does_not_suggest_verified(taxonomy, tmp_path, capsys, monkeypatch):
    path = creators_file(tmp_path, "handle,display_name,verification\npat,P,pending\nrob,R,rejected\nvic,V,\n")

    status, out, _err = run(capsys, monkeypatch, path, "--verified")

    assert status == 0
    assert "1 creator imported as pending, as its verification cell says" in out
    assert "(--verified)" not in out


def test_an_unclosed_quote_is_reported_as_one_with_its_row(taxonomy, tmp_path, capsys, monkeypatch):
    path = creators_file(tmp_path, 'handle,display_name,followers\nhx-oq,"Open,1000\nhx-oq2,OK,1\n')

    status, _out, err = run(capsys, monkeypatch, path)

    assert status == 1 and "row 2: A quoted cell starts on this row and its closing quote is missing." in err
    assert not Creator.objects.exists()

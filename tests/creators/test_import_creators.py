import csv
import io

import pytest
from django.core.management import CommandError, call_command

from creators.importing import CreatorImportFailed, creators_import
from creators.models import Creator, CreatorLabel, RatePrice
from marketplace.core.models import AuditLog
from tests.factories import CreatorFactory, LabelFactory


def good_row(n: int, **overrides: str) -> dict[str, str]:
    row = {
        "handle": f"glow-{n}",
        "display_name": f"Glow {n}",
        "platform": "douyin",
        "country": "CN",
        "bio": "Skincare for students",
        "content_sample": "Oily skin routine | Toner review",
        "followers": "120000",
        "median_views_30d": "40000",
        "median_views_90d": "35000",
        "engagement_rate": "0.05",
        "completion_rate": "0.4",
        "hit_video_share": "0.1",
        "follower_growth_30d": "-0.02",
        "fulfilment_rate": "0.95",
        "avg_rating": "4.5",
        "labels": "150:0.8;151:0.3",
        "audience_age": "18-23:0.3;24-30:0.4;31-40:0.2;41-50:0.05;50+:0.05",
        "audience_gender": "female:0.7;male:0.3",
        "audience_region": "CN-GD:0.6;CN-SH:0.4",
        "price_short_1_20": "",
        "price_short_21_60": "1200.50",
        "price_video_60_plus": "3000",
        "price_image_post": "",
        "price_live_session": "",
        "max_concurrent": "4",
        "verification": "verified",
        "is_active": "true",
    }
    row.update(overrides)
    return row


def test_rates_come_with_the_number_of_orders_behind_them(tmp_path, labels):
    data = csv_bytes([good_row(1, fulfilment_orders="40", rating_count="12"), good_row(2)])

    run_import(tmp_path, data)

    counted, uncounted = Creator.objects.get(handle="glow-1"), Creator.objects.get(handle="glow-2")
    assert (counted.fulfilment_rate, counted.fulfilment_orders) == (pytest.approx(0.95), 40)
    assert (counted.avg_rating, counted.rating_count) == (pytest.approx(4.5), 12)
    assert (counted.imported_fulfilment_orders, counted.imported_rating_count) == (40, 12)
    # A rate without its count stands for one order until history replaces it.
    assert (uncounted.fulfilment_orders, uncounted.imported_fulfilment_orders) == (1, None)


HEADER = [*good_row(0), "fulfilment_orders", "rating_count"]


def csv_bytes(rows: list[dict[str, str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def run_import(tmp_path, data: bytes, *args: str) -> str:
    path = tmp_path / "creators.csv"
    path.write_bytes(data)
    stdout = io.StringIO()
    call_command("import_creators", str(path), "--no-progress", *args, stdout=stdout)
    return stdout.getvalue()


def import_error(tmp_path, data: bytes, *args: str) -> str:
    with pytest.raises(CommandError) as excinfo:
        run_import(tmp_path, data, *args)
    return str(excinfo.value)


def snapshot() -> tuple[int, int, int, int]:
    return Creator.objects.count(), CreatorLabel.objects.count(), RatePrice.objects.count(), AuditLog.objects.count()


@pytest.fixture
def labels(db):
    return {iab_id: LabelFactory(iab_id=iab_id) for iab_id in ("150", "151", "179")}


def test_good_file_imports_every_row_with_labels_rates_and_audience(tmp_path, labels):
    data = csv_bytes([good_row(1), good_row(2, labels="179", price_video_60_plus=""), good_row(3)])

    output = run_import(tmp_path, data)

    assert "Imported 3 creators" in output
    assert "rows/s" in output
    creator = Creator.objects.get(handle="glow-1")
    assert creator.display_name == "Glow 1"
    assert creator.country == "CN"
    assert creator.content_sample == "Oily skin routine\nToner review"
    assert creator.followers == 120_000
    assert creator.engagement_rate == pytest.approx(0.05)
    assert creator.follower_growth_30d == pytest.approx(-0.02)
    assert creator.avg_rating == pytest.approx(4.5)
    assert creator.max_concurrent == 4
    assert creator.verification == "verified"
    assert creator.verified_at is not None
    assert creator.user is None
    assert creator.audience_gender == {"female": 0.7, "male": 0.3}
    assert creator.audience_region == {"CN-GD": 0.6, "CN-SH": 0.4}
    assert dict(creator.label_links.values_list("label__iab_id", "weight")) == {"150": 0.8, "151": 0.3}
    assert dict(creator.rate_prices.values_list("format", "amount")) == {
        "short_21_60": 120_050,
        "video_60_plus": 300_000,
    }
    second = Creator.objects.get(handle="glow-2")
    assert list(second.label_links.values_list("label__iab_id", "weight")) == [("179", 1.0)]
    assert list(second.rate_prices.values_list("format", flat=True)) == ["short_21_60"]


def test_only_handle_and_display_name_are_required(tmp_path, labels):
    data = b"handle,display_name\nplain-1,Plain One\n"

    run_import(tmp_path, data)

    creator = Creator.objects.get(handle="plain-1")
    assert (creator.platform, creator.is_active, creator.max_concurrent) == ("douyin", True, 3)
    assert creator.fulfilment_rate is None
    assert creator.audience_age == {}
    assert not creator.rate_prices.exists()


def test_successful_import_writes_one_audit_row(tmp_path, labels):
    data = csv_bytes([good_row(1), good_row(2)])

    run_import(tmp_path, data)

    entry = AuditLog.objects.get(action="creator_import")
    assert entry.data["rows"] == 2
    assert entry.data["source"] == "creators.csv"


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"followers": "12k"}, "followers", "'12k' is not a whole number"),
        ({"followers": "-5"}, "followers", "'-5' is not a whole number"),
        ({"engagement_rate": "5"}, "engagement_rate", "between 0 and 1"),
        ({"engagement_rate": "nan"}, "engagement_rate", "finite"),
        ({"avg_rating": "0.5"}, "avg_rating", "between 1 and 5"),
        ({"audience_age": "18-23:0.3;24-30:0.3"}, "audience_age", "must sum to 1"),
        ({"audience_age": "12-17:1"}, "audience_age", "unknown bucket"),
        ({"audience_region": "XX:1"}, "audience_region", "unknown bucket"),
        ({"audience_gender": "female=1"}, "audience_gender", "<bucket>:<share>"),
        ({"labels": "150:0.5;999999:0.5"}, "labels", "Unknown IAB 3.1 label id '999999'"),
        ({"labels": "150:1.5"}, "labels", "from 0 to at most 1"),
        ({"labels": "150:0.5;150:0.2"}, "labels", "appears twice"),
        ({"handle": "glow-1"}, "handle", "Duplicate handle; row 2 has it too"),
        ({"handle": "bad handle!"}, "handle", "letters, digits"),
        ({"display_name": ""}, "display_name", "required"),
        ({"price_short_21_60": "12,00"}, "price_short_21_60", "Enter an amount like 1200 or 1200.50"),
        ({"price_short_21_60": "12.005"}, "price_short_21_60", "at most two decimal places"),
        ({"price_short_21_60": "0"}, "price_short_21_60", "more than zero"),
        ({"platform": "myspace"}, "platform", "Unknown value 'myspace'"),
        ({"country": "Narnia"}, "country", "Unknown region code"),
        ({"max_concurrent": "0"}, "max_concurrent", "from 1 to"),
        ({"fulfilment_rate": "", "fulfilment_orders": "12"}, "fulfilment_orders", "a count needs the rate"),
        ({"rating_count": "0"}, "rating_count", "from 1 to"),
        ({"is_active": "maybe"}, "is_active", "true or false"),
    ],
)
def test_one_bad_row_imports_nothing_and_names_row_column_and_reason(tmp_path, labels, overrides, column, reason):
    data = csv_bytes([good_row(1), good_row(2), good_row(3, **overrides), good_row(4)])

    message = import_error(tmp_path, data)

    assert f"row 4, column {column}: " in message
    assert reason in message
    assert "The file has 1 error; nothing was imported." in message
    assert snapshot() == (0, 0, 0, 0)


def test_every_bad_cell_is_reported_not_just_the_first(tmp_path, labels):
    data = csv_bytes([good_row(1, followers="x", price_image_post="1.234"), good_row(2), good_row(3, labels="nope")])

    message = import_error(tmp_path, data)

    assert "row 2, column followers: " in message
    assert "row 2, column price_image_post: " in message
    assert "row 4, column labels: " in message
    assert "3 errors" in message


def test_handle_already_in_the_database_imports_nothing(tmp_path, labels):
    CreatorFactory(handle="glow-2")
    before = snapshot()
    data = csv_bytes([good_row(1), good_row(2)])

    message = import_error(tmp_path, data)

    assert "row 3, column handle: A creator with this handle already exists." in message
    assert snapshot() == before


def test_failed_import_leaves_the_database_unchanged_every_time(tmp_path, labels):
    CreatorFactory(handle="existing")
    before = snapshot()
    data = csv_bytes([good_row(n) for n in range(1, 40)] + [good_row(40, followers="many")])

    first = import_error(tmp_path, data)
    second = import_error(tmp_path, data)

    assert first == second
    assert snapshot() == before


def test_importing_the_same_file_twice_rejects_the_second_run(tmp_path, labels):
    data = csv_bytes([good_row(1), good_row(2)])
    run_import(tmp_path, data)
    before = snapshot()

    message = import_error(tmp_path, data)

    assert "row 2, column handle: A creator with this handle already exists." in message
    assert "row 3, column handle: A creator with this handle already exists." in message
    assert snapshot() == before


def test_printed_errors_are_capped_with_a_count_of_the_rest(tmp_path, labels):
    data = csv_bytes([good_row(n, followers="bad") for n in range(60)])

    message = import_error(tmp_path, data)

    assert "60 errors" in message
    assert message.count("column followers") == 50
    assert "and 10 more errors" in message


def test_rows_are_numbered_by_the_line_they_start_on(tmp_path, labels):
    data = csv_bytes([good_row(1, bio="line one\nline two\nline three"), good_row(2, followers="x")])

    message = import_error(tmp_path, data)

    assert "row 5, column followers: " in message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            ["display_name", "followers"],
            "row 1, column handle: Give a handle column, a platform_handle column or both.",
        ),
        (["handle", "display_name", "folowers"], "row 1, column folowers: Unknown column. Did you mean followers?"),
        (["handle", "display_name", "handle"], "row 1, column handle: This column appears twice."),
        (["handle", "display_name", ""], "row 1, column #3: This column has no name."),
    ],
)
def test_header_problems_are_reported_before_any_row(tmp_path, labels, header, expected):
    data = (",".join(header) + "\n" + ",".join("x" for _ in header) + "\n").encode()

    message = import_error(tmp_path, data)

    assert expected in message
    assert "row 2" not in message
    assert snapshot() == (0, 0, 0, 0)


def test_header_names_ignore_case_and_spaces(tmp_path, labels):
    data = b" Handle , DISPLAY_NAME ,Followers\nspaced,Spaced,10\n"

    run_import(tmp_path, data)

    assert Creator.objects.get(handle="spaced").followers == 10


def test_row_with_the_wrong_number_of_fields_is_reported(tmp_path, labels):
    data = b"handle,display_name,followers\nok-1,Ok,1\nshort-1,Short\n"

    message = import_error(tmp_path, data)

    assert "row 3: The row has 2 fields; the header has 3." in message


def test_empty_file_is_rejected(tmp_path, labels):
    assert "The file is empty." in import_error(tmp_path, b"")


def test_header_without_rows_is_rejected(tmp_path, labels):
    assert "header but no data rows" in import_error(tmp_path, b"handle,display_name\n\n")


def test_file_that_is_not_utf8_is_rejected_with_its_row(tmp_path, labels):
    data = "handle,display_name\nok-1,Ok\ncafe-1,Café\n".encode("latin-1")

    message = import_error(tmp_path, data)

    assert "row 3: The file is not UTF-8 text" in message
    assert snapshot() == (0, 0, 0, 0)


def test_utf16_file_is_rejected_with_advice(tmp_path, labels):
    data = "handle,display_name\nok-1,Ok\n".encode("utf-16")

    assert "UTF-16" in import_error(tmp_path, data)


def test_excel_utf8_with_bom_is_accepted(tmp_path, labels):
    data = "handle,display_name\nxiao-1,小明\n".encode("utf-8-sig")

    run_import(tmp_path, data)

    assert Creator.objects.get(handle="xiao-1").display_name == "小明"


def test_nul_character_is_rejected(tmp_path, labels):
    data = b"handle,display_name\nok-1,Ok\nnul-1,N\x00ul\n"

    assert "row 3: The line contains a NUL character." in import_error(tmp_path, data)


def test_missing_file_is_a_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_creators", str(tmp_path / "nope.csv"), "--no-progress")


def test_dry_run_validates_but_writes_nothing(tmp_path, labels):
    data = csv_bytes([good_row(1), good_row(2)])

    output = run_import(tmp_path, data, "--dry-run")

    assert "2 rows valid" in output
    assert snapshot() == (0, 0, 0, 0)


def test_progress_bars_go_to_stderr(tmp_path, labels, capsys):
    path = tmp_path / "creators.csv"
    path.write_bytes(csv_bytes([good_row(1)]))

    call_command("import_creators", str(path), stdout=io.StringIO())

    err = capsys.readouterr().err
    assert "validate" in err
    assert "write" in err


def test_handle_taken_between_validation_and_writing_imports_nothing(labels):
    data = csv_bytes([good_row(1), good_row(2)])

    def take_handle_before_writing(stage, advance, total):
        if stage == "write" and advance == 0:
            CreatorFactory(handle="glow-2")

    with pytest.raises(CreatorImportFailed, match="1 error"):
        creators_import(data=data, progress=take_handle_before_writing)

    assert list(Creator.objects.values_list("handle", flat=True)) == ["glow-2"]
    assert not AuditLog.objects.filter(action="creator_import").exists()


# ------------------------------------------------- platform handles and slugs


def test_platform_handles_with_dots_import_under_a_free_derived_slug(tmp_path, labels):
    CreatorFactory(handle="anna-bell")
    data = (
        b"platform,platform_handle,display_name\n"
        b"instagram,@Anna.Bell,Anna\n"
        b"tiktok,anna.bell,Anna on TikTok\n"
        b"instagram,browse,Browse\n"
    )

    output = run_import(tmp_path, data)

    assert "Imported 3 creators" in output
    rows = Creator.objects.filter(platform_handle__gt="").order_by("id")
    assert list(rows.values_list("platform", "platform_handle", "handle")) == [
        ("instagram", "anna.bell", "anna-bell-2"),
        ("tiktok", "anna.bell", "anna-bell-3"),
        ("instagram", "browse", "browse-2"),
    ]
    assert "3 handles were derived from platform handles" in output


def test_a_given_handle_is_kept_beside_the_platform_handle(tmp_path, labels):
    data = b"handle,platform,platform_handle,display_name\nmy-slug,instagram,my.name,Me\n"

    run_import(tmp_path, data)

    assert Creator.objects.get(handle="my-slug").platform_handle == "my.name"


@pytest.mark.parametrize(
    ("platform", "name", "reason"),
    [
        ("instagram", "anna..bell", "Not a valid Instagram handle"),
        ("instagram", ".anna", "Not a valid Instagram handle"),
        ("instagram", "a" * 31, "1 to 30 characters"),
        ("tiktok", "anna.", "Not a valid TikTok handle"),
        ("twitch", "anna.bell", "Not a valid Twitch handle"),
        ("instagram", "anna bell", "Not a valid Instagram handle"),
    ],
)
def test_a_platform_handle_breaking_that_platforms_rules_is_refused(tmp_path, labels, platform, name, reason):
    data = f"platform,platform_handle,display_name\n{platform},ok_name,Ok\n{platform},{name},Bad\n".encode()

    message = import_error(tmp_path, data)

    assert "row 3, column platform_handle: " in message and reason in message
    assert snapshot() == (0, 0, 0, 0)


def test_platform_handles_are_unique_per_platform_whatever_the_case(tmp_path, labels):
    data = b"platform,platform_handle,display_name\ninstagram,Anna.Bell,A\ninstagram,anna.bell,B\ntiktok,anna.bell,C\n"

    message = import_error(tmp_path, data)

    assert "row 3, column platform_handle: Duplicate Instagram handle; row 2 has it too." in message
    assert "1 error;" in message


def test_a_platform_handle_taken_in_the_database_imports_nothing(tmp_path, labels):
    CreatorFactory(handle="old", platform="instagram", platform_handle="taken.name")
    CreatorFactory(handle="old-tiktok", platform="tiktok", platform_handle="free.name")
    data = b"platform,platform_handle,display_name\ninstagram,free.name,A\ninstagram,TAKEN.name,D\n"

    message = import_error(tmp_path, data)

    assert "row 3, column platform_handle: A creator with this Instagram handle already exists." in message
    assert "1 error;" in message


def test_a_row_needs_a_handle_or_a_platform_handle(tmp_path, labels):
    data = b"handle,platform_handle,display_name\n,,Nobody\n"

    message = import_error(tmp_path, data)

    assert "row 2, column handle: Give a handle, a platform_handle or both." in message


# ------------------------------------------------------------ unknown metrics


def test_empty_metric_cells_are_stored_as_unknown_not_zero(tmp_path, labels):
    row = good_row(1, median_views_30d="", median_views_90d="", engagement_rate="", completion_rate="")
    data = csv_bytes([row, good_row(2, hit_video_share="", follower_growth_30d="")])

    run_import(tmp_path, data)

    first, second = Creator.objects.get(handle="glow-1"), Creator.objects.get(handle="glow-2")
    assert (first.median_views_30d, first.median_views_90d, first.engagement_rate, first.completion_rate) == (
        None,
        None,
        None,
        None,
    )
    assert (second.hit_video_share, second.follower_growth_30d) == (None, None)
    assert second.median_views_30d == 40_000


# ------------------------------------------------------------- label weights


def test_a_label_weight_that_rounds_to_zero_drops_the_label(tmp_path, labels):
    data = csv_bytes(
        [good_row(1, labels="150:0.000;151:0.4"), good_row(2, labels="150:0.0004;179:0"), good_row(3, labels="150:0")]
    )

    run_import(tmp_path, data)

    assert dict(Creator.objects.get(handle="glow-1").label_links.values_list("label__iab_id", "weight")) == {"151": 0.4}
    assert not Creator.objects.get(handle="glow-2").label_links.exists()
    assert not Creator.objects.get(handle="glow-3").label_links.exists()


def test_a_negative_label_weight_is_still_refused(tmp_path, labels):
    message = import_error(tmp_path, csv_bytes([good_row(1, labels="150:-0.1")]))

    assert "row 2, column labels: " in message and "at most 1" in message


# ---------------------------------------------------------------- current load


def test_current_load_is_imported(tmp_path, labels):
    data = csv_bytes(
        [good_row(1) | {"current_load": "2"}, good_row(2) | {"current_load": ""}], [*HEADER, "current_load"]
    )

    run_import(tmp_path, data)

    assert Creator.objects.get(handle="glow-1").external_load == 2
    assert Creator.objects.get(handle="glow-2").external_load == 0


def test_a_current_load_that_is_not_a_count_is_refused(tmp_path, labels):
    data = csv_bytes([good_row(1) | {"current_load": "-1"}], [*HEADER, "current_load"])

    assert "row 2, column current_load: " in import_error(tmp_path, data)


# ------------------------------------------------------------- verification


def test_an_import_says_that_unverified_creators_are_not_ranked(tmp_path, labels):
    data = csv_bytes([good_row(1, verification=""), good_row(2, verification=""), good_row(3)])

    output = run_import(tmp_path, data)

    assert list(Creator.objects.order_by("handle").values_list("verification", flat=True)) == [
        "unverified",
        "unverified",
        "verified",
    ]
    assert "2 creators imported as unverified: they are not ranked until verified (--verified)." in output
    assert "1 creator imported as verified: ranked from the next ranking." in output


def test_verified_flag_verifies_rows_that_do_not_say_otherwise(tmp_path, labels):
    data = csv_bytes([good_row(1, verification=""), good_row(2, verification="pending")])

    output = run_import(tmp_path, data, "--verified")

    first, second = Creator.objects.get(handle="glow-1"), Creator.objects.get(handle="glow-2")
    assert (first.verification, second.verification) == ("verified", "pending")
    assert first.verified_at is not None
    assert "1 creator imported as verified: ranked from the next ranking." in output
    assert "1 creator imported as pending, as its verification cell says: they are not ranked until verified." in output
    assert "(--verified)" not in output  # the file was imported with it


def test_inactive_rows_are_named_in_the_summary(tmp_path, labels):
    data = csv_bytes([good_row(1, is_active="false"), good_row(2)])

    output = run_import(tmp_path, data)

    assert "1 creator imported as inactive: not ranked while inactive." in output

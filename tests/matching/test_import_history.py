import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from orders.models import Collaboration, Order
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "order_ref,brand,order_title,product_category,goal,format,published_at,target_labels,target_age,"
    "price_per_creator,creator,agreed_price,offered_at,accepted,completed_on_time,rating,views,conversions"
)


def write(tmp_path, rows: list[str]):
    path = tmp_path / "history.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def creators(taxonomy):
    return CreatorFactory(handle="ana"), CreatorFactory(handle="bo")


GOOD = [
    "A1,Glow Labs,Spring serum,1004,seeding,short_21_60,2025-03-01,483:1.0,18-23;24-30,2000.00,ana,1800.00,"
    "2025-03-02,yes,yes,5,120000,340",
    "A1,Glow Labs,Spring serum,1004,seeding,short_21_60,2025-03-01,483:1.0,18-23;24-30,2000.00,bo,2000,"
    "2025-03-02,no,,,,",
]


def test_history_file_imports_orders_collaborations_and_refreshes_creator_stats(creators, tmp_path):
    call_command("import_history", write(tmp_path, GOOD))

    order = Order.objects.get(title="Spring serum")
    assert order.status == Order.Status.CLOSED
    assert order.brand.name == "Glow Labs"
    assert order.target_label_links.get().label.iab_id == "483"
    ana = Collaboration.objects.get(creator__handle="ana")
    assert (ana.accepted, ana.completed_on_time, ana.brand_rating, ana.views, ana.agreed_price) == (
        True,
        True,
        5,
        120000,
        180000,
    )
    assert ana.origin == Collaboration.Origin.IMPORT
    ana.creator.refresh_from_db()
    assert ana.creator.fulfilment_rate == 1.0 and ana.creator.avg_rating == 5.0
    assert not Collaboration.objects.get(creator__handle="bo").accepted


@pytest.mark.parametrize(
    ("imported", "expected"),
    [
        # 20 earlier orders at 90 % on time plus one imported deal on time: 19 of 21.
        ({"imported_fulfilment_rate": 0.9, "imported_fulfilment_orders": 20}, (pytest.approx(19 / 21), 21)),
        # A rate without its count is replaced by the history it may already include.
        ({"imported_fulfilment_rate": 0.5, "imported_fulfilment_orders": None}, (1.0, 1)),
    ],
)
def test_imported_aggregates_and_imported_history_combine_as_documented(taxonomy, tmp_path, imported, expected):
    CreatorFactory(handle="ana", **imported)
    CreatorFactory(handle="bo")

    call_command("import_history", write(tmp_path, GOOD))

    ana = Collaboration.objects.get(creator__handle="ana").creator
    ana.refresh_from_db()
    assert (ana.fulfilment_rate, ana.fulfilment_orders) == expected


@pytest.mark.parametrize(
    ("bad_row", "column", "reason"),
    [
        (GOOD[1].replace(",bo,", ",nobody,"), "creator", "no creator with handle"),
        (GOOD[1].replace("2000,2025", '"12,50",2025'), "agreed_price", "12,50"),  # a decimal comma, quoted
        (GOOD[1].replace("2000,2025", "20.005,2025"), "agreed_price", "two decimal"),
        (GOOD[1].replace("seeding", "fame"), "goal", "unknown value 'fame'; use one of awareness, seeding, conversion"),
        (GOOD[1].replace(",no,,,,", ",maybe,,,,"), "accepted", "not yes or no"),
        (GOOD[1].replace(",no,,,,", ",no,,,5000,"), "accepted", "is no, but the row has results"),
        (GOOD[1].replace("Spring serum", "Other title"), "order_title", "differs from row 2"),
        (GOOD[1].replace("2025-03-01", "2999-01-01"), "published_at", "future"),
        (GOOD[1].replace("483:1.0", "999999:1.0"), "target_labels", "IAB 3.1 id"),
    ],
)
def test_one_bad_row_imports_nothing_and_names_row_column_reason(creators, tmp_path, bad_row, column, reason):
    path = write(tmp_path, [GOOD[0], bad_row])

    with pytest.raises(CommandError) as exc:
        call_command("import_history", path)

    message = str(exc.value)
    assert "nothing was imported" in message
    assert f"row 3, column {column}" in message
    assert reason in message
    assert not Order.objects.exists()
    assert not Collaboration.objects.exists()


def test_missing_header_column_is_reported(creators, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("order_ref,brand\nA,B\n")

    with pytest.raises(CommandError, match="missing column"):
        call_command("import_history", path)


def test_history_round_trips_through_the_documented_columns():
    from orders.history_import import OPTIONAL, REQUIRED

    documented = (Path(__file__).resolve().parents[2] / "docs" / "import-history.md").read_text(encoding="utf-8")

    for column in REQUIRED + OPTIONAL:
        assert f"`{column}`" in documented
    assert set(csv.reader(io.StringIO(HEADER)).__next__()) <= set(REQUIRED + OPTIONAL)


# ----------------------------------------------------- what real exports lack

MINIMAL = "order_ref,goal,format,creator,accepted"


def write_csv(tmp_path, header: str, rows: list[str]):
    path = tmp_path / "history.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_brand_category_dates_and_price_may_be_left_out_with_documented_defaults(creators, tmp_path):
    from creators.models import RatePrice
    from orders.history_import import UNKNOWN_BRAND

    ana, bo = creators
    RatePrice.objects.create(
        creator=ana, format="image_post", amount=90_000, currency="CNY", effective_from="2025-01-01"
    )
    RatePrice.objects.create(
        creator=bo, format="image_post", amount=70_000, currency="CNY", effective_from="2025-01-01"
    )
    path = write_csv(
        tmp_path,
        MINIMAL + ",offered_at",
        ["X1,awareness,image_post,ana,yes,2025-04-02", "X1,awareness,image_post,bo,no,2025-04-01"],
    )

    call_command("import_history", path, stdout=io.StringIO())

    order = Order.objects.get()
    assert order.brand.name == UNKNOWN_BRAND
    assert order.product_category is None
    assert order.published_at.date().isoformat() == "2025-04-01"  # the earliest offer
    assert order.price_per_creator == 90_000  # the highest agreed price
    ana_c, bo_c = Collaboration.objects.get(creator=ana), Collaboration.objects.get(creator=bo)
    assert (ana_c.agreed_price, bo_c.agreed_price) == (90_000, 70_000)  # each creator's rate card
    assert ana_c.offered_at.date().isoformat() == "2025-04-02"


def test_without_any_date_the_history_is_dated_the_import_day(creators, tmp_path):
    from django.utils import timezone

    path = write_csv(tmp_path, MINIMAL + ",brand,price_per_creator", ["Y1,seeding,short_21_60,ana,yes,Glow,500"])

    call_command("import_history", path, stdout=io.StringIO())

    c = Collaboration.objects.get()
    assert c.offered_at.date() == c.order.published_at.date() == timezone.now().date()
    assert (c.agreed_price, c.order.brand.name) == (50_000, "Glow")


def test_the_brands_industry_is_the_category_when_none_is_given(creators, tmp_path):
    from brands.models import Brand
    from marketplace.core.models import ProductCategory

    beer = ProductCategory.objects.get(iab_id="1004")
    Brand.objects.create(name="Hop House", slug="hop-house", industry=beer)
    path = write_csv(tmp_path, MINIMAL + ",brand,agreed_price", ["Z1,seeding,short_21_60,ana,yes,Hop House,300"])

    call_command("import_history", path, stdout=io.StringIO())

    assert Order.objects.get().product_category == beer


def test_a_price_that_cannot_be_known_is_reported(creators, tmp_path):
    path = write_csv(tmp_path, MINIMAL, ["P1,seeding,short_21_60,ana,yes"])

    with pytest.raises(CommandError) as exc:
        call_command("import_history", path)

    assert "row 2, column agreed_price: is required when the order has no price_per_creator" in str(exc.value)


def test_creators_are_found_by_their_platform_handle_too(creators, tmp_path):
    CreatorFactory(handle="zoe-travels", platform="instagram", platform_handle="zoe.travels")
    path = write_csv(tmp_path, MINIMAL + ",price_per_creator", ["Q1,awareness,image_post,@Zoe.Travels,yes,100"])

    call_command("import_history", path, stdout=io.StringIO())

    assert Collaboration.objects.get().creator.handle == "zoe-travels"


def test_a_platform_handle_on_two_platforms_needs_the_platform(creators, tmp_path):
    CreatorFactory(handle="z1", platform="instagram", platform_handle="zoe.travels")
    CreatorFactory(handle="z2", platform="tiktok", platform_handle="zoe.travels")
    ambiguous = write_csv(tmp_path, MINIMAL + ",price_per_creator", ["Q1,awareness,image_post,zoe.travels,yes,100"])

    with pytest.raises(CommandError, match="on instagram and tiktok; add a creator_platform column"):
        call_command("import_history", ambiguous)

    path = write_csv(
        tmp_path,
        MINIMAL + ",price_per_creator,creator_platform",
        ["Q1,awareness,image_post,zoe.travels,yes,100,tiktok"],
    )
    call_command("import_history", path, stdout=io.StringIO())
    assert Collaboration.objects.get().creator.handle == "z2"


def test_a_target_label_weight_that_rounds_to_zero_drops_the_label(creators, tmp_path):
    path = write_csv(
        tmp_path, MINIMAL + ",price_per_creator,target_labels", ["T1,seeding,short_21_60,ana,yes,100,483:0.000;210:0.5"]
    )

    call_command("import_history", path, stdout=io.StringIO())

    assert list(Order.objects.get().target_label_links.values_list("label__iab_id", "weight")) == [("210", 0.5)]


def test_importing_the_same_file_again_adds_nothing_and_says_so(creators, tmp_path):
    path = write(tmp_path, GOOD)
    call_command("import_history", path, "--no-progress", stdout=io.StringIO())
    before = list(Collaboration.objects.order_by("pk").values_list("pk", "order_id", "creator_id", "views"))

    out = io.StringIO()
    call_command("import_history", path, "--no-progress", stdout=out)

    assert list(Collaboration.objects.order_by("pk").values_list("pk", "order_id", "creator_id", "views")) == before
    assert Order.objects.count() == 1
    assert "2 row(s) were already imported (same brand, order_ref and creator) and were left as they are" in (
        out.getvalue()
    )


def test_a_grown_file_adds_only_its_new_rows_to_the_orders_already_there(creators, tmp_path):
    CreatorFactory(handle="cy")
    call_command("import_history", write(tmp_path, GOOD[:1]), "--no-progress", stdout=io.StringIO())

    out = io.StringIO()
    call_command(
        "import_history", write(tmp_path, [*GOOD, GOOD[1].replace(",bo,", ",cy,")]), "--no-progress", stdout=out
    )

    assert Order.objects.count() == 1
    assert sorted(Order.objects.get().collaborations.values_list("creator__handle", flat=True)) == ["ana", "bo", "cy"]
    assert "imported 2 collaborations on 1 past orders (0 new)" in out.getvalue()
    assert "1 row(s) were already imported" in out.getvalue()


def test_the_same_order_ref_of_another_brand_is_another_order(creators, tmp_path):
    call_command("import_history", write(tmp_path, GOOD), "--no-progress", stdout=io.StringIO())

    call_command(
        "import_history",
        write(tmp_path, [row.replace("Glow Labs", "Other Co") for row in GOOD]),
        "--no-progress",
        stdout=io.StringIO(),
    )

    assert Order.objects.count() == 2 and Collaboration.objects.count() == 4


def test_a_dry_run_counts_the_rows_already_imported(creators, tmp_path):
    path = write(tmp_path, GOOD)
    call_command("import_history", path, "--no-progress", stdout=io.StringIO())

    out = io.StringIO()
    call_command("import_history", path, "--dry-run", "--no-progress", stdout=out)

    assert "2 row(s) were already imported" in out.getvalue()
    assert Collaboration.objects.count() == 2


def test_an_offer_before_its_order_was_published_is_refused(creators, tmp_path):
    path = write(tmp_path, [GOOD[0], GOOD[1].replace("2000,2025-03-02", "2000,2025-02-27")])

    with pytest.raises(CommandError) as exc:
        call_command("import_history", path, "--no-progress")

    assert (
        "row 3, column offered_at: 2025-02-27 is before the order's published_at (2025-03-01); "
        "an offer is sent after its order is published"
    ) in str(exc.value)
    assert not Order.objects.exists()


@pytest.mark.parametrize(("cell", "stored"), [("4", 4), ("4.0", 4), ("5.00", 5)])
def test_a_rating_is_a_whole_number_of_stars_written_either_way(creators, tmp_path, cell, stored):
    call_command(
        "import_history",
        write(tmp_path, [GOOD[0].replace(",yes,yes,5,", f",yes,yes,{cell},"), GOOD[1]]),
        "--no-progress",
        stdout=io.StringIO(),
    )

    assert Collaboration.objects.get(creator__handle="ana").brand_rating == stored


def test_a_half_star_rating_is_refused_with_what_to_do(creators, tmp_path):
    path = write(tmp_path, [GOOD[0].replace(",yes,yes,5,", ",yes,yes,4.5,"), GOOD[1]])

    with pytest.raises(CommandError) as exc:
        call_command("import_history", path, "--no-progress")

    assert "row 2, column rating: '4.5' is not a whole number of stars from 1 to 5" in str(exc.value)
    assert "round half stars" in str(exc.value)

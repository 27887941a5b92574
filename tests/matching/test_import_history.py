import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from marketplace.models import Collaboration, Order
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
        (GOOD[1].replace("2000,2025", "12,50,2025"), "offered_at", "not a date"),
        (GOOD[1].replace("2000,2025", "20.005,2025"), "agreed_price", "two decimal"),
        (GOOD[1].replace("seeding", "fame"), "goal", "not one of"),
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
    from marketplace.history_import import OPTIONAL, REQUIRED

    documented = (Path(__file__).resolve().parents[2] / "docs" / "import-history.md").read_text(encoding="utf-8")

    for column in REQUIRED + OPTIONAL:
        assert f"`{column}`" in documented
    assert set(csv.reader(io.StringIO(HEADER)).__next__()) <= set(REQUIRED + OPTIONAL)

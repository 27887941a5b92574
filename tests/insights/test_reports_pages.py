"""Results on the collaboration page and the campaign report: who sees what, figures, CSV, upload, charts."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from brands.models import BrandMembership
from marketplace.core import charts
from marketplace.core.models import AuditLog
from orders.models import Collaboration, ResultSnapshot
from orders.reports import as_minor
from orders.services.results import result_record
from tests.factories import MembershipFactory, OrderFactory
from tests.orders import conftest as deals

S = Collaboration.Status
HX = {"HTTP_HX_REQUEST": "true"}
world = deals.world  # the deals' fixture: a funded brand (owner, viewer), an admin and a published order
REPORT_QUERIES = 12  # the campaign report page, whatever the number of collaborations


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def counts(views, likes=0, comments=0, shares=0, conversions=0, clicks=0, completion_rate=None):
    return {
        "views": views,
        "likes": likes,
        "comments": comments,
        "shares": shares,
        "clicks": clicks,
        "conversions": conversions,
        "completion_rate": completion_rate,
    }


def published(world, **creator):
    return deals.deal_in(world, S.PUBLISHED, creator=deals.make_creator(**creator) if creator else None)


def hand_checked(world):
    """CNY 5,000 for 250,000 views, 12,500 engagements and 125 conversions; the matcher expected 40,000
    views and 2,000 engagements (the factory creator's median views × engagement rate 5 %)."""
    c = published(world, display_name="Hand Checked")
    result_record(
        collaboration_id=c.pk,
        actor=c.creator.user,
        day=7,
        values=counts(250_000, likes=10_000, comments=2_000, shares=500, conversions=125),
    )
    return c


def report_url(order) -> str:
    return reverse("orders:report", args=[order.pk])


def results_post(day=1, **values):
    data = {"day": day, "views": 1000, "likes": 50, "comments": 5, "shares": 2, "clicks": 10, "conversions": 1}
    data.update({"completion_rate": "41.5"}, **values)
    return data


def html_of(response) -> str:
    return response.content.decode()


# ------------------------------------------------------------------ the collaboration page


def test_the_creator_sees_a_form_for_each_day_once_published(world, client):
    c = published(world)
    client.force_login(c.creator.user)

    response = client.get(reverse("deals:collaboration", args=[c.pk]))

    html = html_of(response)
    assert [form.for_day for form in response.context["result_forms"]] == [1, 3, 7, 14, 30]
    assert html.count(f'action="{reverse("deals:results", args=[c.pk])}"') == 5
    assert 'id="id_day14_views"' in html and 'id="id_day30_completion_rate"' in html


def test_the_brand_sees_the_report_but_no_result_forms(world, client):
    c = hand_checked(world)
    client.force_login(world["owner"])

    response = client.get(reverse("deals:collaboration", args=[c.pk]))

    html = html_of(response)
    assert response.context["result_forms"] == []
    assert 'id="results"' in html and reverse("deals:results", args=[c.pk]) not in html


def test_no_results_section_before_the_post_is_published(world, client):
    c = deals.deal_in(world, S.VIDEO_APPROVED)
    client.force_login(c.creator.user)

    response = client.get(reverse("deals:collaboration", args=[c.pk]))

    assert response.context["results_report"] is None
    assert 'id="results"' not in html_of(response)


def test_the_collaboration_report_shows_hand_checked_expected_and_actual_figures(world, client):
    c = hand_checked(world)
    client.force_login(world["owner"])

    html = html_of(client.get(reverse("deals:collaboration", args=[c.pk])))

    # Actual: CPM 5,000 / 250,000 × 1,000 = 20.00; CPE 5,000 / 12,500 = 0.40; ER 5 %; per conversion 40.00.
    # Expected: CPM 5,000 / 40,000 × 1,000 = 125.00; CPE 5,000 / 2,000 = 2.50; ER 5 %; no conversions expected.
    assert _row(html, "cpm") == ["CNY 125.00", "CNY 20.00"]
    assert _row(html, "cpe") == ["CNY 2.50", "CNY 0.40"]
    assert _row(html, "engagement_rate") == ["5.00 %", "5.00 %"]
    assert _row(html, "cost_per_conversion") == ["—", "CNY 40.00"]
    assert _row(html, "views") == ["40,000", "250,000"]


def _row(html: str, name: str) -> list[str]:
    """The expected and actual cells of one figure row."""
    start = html.index(f'id="figure-{name}"')
    row = html[start : html.index("</tr>", start)]
    return [cell.split(">", 1)[1].split("<", 1)[0].strip() for cell in row.split("<td")[1:]]


def test_zero_views_show_a_dash_not_an_error(world, client):
    c = published(world)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=1, values=counts(0))
    client.force_login(world["owner"])

    response = client.get(reverse("deals:collaboration", args=[c.pk]))

    assert response.status_code == 200
    html = html_of(response)
    assert _row(html, "cpm")[1] == "—" and _row(html, "cpe")[1] == "—" and _row(html, "engagement_rate")[1] == "—"


def test_the_creator_records_a_day_with_a_plain_post(world, client):
    c = published(world)
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:results", args=[c.pk]), results_post(day=3))

    assert response.status_code == 302 and response["Location"].endswith(f"/deals/{c.pk}/#results")
    snapshot = ResultSnapshot.objects.get(collaboration=c, day=3)
    assert (snapshot.views, snapshot.likes, snapshot.clicks, snapshot.source) == (1000, 50, 10, "creator")
    assert snapshot.completion_rate == pytest.approx(0.415)


def test_the_creator_records_a_day_with_htmx_and_gets_the_section_back(world, client):
    c = published(world)
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:results", args=[c.pk]), results_post(day=1, views=8000), **HX)

    html = html_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results">')
    assert "Day 1 saved." in html and "8,000" in html
    assert ResultSnapshot.objects.get(collaboration=c, day=1).views == 8000


def test_a_bad_count_is_shown_next_to_its_field_and_nothing_is_saved(world, client):
    c = published(world)
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:results", args=[c.pk]), results_post(day=7, likes="-5", views="lots"))

    html = html_of(response)
    assert response.status_code == 400
    assert 'id="id_day7_likes_errors"' in html and 'id="id_day7_views_errors"' in html
    assert 'id="result-day-7" open' in html
    assert not ResultSnapshot.objects.exists()


def test_the_services_limits_come_back_as_field_errors(world, client):
    c = published(world)
    client.force_login(c.creator.user)

    # 1 view cannot have 5,000 likes (services.results.check_counts).
    response = client.post(reverse("deals:results", args=[c.pk]), results_post(views=1, likes=5000), **HX)

    assert response.status_code == 200
    assert 'id="id_day1_likes_errors"' in html_of(response)
    assert not ResultSnapshot.objects.exists()


def test_a_completion_rate_over_100_percent_is_refused(world, client):
    c = published(world)
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:results", args=[c.pk]), results_post(completion_rate="140"))

    assert response.status_code == 400
    assert 'id="id_day1_completion_rate_errors"' in html_of(response)


def test_only_the_creator_may_post_results(world, client):
    c = published(world)
    url = reverse("deals:results", args=[c.pk])
    stranger = MembershipFactory(role=BrandMembership.Role.OWNER).user

    client.force_login(world["owner"])
    assert client.post(url, results_post()).status_code == 403
    client.force_login(world["viewer"])
    assert client.post(url, results_post()).status_code == 403
    client.force_login(stranger)
    assert client.post(url, results_post()).status_code == 404
    assert not ResultSnapshot.objects.exists()


def test_an_unknown_day_is_a_bad_request(world, client):
    c = published(world)
    client.force_login(c.creator.user)

    assert client.post(reverse("deals:results", args=[c.pk]), results_post(day=2)).status_code == 400
    assert not ResultSnapshot.objects.exists()


def test_results_before_publishing_are_refused_with_a_message(world, client):
    c = deals.deal_in(world, S.ACCEPTED)
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:results", args=[c.pk]), results_post(), follow=True)

    assert response.redirect_chain[-1][0] == reverse("deals:collaboration", args=[c.pk]) + "#results"
    assert "once the post is published" in html_of(response)
    assert not ResultSnapshot.objects.exists()


# ------------------------------------------------------------------ the campaign report


def test_the_order_page_links_the_report_once_something_is_published(world, client):
    client.force_login(world["owner"])
    order_url = reverse("orders:detail", args=[world["order"].pk])
    deals.deal_in(world, S.ACCEPTED)

    before = html_of(client.get(order_url))
    published(world)
    after = html_of(client.get(order_url))

    assert report_url(world["order"]) not in before
    assert report_url(world["order"]) in after


def test_brand_members_see_the_report_and_everyone_else_does_not(world, client):
    c = hand_checked(world)
    url = report_url(world["order"])
    other_brand = MembershipFactory(role=BrandMembership.Role.OWNER).user

    client.force_login(world["owner"])
    owner = client.get(url)
    client.force_login(world["viewer"])
    viewer = client.get(url)
    client.force_login(other_brand)
    stranger = client.get(url)
    client.force_login(c.creator.user)
    creator = client.get(url)
    client.logout()
    guest = client.get(url)

    assert owner.status_code == viewer.status_code == 200
    assert 'id="report-upload"' in html_of(owner) and 'id="report-upload"' not in html_of(viewer)
    assert stranger.status_code == 404
    assert creator.status_code == 403
    assert guest.status_code == 302 and "/accounts/login/" in guest["Location"]


def test_the_report_totals_add_up_the_creators(world, client):
    hand_checked(world)
    b = published(world, display_name="Second")
    result_record(collaboration_id=b.pk, actor=b.creator.user, day=1, values=counts(50_000, likes=2_500))
    client.force_login(world["owner"])

    response = client.get(report_url(world["order"]))

    html = html_of(response)
    # Spend 10,000 for 300,000 views: CPM 33.33; 15,000 engagements: CPE 0.67, ER 5 %.
    assert 'id="total-spend">CNY 10,000.00<' in html
    assert 'id="total-views">300,000<' in html
    assert _row(html, "cpm") == ["CNY 125.00", "CNY 33.33"]
    assert _row(html, "cpe") == ["CNY 2.50", "CNY 0.67"]
    assert _row(html, "engagement_rate") == ["5.00 %", "5.00 %"]
    assert _row(html, "cost_per_conversion") == ["—", "CNY 80.00"]
    assert html.count("<tbody>") >= 2 and "Hand Checked" in html and "Second" in html


def test_a_published_collaboration_without_results_shows_dashes(world, client):
    published(world, display_name="Not Yet")
    client.force_login(world["owner"])

    response = client.get(report_url(world["order"]))

    html = html_of(response)
    assert response.status_code == 200
    assert 'id="total-views">—<' in html
    assert _row(html, "cpm")[1] == "—"
    assert "Nothing to show yet." in html  # the day curves have no data


def test_the_report_draws_every_chart_as_accessible_svg_with_a_table(world, client):
    hand_checked(world)
    client.force_login(world["owner"])

    html = html_of(client.get(report_url(world["order"])))

    keys = ["spend", "views-by-day", "engagements-by-day", "expected-vs-actual", "regions", "ages"]
    for key in keys:
        figure = html[html.index(f'id="chart-{key}"') :]
        figure = figure[: figure.index("</figure>")]
        assert 'role="img"' in figure and f'aria-labelledby="chart-{key}-title"' in figure, key
        assert "<table" in figure and "<details" in figure, key
    assert "style=" not in html[html.index('id="report-charts"') :]
    assert "<script" not in html[html.index('id="report-charts"') :]


def test_the_chart_tables_hold_the_charts_numbers(world, client):
    hand_checked(world)
    client.force_login(world["owner"])

    response = client.get(report_url(world["order"]))

    chart = {item["key"]: item["chart"] for item in response.context["charts"]}
    assert chart["spend"].table.rows == (("Hand Checked", "CNY 5,000.00"),)
    assert chart["expected-vs-actual"].table.rows == (("Hand Checked", "40,000", "250,000"),)
    assert chart["views-by-day"].table.rows[2] == ("Day 7", "250,000")  # recorded on day 7
    assert chart["views-by-day"].table.rows[0] == ("Day 1", "0")
    # The factory creator's audience: 50 % CN-GD, 30 % CN-SH, 20 % US of 250,000 views.
    assert [row[1] for row in chart["regions"].table.rows] == ["125,000", "75,000", "50,000"]
    assert chart["ages"].table.rows[0] == ("18-23", "100,000")


def test_the_report_page_runs_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    def load(n: int) -> int:
        for _ in range(n):
            c = published(world)
            result_record(collaboration_id=c.pk, actor=c.creator.user, day=1, values=counts(1000, likes=10))
            result_record(collaboration_id=c.pk, actor=c.creator.user, day=7, values=counts(3000, likes=30))
        with django_assert_max_num_queries(REPORT_QUERIES) as captured:
            response = client.get(report_url(world["order"]))
        assert response.status_code == 200
        return len(captured.captured_queries)

    world["order"].creators_wanted = 20
    world["order"].save(update_fields=["creators_wanted"])
    client.force_login(world["owner"])

    with_two = load(2)
    with_ten = load(8)

    assert with_two == with_ten


def test_the_csv_export_has_a_row_per_creator_and_a_totals_row(world, client):
    c = hand_checked(world)
    client.force_login(world["viewer"])

    response = client.get(reverse("orders:report_csv", args=[world["order"].pk]))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["collaboration"] for r in rows] == [str(c.pk), "total"]
    first, total = rows
    assert (first["creator"], first["cost"], first["views"], first["expected_views"]) == (
        "Hand Checked",
        "5000.00",
        "250000",
        "40000",
    )
    assert (first["cpm"], first["expected_cpm"], first["cpe"], first["cost_per_conversion"]) == (
        "20.00",
        "125.00",
        "0.40",
        "40.00",
    )
    assert (first["engagement_rate"], first["views_vs_expected"]) == ("0.0500", "6.2500")
    assert (total["cost"], total["views"], total["engagements"], total["conversions"]) == (
        "5000.00",
        "250000",
        "12500",
        "125",
    )


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", " =HYPERLINK(1)", "＝HYPERLINK(1)", "\t@SUM(1)", "\u3000+1+1"])
def test_the_csv_export_defuses_spreadsheet_formulas(world, client, name):
    c = published(world, display_name=name)
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=1, values=counts(10))
    client.force_login(world["owner"])

    body = client.get(reverse("orders:report_csv", args=[world["order"].pk])).content.decode()

    assert next(csv.DictReader(io.StringIO(body)))["creator"] == "'" + name


def test_the_csv_export_is_for_the_orders_brand_only(world, client):
    client.force_login(MembershipFactory(role=BrandMembership.Role.OWNER).user)

    assert client.get(reverse("orders:report_csv", args=[world["order"].pk])).status_code == 404


# ------------------------------------------------------------------ the upload


def upload(text: str, name: str = "results.csv") -> dict:
    return {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")}


def test_an_upload_with_a_bad_row_imports_nothing_and_lists_the_problem(world, client):
    c = published(world)
    client.force_login(world["owner"])
    text = f"collaboration,day,views,likes\n{c.pk},1,1000,10\n{c.pk},3,2000,lots\n{c.pk},9,10,1\n"

    response = client.post(reverse("orders:report_upload", args=[world["order"].pk]), upload(text))

    html = html_of(response)
    assert response.status_code == 400
    assert "Nothing was imported." in html
    assert "row 3, column likes: &#x27;lots&#x27; is not a whole number: write digits only" in html
    assert "row 4, column day: &#x27;9&#x27; is not one of 1, 3, 7, 14, 30" in html
    assert not ResultSnapshot.objects.exists()


def test_an_upload_in_chinese_says_every_problem_in_chinese(world, client, settings):
    c = published(world)
    closed = deals.deal_in(world, S.CLOSED)
    client.force_login(world["owner"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    url = reverse("orders:report_upload", args=[world["order"].pk])

    header = html_of(client.post(url, upload("collaboration,views,colour\n1,2,3\n")))
    rows = html_of(client.post(url, upload(f"collaboration,day,views\n{c.pk},9,10\n{closed.pk},1,10\n")))
    empty = html_of(client.post(url, upload("collaboration,day,views\n")))

    assert "第 1 行：表头缺少列：day" in header and "第 1 行：表头含有无法识别的列：colour" in header
    assert "第 2 行，day 列：&#x27;9&#x27; 不在 1、3、7、14、30 之中" in rows
    assert "第 3 行，collaboration 列：只有已发布的作品才有数据；该合作的状态为“已关闭”" in rows
    assert "文件只有表头，没有数据行。" in empty
    words = re.sub(r"<[^>]+>", " ", header + rows + empty)  # what the page says, without its tags
    assert not re.search(r"\brow \d|missing column|not one of|not published", words)
    assert not ResultSnapshot.objects.exists()


def test_an_upload_refuses_another_orders_collaborations(world, client):
    mine = published(world)
    other_order = OrderFactory(
        brand=world["brand"],
        status="published",
        creators_wanted=3,
        publish_from=date.today(),
        publish_until=date.today() + timedelta(days=30),
    )
    theirs = deals.deal_in({**world, "order": other_order}, S.PUBLISHED)
    client.force_login(world["owner"])
    text = f"collaboration,day,views\n{mine.pk},1,100\n{theirs.pk},1,100\n"

    response = client.post(reverse("orders:report_upload", args=[world["order"].pk]), upload(text))

    assert response.status_code == 400
    assert f"row 3, column collaboration: &#x27;{theirs.pk}&#x27; is not a collaboration of this order" in html_of(
        response
    )
    assert not ResultSnapshot.objects.exists()


def test_a_good_upload_imports_every_row_and_is_audited(world, client):
    c = published(world)
    client.force_login(world["owner"])
    text = f"collaboration,day,views,likes,completion_rate\n{c.pk},1,1000,10,0.4\n{c.pk},7,5000,90,\n"

    response = client.post(reverse("orders:report_upload", args=[world["order"].pk]), upload(text))

    assert response.status_code == 302 and response["Location"] == report_url(world["order"])
    assert list(c.results.order_by("day").values_list("day", "views", "source")) == [
        (1, 1000, "import"),
        (7, 5000, "import"),
    ]
    assert AuditLog.objects.filter(action="order.results_imported", actor=world["owner"]).exists()


def test_a_file_that_is_not_utf8_is_reported_not_crashed_on(world, client):
    published(world)
    client.force_login(world["owner"])
    data = {"file": SimpleUploadedFile("r.csv", b"collaboration,day,views\n\xff\xfe,1,1\n", content_type="text/csv")}

    response = client.post(reverse("orders:report_upload", args=[world["order"].pk]), data)

    assert response.status_code == 400
    assert "not UTF-8" in html_of(response)


def test_viewers_cannot_upload_results(world, client):
    c = published(world)
    client.force_login(world["viewer"])

    response = client.post(
        reverse("orders:report_upload", args=[world["order"].pk]), upload(f"collaboration,day,views\n{c.pk},1,5\n")
    )

    assert response.status_code == 403
    assert not ResultSnapshot.objects.exists()


def test_an_upload_without_a_file_asks_for_one(world, client):
    client.force_login(world["owner"])

    response = client.post(reverse("orders:report_upload", args=[world["order"].pk]), {})

    assert response.status_code == 400
    assert 'id="id_file_errors"' in html_of(response)


# ------------------------------------------------------------------ chart geometry


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (237, (0, 50, 100, 150, 200, 250)),
        (1000, (0, 250, 500, 750, 1000)),
        (3, (0, 1, 2, 3)),
        (0.7, (0, 0.25, 0.5, 0.75)),
        (1_234_567, (0, 500_000, 1_000_000, 1_500_000)),
    ],
)
def test_nice_scales_end_on_a_nice_step_above_the_data(top, expected):
    scale = charts.nice_scale(top)

    assert scale.ticks == expected
    assert scale.top >= top and scale.top == expected[-1]


def test_an_empty_or_zero_scale_is_zero_to_one():
    assert charts.nice_scale(0).ticks == (0.0, 1.0)
    assert charts.nice_scale(None).top == 1.0
    assert charts.nice_scale(float("nan")).top == 1.0


def test_compact_labels():
    assert [charts.compact(v) for v in (0, 950, 1200, 12_000, 3_400_000, 2.5e9, 0.25)] == [
        "0",
        "950",
        "1.2k",
        "12k",
        "3.4M",
        "2.5B",
        "0.25",
    ]


def test_horizontal_bars_are_proportional_to_their_values_on_the_scale():
    chart = charts.grouped_bar_chart(
        "Spend", ["a", "b", "c"], [charts.Series("Spend", "spend", [100, 50, 0])], category_header="Creator"
    )

    plot_width = chart.plot.right - chart.plot.left
    widths = [c.bars[0].width for c in chart.categories]
    assert widths == [round(plot_width * 100 / 100, 1), round(plot_width * 50 / 100, 1), 0]
    assert all(c.bars[0].x == chart.plot.left for c in chart.categories)
    ys = [c.bars[0].y for c in chart.categories]
    assert ys == sorted(ys) and len(set(ys)) == 3  # one row per category, top to bottom, no overlap
    assert ys[1] - ys[0] >= charts.BAR_THICKNESS
    assert chart.height == charts.MARGIN_TOP + 3 * (charts.BAR_THICKNESS + charts.GROUP_GAP) + charts.MARGIN_BOTTOM
    assert [t.label for t in chart.ticks] == ["0", "25", "50", "75", "100"]
    assert chart.ticks[-1].pos == chart.plot.right and chart.ticks[0].pos == chart.plot.left


def test_paired_bars_sit_side_by_side_within_their_category():
    chart = charts.grouped_bar_chart(
        "Expected vs actual",
        ["a", "b"],
        [charts.Series("Expected", "expected", [400, 200]), charts.Series("Actual", "actual", [200, None])],
        category_header="Creator",
    )

    first, second = chart.categories
    expected, actual = first.bars
    assert actual.y == expected.y + charts.BAR_THICKNESS
    assert actual.width == pytest.approx(expected.width / 2, abs=0.1)
    assert [b.css for b in first.bars] == ["expected", "actual"]
    assert len(second.bars) == 1  # no actual yet: no bar, and a dash in the table
    assert chart.table.rows == (("a", "400", "200"), ("b", "200", "—"))
    assert expected.y < first.pos < actual.y + actual.height


def test_columns_grow_up_from_the_baseline():
    chart = charts.grouped_bar_chart(
        "Ages", ["18-23", "24-30"], [charts.Series("Views", "reach", [30, 60])], category_header="Age", horizontal=False
    )

    low, high = (c.bars[0] for c in chart.categories)
    assert low.y + low.height == pytest.approx(chart.plot.bottom, abs=0.1)
    assert high.y + high.height == pytest.approx(chart.plot.bottom, abs=0.1)
    assert high.height == pytest.approx(2 * low.height, abs=0.1)
    assert low.x < high.x and low.width <= charts.MAX_COLUMN
    assert chart.ticks[0].pos == chart.plot.bottom and chart.ticks[-1].pos == chart.plot.top


def test_line_points_keep_the_real_spacing_of_the_days():
    chart = charts.line_chart(
        "Views", [1, 3, 7, 14, 30], [charts.Series("Views", "views", [10, 30, 70, 140, 300])], x_header="Day"
    )

    points = chart.lines[0].points
    width = chart.plot.right - chart.plot.left
    assert [p.x for p in points] == [round(chart.plot.left + width * d / 30, 1) for d in (1, 3, 7, 14, 30)]
    assert points[-1].y == pytest.approx(chart.plot.top, abs=0.1)  # 300 is the scale's top
    assert [p.y for p in points] == sorted((p.y for p in points), reverse=True)  # rising line: y falls
    assert chart.lines[0].polyline.split(" ")[0] == f"{points[0].x},{points[0].y}"
    assert [t.label for t in chart.y_ticks] == ["0", "100", "200", "300"]


def test_a_chart_without_data_says_so():
    bars = charts.grouped_bar_chart("Spend", [], [charts.Series("Spend", "spend", [])], category_header="Creator")
    lines = charts.line_chart("Views", [1, 3], [charts.Series("Views", "views", [0, 0])], x_header="Day")

    assert bars.empty and lines.empty
    assert lines.table.rows == (("1", "0"), ("3", "0"))


def test_long_labels_are_shortened_on_the_axis_but_whole_in_the_table():
    name = "A creator with a very long display name indeed"
    chart = charts.grouped_bar_chart("Spend", [name], [charts.Series("Spend", "spend", [1])], category_header="Creator")

    assert chart.categories[0].label.endswith("…") and len(chart.categories[0].label) == charts.LABEL_CHARS
    assert chart.table.rows[0][0] == name


def test_cost_ratios_round_half_up_to_minor_units():
    assert [as_minor(x) for x in (62.5, 62.49, 0.5, 20.0, None)] == [63, 62, 1, 20, None]


@pytest.mark.parametrize(
    "content",
    [
        b"collaboration,day,views\n\xc2\xb2,1,1\n",  # "²" passes str.isdigit but not int()
        b"collaboration,day,views\n1,\xc2\xb3,1\n",
        b"collaboration,day,views\n99999999999999999999999999,1,1\n",
        b"collaboration,day,views\n1,1,1\x00\n",
    ],
)
def test_odd_uploads_are_reported_as_problems_not_server_errors(world, client, content):
    published(world)
    client.force_login(world["owner"])

    response = client.post(
        reverse("orders:report_upload", args=[world["order"].pk]),
        {"file": SimpleUploadedFile("r.csv", content, content_type="text/csv")},
    )

    assert response.status_code == 400
    assert "Nothing was imported." in html_of(response)
    assert not ResultSnapshot.objects.exists()

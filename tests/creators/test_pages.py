import re
from datetime import date

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from creators import services
from creators.models import BlackoutPeriod, CreatorLabel, RatePrice
from marketplace.core.audience import AGE_BUCKETS
from tests.factories import (
    CollaborationFactory,
    CreatorFactory,
    CreatorLabelFactory,
    LabelFactory,
    MembershipFactory,
    RatePriceFactory,
    UserFactory,
)
from tests.pages import landed_on, log_in_through

pytestmark = pytest.mark.django_db

EDIT = reverse("creators:profile_edit")
DASHBOARD = reverse("creators:dashboard")
FORMATS = ("short_1_20", "short_21_60", "video_60_plus", "image_post", "live_session")


@pytest.fixture
def creator(client):
    creator = CreatorFactory(
        bio="", audience_age={}, audience_gender={}, audience_region={}, display_name="Mia", country=""
    )
    client.force_login(creator.user)
    return creator


def _audience_post(age=("", "", "", "", ""), gender=("", "", ""), regions=()):
    data = {"section": "audience"}
    data.update({f"age-b{i}": value for i, value in enumerate(age)})
    data.update({f"gender-b{i}": value for i, value in enumerate(gender)})
    rows = [*regions, *[("", "")] * (5 - len(regions))]
    data.update({"region-TOTAL_FORMS": len(rows), "region-INITIAL_FORMS": len(rows)})
    for i, (code, share) in enumerate(rows):
        data[f"region-{i}-code"] = code
        data[f"region-{i}-share"] = share
    return data


def _rate_post(**prices):
    return {"section": "rate_card", **{f"price_{fmt}": prices.get(fmt, "") for fmt in FORMATS}}


# ----------------------------------------------------------------- dashboard


def test_dashboard_of_an_empty_profile_says_what_to_do_next(client, creator):
    response = client.get(DASHBOARD)

    assert response.status_code == 200
    page = response.content.decode()
    assert "What to do next" in page
    assert "Introduce yourself" in page
    assert response.context["dashboard"].completeness == 0
    assert response.context["dashboard"].next_step.key == "bio"
    assert "Verified" in page


def test_dashboard_ticks_off_what_is_done_and_counts_collaborations(client, creator):
    services.creator_update_profile(
        creator=creator,
        actor=creator.user,
        display_name="Mia",
        bio="Hi",
        platform="douyin",
        country="",
        content_sample="",
        max_concurrent=3,
    )
    CreatorLabelFactory(creator=creator)
    CollaborationFactory(creator=creator, status="accepted")
    CollaborationFactory(creator=creator, status="script_submitted")
    CollaborationFactory(creator=creator)  # offered, waiting for the creator

    response = client.get(DASHBOARD)

    dashboard = response.context["dashboard"]
    assert {item.key: item.done for item in dashboard.checklist} == {
        "bio": True,
        "labels": True,
        "audience": False,
        "rate_card": False,
    }
    assert dashboard.completeness == 50
    assert dashboard.next_step.key == "audience"
    assert dashboard.active_collaborations == 2
    assert dashboard.open_offers == 1


def test_brand_members_have_no_creator_dashboard_or_editor(client):
    member = MembershipFactory()
    client.force_login(member.user)

    assert client.get(DASHBOARD).status_code == 404
    assert client.get(EDIT).status_code == 404
    assert client.post(EDIT, {"section": "basics", "display_name": "x", "platform": "douyin"}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_and_brought_back_to_the_editor(client):
    creator = CreatorFactory()

    _login_page, back = log_in_through(client, EDIT, creator.user.email)

    assert landed_on(back) == EDIT
    assert "<h1>Your profile</h1>" in back.content.decode()


# ------------------------------------------------------------ profile editor


def test_profile_edit_basics_round_trip(client, creator):
    response = client.post(
        EDIT,
        {
            "section": "basics",
            "display_name": "Mia Chen",
            "bio": "Budget skincare for students",
            "platform": "xiaohongshu",
            "country": "cn",
            "content_sample": "Morning routine\n#skincare",
        },
    )

    assert response.status_code == 302
    assert response.url == EDIT + "#basics"
    creator.refresh_from_db()
    assert (creator.display_name, creator.platform, creator.country) == ("Mia Chen", "xiaohongshu", "CN")
    assert creator.content_sample == "Morning routine\n#skincare"
    page = client.get(EDIT).content.decode()
    assert "Budget skincare for students" in page
    assert "Profile saved." in page


def test_profile_edit_shows_an_unknown_country_next_to_the_field_and_saves_nothing(client, creator):
    response = client.post(EDIT, {"section": "basics", "display_name": "Mia", "platform": "douyin", "country": "XX"})

    message = "No country is called “XX”. Type part of its name and pick it from the list."
    assert response.status_code == 400
    assert response.context["basics_form"].errors["country"] == [message]
    assert message in response.content.decode()
    creator.refresh_from_db()
    assert creator.country == ""


def test_capacity_is_saved_on_its_own(client, creator):
    client.post(EDIT, {"section": "capacity", "max_concurrent": "7"})

    creator.refresh_from_db()
    assert creator.max_concurrent == 7
    assert creator.display_name == "Mia"


def test_work_running_elsewhere_is_saved_with_the_capacity_and_shown_again(client, creator):
    client.post(EDIT, {"section": "capacity", "max_concurrent": "4", "external_load": "2"})

    creator.refresh_from_db()
    page = client.get(EDIT).content.decode()
    assert (creator.max_concurrent, creator.external_load) == (4, 2)
    assert 'name="external_load" value="2"' in page


def test_labels_picked_from_search_are_saved_with_their_weights(client, creator):
    kept = CreatorLabelFactory(creator=creator, weight=1.0).label
    dropped = CreatorLabelFactory(creator=creator).label
    added = LabelFactory(path="Style & Fashion > Beauty > Skin Care")
    ignored = LabelFactory(path="Style & Fashion > Beauty > Hair Care")

    response = client.post(
        EDIT,
        {
            "section": "labels",
            "row": [kept.pk, dropped.pk, added.pk, ignored.pk],
            "label": [kept.pk, added.pk],
            f"weight_{kept.pk}": "0.8",
            f"weight_{dropped.pk}": "1",
            f"weight_{added.pk}": "0.35",
            f"weight_{ignored.pk}": "1",
        },
    )

    assert response.status_code == 302
    assert dict(CreatorLabel.objects.filter(creator=creator).values_list("label_id", "weight")) == {
        kept.pk: 0.8,
        added.pk: 0.35,
    }


def test_eleven_labels_show_an_error_and_keep_the_old_ones(client, creator):
    old = CreatorLabelFactory(creator=creator)
    labels = LabelFactory.create_batch(11)
    data = {"section": "labels", "row": [lb.pk for lb in labels], "label": [lb.pk for lb in labels]}
    data.update({f"weight_{lb.pk}": "1" for lb in labels})

    response = client.post(EDIT, data)

    assert response.status_code == 400
    assert "Choose at most 10 labels; you chose 11." in response.content.decode()
    assert list(CreatorLabel.objects.filter(creator=creator)) == [old]


def test_a_bad_label_weight_is_shown_next_to_that_label(client, creator):
    label = LabelFactory()

    response = client.post(
        EDIT, {"section": "labels", "row": [label.pk], "label": [label.pk], f"weight_{label.pk}": "2"}
    )

    assert response.status_code == 400
    assert response.context["labels_form"].errors[f"weight_{label.pk}"]
    assert not CreatorLabel.objects.filter(creator=creator).exists()


def test_label_search_without_javascript_lists_results_on_the_editor(client, creator):
    LabelFactory(path="Style & Fashion > Beauty > Skin Care")
    LabelFactory(path="Automotive > Car Culture")

    response = client.get(reverse("creators:label_search"), {"q": "skin"}, follow=True)

    page = response.content.decode()
    assert response.redirect_chain[0][0].startswith(EDIT + "?q=skin")
    assert "Style &amp; Fashion &gt; Beauty &gt; Skin Care" in page
    assert "Car Culture" not in page


def test_label_search_with_htmx_returns_rows_to_add_except_chosen_ones(client, creator):
    skin = LabelFactory(path="Style & Fashion > Beauty > Skin Care")
    chosen = LabelFactory(path="Style & Fashion > Beauty > Skin Care > Serums")
    already = CreatorLabelFactory(
        creator=creator, label=LabelFactory(path="Style & Fashion > Beauty > Skin Tone")
    ).label

    response = client.get(
        reverse("creators:label_search"), {"q": "skin", "label": [chosen.pk]}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert [row["label"] for row in response.context["label_results"]] == [skin]
    page = response.content.decode()
    assert f'name="weight_{skin.pk}"' in page
    assert f'value="{already.pk}"' not in page
    assert "<html" not in page


def test_audience_round_trip_in_percent(client, creator):
    data = _audience_post(
        age=("40", "30", "20", "5", "5"), gender=("60", "39.5", "0.5"), regions=[("cn-gd", "70"), ("US", "30")]
    )

    response = client.post(EDIT, data)

    assert response.status_code == 302
    creator.refresh_from_db()
    assert creator.audience_age == dict(zip(AGE_BUCKETS, [0.4, 0.3, 0.2, 0.05, 0.05], strict=True))
    assert creator.audience_gender == {"female": 0.6, "male": 0.395, "other": 0.005}
    assert creator.audience_region == {"CN-GD": 0.7, "US": 0.3}
    page = client.get(EDIT).content.decode()
    assert 'value="Guangdong (CN-GD)"' in page
    assert 'name="region-0-share"' in page and 'value="70"' in page


def test_audience_adding_up_to_90_percent_shows_an_error_and_saves_nothing(client, creator):
    data = _audience_post(age=("40", "30", "20", "", ""), gender=("50", "50", ""))

    response = client.post(EDIT, data)

    assert response.status_code == 400
    assert response.context["audience"].age.non_field_errors() == [
        "Age shares must add up to 100 %; they add up to 90 %."
    ]
    creator.refresh_from_db()
    assert creator.audience_age == {}
    assert creator.audience_gender == {}


def test_audience_region_errors_are_shown_on_their_row(client, creator):
    data = _audience_post(regions=[("ZZ", "50"), ("US", "")])

    response = client.post(EDIT, data)

    rows = response.context["audience"].region.forms
    assert rows[0].errors["code"] == ["No region is called “ZZ”. Type part of its name and pick it from the list."]
    assert rows[1].errors["share"] == ["Enter this region's share."]
    creator.refresh_from_db()
    assert creator.audience_region == {}


def test_editor_offers_at_least_five_region_rows(client, creator):
    response = client.get(EDIT)

    assert len(response.context["audience"].region.forms) >= 5


def test_rate_card_prices_are_parsed_into_minor_units(client, creator):
    response = client.post(EDIT, _rate_post(short_21_60="1,200.50", image_post="800"))

    assert response.status_code == 302
    prices = dict(RatePrice.objects.filter(creator=creator).values_list("format", "amount"))
    assert prices == {"short_21_60": 120_050, "image_post": 80_000}
    page = client.get(EDIT).content.decode()
    assert "CNY 1,200.50" in page


def test_bad_money_input_shows_a_field_error_and_saves_nothing(client, creator):
    response = client.post(EDIT, _rate_post(short_21_60="12.345", image_post="800"))

    assert response.status_code == 400
    assert response.context["rate_card_form"].errors == {"price_short_21_60": ["Use at most two decimal places."]}
    assert "Use at most two decimal places." in response.content.decode()
    assert not RatePrice.objects.filter(creator=creator).exists()


def test_rate_card_shows_the_price_in_force_and_the_pending_change(client, creator):
    this_month = services.platform_today().replace(day=1)
    RatePriceFactory(creator=creator, format="short_21_60", amount=500_000, effective_from=this_month)

    response = client.post(EDIT, _rate_post(short_21_60="6000"), follow=True)

    next_month = services.first_of_next_month(this_month)
    line = next(line for line in response.context["rate_card_form"].lines if line.format == "short_21_60")
    assert line.in_force.amount == 500_000
    assert (line.pending.amount, line.pending.effective_from) == (600_000, next_month)
    page = response.content.decode()
    assert "CNY 5,000.00" in page
    assert "CNY 6,000.00 from" in page
    assert "Price changes take effect on" in page


def test_unchanged_rate_card_fields_add_no_rows(client, creator):
    RatePriceFactory(creator=creator, format="short_21_60", amount=500_000)

    client.post(EDIT, _rate_post(short_21_60="5000.00"))

    assert RatePrice.objects.filter(creator=creator).count() == 1


def test_blackout_dates_are_added_and_removed(client, creator):
    client.post(EDIT, {"section": "blackout_add", "starts_on": "2030-05-01", "ends_on": "2030-05-03", "note": "Trip"})
    period = BlackoutPeriod.objects.get(creator=creator)
    assert (period.starts_on, period.ends_on, period.note) == (date(2030, 5, 1), date(2030, 5, 3), "Trip")

    client.post(EDIT, {"section": "blackout_remove", "blackout_id": period.pk})

    assert not BlackoutPeriod.objects.filter(creator=creator).exists()


def test_a_creator_cannot_remove_another_creators_blackout(client, creator):
    other = CreatorFactory()
    period = BlackoutPeriod.objects.create(creator=other, starts_on=date(2030, 5, 1), ends_on=date(2030, 5, 2))

    response = client.post(EDIT, {"section": "blackout_remove", "blackout_id": period.pk}, follow=True)

    assert "Those blackout dates were not found." in response.content.decode()
    assert BlackoutPeriod.objects.filter(pk=period.pk).exists()


def test_posts_only_ever_change_the_logged_in_creators_profile(client, creator):
    other = CreatorFactory(bio="other bio")

    client.post(EDIT, {"section": "basics", "display_name": "Mia", "bio": "mine", "platform": "douyin"})

    other.refresh_from_db()
    creator.refresh_from_db()
    assert other.bio == "other bio"
    assert creator.bio == "mine"


def test_an_unknown_section_is_a_bad_request(client, creator):
    assert client.post(EDIT, {"section": "followers"}).status_code == 400


# ----------------------------------------------------------- public profile


def test_brand_members_see_a_creators_profile(client):
    creator = CreatorFactory(display_name="Mia", audience_region={"CN-GD": 1.0})
    CreatorLabelFactory(creator=creator, label=LabelFactory(path="Food & Drink > Baking"))
    RatePriceFactory(creator=creator, format="image_post", amount=80_000)
    client.force_login(MembershipFactory(role="viewer").user)

    response = client.get(reverse("creators:detail", args=[creator.handle]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Food &amp; Drink &gt; Baking" in page
    assert "CNY 800.00" in page
    assert "Guangdong" in page
    assert "Edit your profile" not in page


def test_staff_see_inactive_creators_but_brands_do_not(client):
    creator = CreatorFactory(is_active=False)
    url = reverse("creators:detail", args=[creator.handle])

    client.force_login(MembershipFactory().user)
    brand_status = client.get(url).status_code
    client.force_login(UserFactory(is_staff=True))
    staff_status = client.get(url).status_code

    assert (brand_status, staff_status) == (404, 200)


def test_creators_see_only_their_own_profile(client, creator):
    other = CreatorFactory()

    own = client.get(reverse("creators:detail", args=[creator.handle]))
    others = client.get(reverse("creators:detail", args=[other.handle]))

    assert own.status_code == 200
    assert "Edit your profile" in own.content.decode()
    assert others.status_code == 404


def test_users_without_a_role_cannot_see_creator_profiles(client):
    creator = CreatorFactory()
    client.force_login(UserFactory())

    assert client.get(reverse("creators:detail", args=[creator.handle])).status_code == 403


# ------------------------------------------------------------- query counts


def _fill(creator, labels, formats):
    for _ in range(labels):
        CreatorLabelFactory(creator=creator)
    this_month = services.platform_today().replace(day=1)
    for fmt in formats:
        RatePriceFactory(creator=creator, format=fmt, effective_from=this_month)
        RatePriceFactory(creator=creator, format=fmt, effective_from=services.first_of_next_month(this_month))
    BlackoutPeriod.objects.create(creator=creator, starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 2))


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_editor_and_dashboard_queries_do_not_grow_with_labels_and_prices(client, django_assert_max_num_queries):
    few, many = CreatorFactory(), CreatorFactory()
    _fill(few, 1, FORMATS[:1])
    _fill(many, 10, FORMATS)

    counts = {}
    for url in (EDIT + "?q=Label", DASHBOARD):
        client.force_login(few.user)
        few_count = _count_queries(client, url)
        client.force_login(many.user)
        with django_assert_max_num_queries(12):
            many_count = _count_queries(client, url)
        counts[url] = (few_count, many_count)

    assert all(few_count == many_count for few_count, many_count in counts.values()), counts


def test_detail_queries_do_not_grow_with_labels_and_prices(client, django_assert_max_num_queries):
    few, many = CreatorFactory(), CreatorFactory()
    _fill(few, 1, FORMATS[:1])
    _fill(many, 10, FORMATS)
    client.force_login(MembershipFactory().user)

    few_count = _count_queries(client, reverse("creators:detail", args=[few.handle]))
    with django_assert_max_num_queries(10):
        many_count = _count_queries(client, reverse("creators:detail", args=[many.handle]))

    assert few_count == many_count


# ------------------------------------------------------------------ filters


def test_money_filter_shows_minor_units_with_their_currency():
    template = Template("{% load money %}{{ amount|money:currency }}|{{ missing|money:currency }}")

    rendered = template.render(Context({"amount": 123456, "currency": "CNY", "missing": None}))

    assert rendered == "CNY 1,234.56|—"


def test_profile_shows_each_rate_with_its_count_and_what_the_matcher_counts_it_as(client):
    once = CreatorFactory(fulfilment_rate=1.0, fulfilment_orders=1, avg_rating=5.0, rating_count=1)
    often = CreatorFactory(fulfilment_rate=0.95, fulfilment_orders=20, avg_rating=4.8, rating_count=20)
    client.force_login(MembershipFactory().user)

    pages = {c: client.get(reverse("creators:detail", args=[c.handle])).content.decode() for c in (once, often)}

    assert "on time in 1 order" in pages[once] and "from 1 rating" in pages[once]
    assert "on time in 20 orders" in pages[often] and "from 20 ratings" in pages[often]
    counted = {c: re.findall(r"counted as ([\d.]+) ?%? for matching", page) for c, page in pages.items()}
    # One perfect order says less than twenty good ones: the shrunk figures rank them the other way round.
    assert float(counted[often][0]) > float(counted[once][0])  # on time
    assert float(counted[often][1]) > float(counted[once][1])  # rating
    assert float(counted[once][1]) < 5.0


@pytest.mark.parametrize("count", ["TOTAL_FORMS", "INITIAL_FORMS"])
def test_a_negative_row_count_is_refused_and_the_regions_stay(client, creator, count):
    client.post(EDIT, _audience_post(regions=[("CN-GD", "70"), ("US", "30")]))
    data = _audience_post(regions=[("CN-GD", "70"), ("US", "30")])
    data[f"region-{count}"] = "-1"

    response = client.post(EDIT, data)

    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    creator.refresh_from_db()
    assert creator.audience_region == {"CN-GD": 0.7, "US": 0.3}

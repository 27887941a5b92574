"""One region list per deployment, with Chinese names: Taiwan, Hong Kong and Macao are listed in the
form REGION_FORM_TW_HK_MO names, and every way in (forms, API, both importers) takes the other form
as an alias; stored codes follow the setting."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from creators.models import Creator
from marketplace.core.audience import _all_regions, canonical_region, region_lookup, region_name, regions
from orders.models import Order
from tests.api.test_orders import brief
from tests.factories import BrandFactory, CreatorFactory, MembershipFactory, OrderFactory
from tests.marketplace.test_import_commands import creator_rows, history_rows, run

FORMS = {"country": ("TW", "CN-TW"), "cn": ("CN-TW", "TW")}


@pytest.fixture(params=list(FORMS))
def form(request, settings):
    settings.REGION_FORM_TW_HK_MO = request.param
    return request.param


def test_the_region_list_names_each_place_once(form):
    listed, alias = FORMS[form]

    names = list(regions().values())

    assert listed in regions() and alias not in regions()
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    assert canonical_region(alias.lower()) == listed
    assert region_lookup(f"Taiwan ({alias})") == listed


def test_every_region_has_a_chinese_name():
    with translation.override("zh-hans"):
        untranslated = [code for code, name in _all_regions().items() if region_name(code) == name]

        assert region_name("CN-GD") == "广东省"
        assert region_name("CN-NX") == "宁夏回族自治区"  # not in pycountry's catalogue: data/regions_zh_hans.tsv
        assert region_lookup("广东省") == "CN-GD"
    assert not untranslated, untranslated


def test_import_creators_takes_the_other_form_as_an_alias(form, taxonomy, tmp_path):
    listed, alias = FORMS[form]

    run("import_creators", tmp_path, creator_rows(1, audience_region=f"{alias}:0.6;CN-SH:0.4"), "--no-progress")

    assert Creator.objects.get(handle="glow-0").audience_region == {listed: 0.6, "CN-SH": 0.4}


def test_import_history_takes_the_other_form_as_an_alias(form, taxonomy, tmp_path):
    listed, alias = FORMS[form]
    CreatorFactory(handle="c0")

    run("import_history", tmp_path, history_rows(1, target_regions=alias), "--no-progress")

    assert Order.objects.get().target_regions == [listed]


def test_the_api_takes_the_other_form_as_an_alias(form, taxonomy):
    from tests.api.clients import api_for

    listed, alias = FORMS[form]
    manager = MembershipFactory(role="manager")

    response = api_for(manager.user).post(reverse("api:order-list"), brief(target_regions=[alias]), format="json")

    assert response.status_code == 201, response.json()
    assert Order.objects.get().target_regions == [listed]


def test_normalise_regions_rewrites_stored_codes_to_the_deployments_form(form, db):
    listed, alias = FORMS[form]
    creator = CreatorFactory(country=alias, audience_region={alias: 0.5, listed: 0.2, "US": 0.3})
    brand = BrandFactory(country=alias)
    order = OrderFactory(target_regions=[alias, listed, "CN-GD"])

    call_command("normalise_regions", stdout=io.StringIO())

    creator.refresh_from_db(), brand.refresh_from_db(), order.refresh_from_db()
    assert creator.country == brand.country == listed
    assert creator.audience_region == {listed: 0.7, "US": 0.3}
    assert order.target_regions == [listed, "CN-GD"]


def test_pages_in_chinese_name_regions_in_chinese_once(client, taxonomy):
    member = MembershipFactory(role="manager")
    order = OrderFactory(brand=member.brand, target_regions=["CN-GD", "TW"])
    client.cookies["django_language"] = "zh-hans"
    client.force_login(member.user)

    detail = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    new_order = client.get(reverse("orders:create")).content.decode()

    assert "广东省" in detail and "Guangdong" not in detail
    assert "广东省 (CN-GD)" in new_order
    assert "(TW)" in new_order and "(CN-TW)" not in new_order

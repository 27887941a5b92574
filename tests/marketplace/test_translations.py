"""The Simplified Chinese catalogue: complete, compiled from what is committed, and used by the pages."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    """msgid (or msgid_plural's msgstr[0] key, as gettext stores plurals) → msgstr, from django.po; a message with
    a context is keyed as gettext stores it, context + EOT + msgid."""
    entries, current, field = {}, {}, None
    for line in [*(CATALOGUE / "django.po").read_text().splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                key = f"{current['msgctxt']}\x04{current['msgid']}" if "msgctxt" in current else current["msgid"]
                entries[key] = current.get("msgstr", current.get("msgstr[0]", ""))
            current, field = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[field] += ast.literal_eval(line)
        else:
            field, _, text = line.partition(" ")
            current[field] = ast.literal_eval(text)
    return entries


def test_every_message_has_a_chinese_translation():
    untranslated = [msgid for msgid, msgstr in po_entries().items() if not msgstr]

    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:3]}"


def test_the_compiled_catalogue_matches_the_committed_one():
    with open(CATALOGUE / "django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)

    stale = [msgid for msgid, msgstr in po_entries().items() if compiled.gettext(msgid) != msgstr]

    assert not stale, f"django.mo is out of date (run compilemessages -l zh_Hans): {stale[:3]}"


def test_a_message_that_quotes_a_label_quotes_that_labels_own_translation():
    """“Press ‘Save rate card’ again” must name the button the Chinese page shows, not a near synonym."""
    entries = po_entries()
    wrong = [
        (msgid, quoted, entries[quoted], msgstr)
        for msgid, msgstr in entries.items()
        for quoted in re.findall(r"“([^”]+)”", msgid)
        if quoted in entries and f"“{entries[quoted]}”" not in msgstr
    ]

    assert not wrong, wrong[:3]


def test_the_catalogue_addresses_the_reader_one_way():
    """The polite 您 throughout: one catalogue that switches to 你 mid-page reads as two authors."""
    informal = [msgid for msgid, msgstr in po_entries().items() if "你" in msgstr]

    assert not informal, informal[:3]


def test_a_page_in_chinese_shows_the_translated_texts(client):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("login")}, follow=True)

    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page
    assert "Log in" not in page


# ------------------------------------------------------------ taxonomy names


def _in_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def test_every_interest_label_and_product_category_has_a_chinese_name(taxonomy):
    from django.db import models

    from marketplace.core.models import Interest, Label, ProductCategory

    for model, count in ((Interest, 37), (Label, 704), (ProductCategory, 583)):
        missing = list(model.objects.filter(name_zh_hans="").values_list("name", flat=True))

        assert model.objects.count() == count
        assert not missing, f"{model.__name__}: {len(missing)} without a Chinese name, e.g. {missing[:3]}"
        english_paths = model.objects.filter(name_zh_hans__in=["", *model.objects.values("name")]).exclude(name="SUV")
        assert not english_paths.exists()
    for model in (Label, ProductCategory):
        assert not model.objects.filter(path_zh_hans=models.F("path")).exists()


def test_an_order_page_in_chinese_names_its_category_and_labels_in_chinese(client, taxonomy):
    from marketplace.core.models import Label, ProductCategory
    from orders.models import OrderTargetLabel
    from tests.factories import MembershipFactory, OrderFactory

    member = MembershipFactory(role="manager")
    category = ProductCategory.objects.get(path="Consumer Packaged Goods > Cosmetics")
    order = OrderFactory(brand=member.brand, product_category=category)
    OrderTargetLabel.objects.create(order=order, label=Label.objects.get(path="Style & Fashion > Beauty > Skin Care"))
    _in_chinese(client).force_login(member.user)

    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    listing = client.get(reverse("orders:list")).content.decode()

    assert "快消品 &gt; 化妆品" in page
    assert "时尚穿搭 &gt; 美妆 &gt; 护肤" in page
    assert "Skin Care" not in page and "Cosmetics" not in page
    assert "化妆品" in listing


def test_the_label_and_category_pickers_find_chinese_words(client, taxonomy):
    from tests.factories import MembershipFactory

    _in_chinese(client).force_login(MembershipFactory(role="manager").user)

    labels = client.get(reverse("orders:label_search"), {"q": "护肤"}).content.decode()
    categories = client.get(reverse("orders:category_search"), {"q": "化妆品"}).content.decode()

    assert "时尚穿搭 &gt; 美妆 &gt; 护肤" in labels
    assert "快消品 &gt; 化妆品" in categories


def test_the_matchers_reasons_name_labels_and_interests_in_chinese(taxonomy):
    from types import SimpleNamespace

    from django.utils import translation

    from marketplace.core.models import Interest, Label
    from matching.selectors import reason_names, reason_text

    skin_care = Label.objects.get(path="Style & Fashion > Beauty > Skin Care")
    fashion = Interest.objects.get(name="Style & Fashion")
    result = SimpleNamespace(
        reasons=[
            {"code": "labels", "label_ids": [skin_care.pk]},
            {"code": "interest", "interest_ids": [fashion.pk]},
        ]
    )

    with translation.override("zh-hans"):
        names = reason_names([result])
        texts = [reason_text(reason, names, "CNY") for reason in result.reasons]

    assert "护肤" in texts[0]
    assert "时尚穿搭" in texts[1]


# ------------------------------------------------------------ money and platforms


def test_money_is_written_in_the_languages_form():
    from django.utils import translation

    from marketplace.core import format_money

    with translation.override("zh-hans"):
        chinese = [format_money(110_000, "CNY"), format_money(-150, "CNY"), format_money(110_000, "USD")]
    with translation.override("en"):
        english = [format_money(110_000, "CNY"), format_money(-150, "CNY"), format_money(110_000, "USD")]

    assert chinese == ["¥1,100.00", "-¥1.50", "US$1,100.00"]
    assert english == ["CNY 1,100.00", "-CNY 1.50", "USD 1,100.00"]


def test_a_page_in_chinese_shows_prices_with_the_yuan_sign(client, taxonomy):
    from tests.factories import MembershipFactory, OrderFactory

    member = MembershipFactory(role="manager")
    OrderFactory(brand=member.brand, price_per_creator=110_000)
    _in_chinese(client).force_login(member.user)

    page = client.get(reverse("brands:dashboard")).content.decode()

    assert "¥1,100.00" in page
    assert "CNY 1,100.00" not in page


def test_pages_in_chinese_name_the_platforms_as_their_users_do(client, taxonomy):
    from tests.factories import CreatorFactory, MembershipFactory

    creator = CreatorFactory(platform="douyin")
    _in_chinese(client).force_login(MembershipFactory(role="manager").user)

    directory = client.get(reverse("creators:directory")).content.decode()
    profile = client.get(reverse("creators:detail", args=[creator.handle])).content.decode()

    assert ">抖音<" in directory and ">小红书<" in directory and ">快手<" in directory
    assert "Douyin" not in directory
    assert "抖音" in profile and "Douyin" not in profile


# ------------------------------------------------------------ dates and numbers

DATE_FORMATS = (
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "MONTH_DAY_FORMAT",
    "YEAR_MONTH_FORMAT",
)
ISO_TEMPLATE_FORMATS = {"Y-m", "Y-m-d", "Y-m-d H:i", "c"}


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("name", DATE_FORMATS)
def test_no_date_is_written_month_first(language, name):
    from datetime import datetime

    from django.utils import formats, translation

    with translation.override(language):
        text = formats.date_format(datetime(2026, 11, 24, 14, 30), name)

    assert "11/24" not in text and "24/11" not in text, text
    assert "PM" not in text and "p.m." not in text, text


def test_templates_write_dates_through_the_named_formats_only():
    pattern = re.compile(r"""\|date:["']([^"']*)["']""")
    found = {
        f"{path.relative_to(settings.BASE_DIR)}: {fmt}"
        for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html")
        for fmt in pattern.findall(path.read_text())
        if not fmt.endswith("_FORMAT") and fmt not in ISO_TEMPLATE_FORMATS
    }

    assert not found, found


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_big_numbers_are_grouped_by_thousands(language):
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{% load humanize l10n %}{{ n|intcomma }} {{ n|localize }}")

    with translation.override(language):
        text = template.render(Context({"n": 12345678}))

    assert text.split()[0] == "12,345,678"


def test_the_api_gives_catalogue_names_in_chinese_beside_the_english_ones(taxonomy):
    from marketplace.core.models import Label, ProductCategory
    from orders.models import OrderTargetLabel
    from tests.api.clients import api_for
    from tests.factories import MembershipFactory, OrderFactory

    member = MembershipFactory(role="manager")
    category = ProductCategory.objects.get(path="Consumer Packaged Goods > Cosmetics")
    order = OrderFactory(brand=member.brand, product_category=category)
    OrderTargetLabel.objects.create(order=order, label=Label.objects.get(path="Style & Fashion > Beauty > Skin Care"))

    body = api_for(member.user).get(reverse("api:order-detail", args=[order.pk])).json()

    assert (body["product_category"]["name"], body["product_category"]["name_zh_hans"]) == ("Cosmetics", "化妆品")
    assert body["target_labels"][0]["path_zh_hans"] == "时尚穿搭 > 美妆 > 护肤"


def test_labels_name_the_currency_as_the_language_writes_it(client, taxonomy):
    from tests.factories import MembershipFactory

    member = MembershipFactory(role="manager")
    client.force_login(member.user)
    english = client.get(reverse("orders:create")).content.decode()

    chinese = _in_chinese(client).get(reverse("orders:create")).content.decode()

    assert "CNY" in english
    assert "CNY" not in chinese and "¥" in chinese


def test_a_running_programme_is_not_called_pending_in_chinese():
    # "Open" is a dispute waiting for staff (待处理) and a programme running (进行中): one word, two meanings.
    from django.utils import translation

    from programmes.models import Programme

    with translation.override("zh-hans"):
        assert str(Programme.Status.OPEN.label) == "进行中"
        assert translation.gettext("Open") != "进行中"

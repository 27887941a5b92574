"""Loading the IAB catalogue from data/iab/: counts, tree links, priors, idempotency."""

from io import StringIO

import pytest
from django.core.management import call_command

from marketplace.core.models import Interest, Label, ProductCategory, ProductInterestPrior
from marketplace.core.taxonomy import (
    CONTENT_FILE,
    CROSSWALK_FILE,
    DATA_DIR,
    PRODUCT_MAP_FILE,
    derive_priors,
    parse_content_taxonomy,
    parse_crosswalk,
    parse_product_map,
)

pytestmark = pytest.mark.django_db


def _priors_of(product_iab_id: str) -> dict[str, float]:
    rows = ProductInterestPrior.objects.filter(product_category__iab_id=product_iab_id).select_related("interest")
    return {row.interest.name: row.weight for row in rows}


def _snapshot() -> dict[str, set]:
    return {
        "interests": set(Interest.objects.values_list("pk", "iab_id", "name")),
        "labels": set(Label.objects.values_list("pk", "iab_id", "name", "path", "tier", "parent_id", "interest_id")),
        "products": set(ProductCategory.objects.values_list("pk", "iab_id", "name", "path", "tier", "parent_id")),
        "priors": set(ProductInterestPrior.objects.values_list("pk", "product_category_id", "interest_id", "weight")),
    }


def test_load_creates_every_iab_node(taxonomy):
    assert Interest.objects.count() == 37
    assert Label.objects.count() == 704
    assert Label.objects.filter(tier=1).count() == 37
    assert ProductCategory.objects.count() == 583


def test_every_interest_has_its_tier_one_label(taxonomy):
    general = Label.objects.get(iab_id="210")

    assert general.tier == 1
    assert general.parent is None
    assert general.interest.name == "Food & Drink"
    assert general.path == "Food & Drink"
    assert set(Label.objects.filter(tier=1).values_list("iab_id", flat=True)) == set(
        Interest.objects.values_list("iab_id", flat=True)
    )


def test_labels_link_to_parent_and_interest(taxonomy):
    skin_care = Label.objects.select_related("parent__parent", "interest").get(iab_id="559")

    assert skin_care.path == "Style & Fashion > Beauty > Skin Care"
    assert skin_care.tier == 3
    assert skin_care.parent.iab_id == "553"
    assert skin_care.parent.parent.iab_id == "552"
    assert skin_care.interest.name == "Style & Fashion"
    assert not Label.objects.exclude(tier=1).filter(parent__isnull=True).exists()


def test_label_parent_follows_tier_path_where_iab_parent_column_disagrees(taxonomy):
    public_radio = Label.objects.get(iab_id="376")
    horse_racing = Label.objects.get(iab_id="497")

    assert public_radio.parent.iab_id == "371"
    assert public_radio.path == "Genres > Talk Radio > Public Radio"
    assert horse_racing.parent.iab_id == "496"


def test_label_tier_is_one_below_its_parent(taxonomy):
    children = Label.objects.filter(parent__isnull=False).select_related("parent")

    assert all(label.tier == label.parent.tier + 1 for label in children)
    assert all(label.interest_id == label.parent.interest_id for label in children)
    assert max(label.tier for label in children) == 4


def test_product_category_that_names_itself_as_parent_has_none(taxonomy):
    ad_safety = ProductCategory.objects.get(iab_id="1000")
    aerospace = ProductCategory.objects.get(iab_id="1037")
    beer = ProductCategory.objects.get(iab_id="1004")

    assert ad_safety.parent is None
    assert ad_safety.tier == 1
    assert aerospace.parent.iab_id == "1036"
    assert aerospace.path == "Business and Industrial > Industrials > Aerospace and Defense"
    assert beer.parent.iab_id == "1002"
    assert beer.path == "Alcohol > Beer"
    assert ProductCategory.objects.filter(parent__isnull=True).count() == 45


def test_beer_prior_points_at_food_and_drink(taxonomy):
    assert _priors_of("1004") == {"Food & Drink": 1.0}


def test_skin_care_prior_has_a_weaker_second_interest(taxonomy):
    priors = _priors_of("1246")

    assert priors == {"Style & Fashion": 1.0, "Healthy Living": 0.3}


@pytest.mark.parametrize(
    ("product", "interest"),
    [("1226", "Pets"), ("1571", "Automotive"), ("1114", "Technology & Computing"), ("1533", "Travel")],
)
def test_known_products_have_their_interest_first(taxonomy, product, interest):
    assert _priors_of(product)[interest] == 1.0


def test_products_mapped_to_non_standard_content_get_no_prior(taxonomy):
    assert _priors_of("1000") == {}  # Ad Safety Risk → IAB25 Non-Standard Content
    assert _priors_of("1001") == {}  # Adult Products and Services
    assert ProductInterestPrior.objects.filter(weight__lte=0).count() == 0
    assert ProductInterestPrior.objects.filter(weight=1.0).values("product_category").distinct().count() == (
        ProductInterestPrior.objects.values("product_category").distinct().count()
    )


def test_loading_twice_changes_nothing(taxonomy):
    before = _snapshot()
    out = StringIO()

    call_command("load_taxonomy", stdout=out)

    assert _snapshot() == before
    assert out.getvalue().startswith("Taxonomy up to date: 37 interests, 704 labels, 583 product categories")


def test_loading_repairs_an_edited_row(taxonomy):
    Label.objects.filter(iab_id="559").update(name="Skincare!", path="wrong")
    before_pk = Label.objects.get(iab_id="559").pk
    out = StringIO()

    call_command("load_taxonomy", stdout=out)

    label = Label.objects.get(iab_id="559")
    assert (label.pk, label.name, label.path) == (before_pk, "Skin Care", "Style & Fashion > Beauty > Skin Care")
    assert "704 labels (1 updated)" in out.getvalue()


def test_crosswalk_paths_match_the_content_taxonomy():
    content = {node.iab_id: node.path for node in parse_content_taxonomy(DATA_DIR / CONTENT_FILE)}
    lines = (DATA_DIR / CROSSWALK_FILE).read_text(encoding="utf-8").splitlines()[1:]

    for line in lines:
        code, _name, primary, primary_path, secondary, secondary_path, _weight = line.split("\t")
        assert content.get(primary, "") == primary_path, code
        assert content.get(secondary, "") == secondary_path, code


def test_every_mapped_content_code_has_a_crosswalk_row():
    product_map = parse_product_map(DATA_DIR / PRODUCT_MAP_FILE)
    crosswalk = parse_crosswalk(DATA_DIR / CROSSWALK_FILE)

    priors = derive_priors(
        product_map=product_map, crosswalk=crosswalk, content=parse_content_taxonomy(DATA_DIR / CONTENT_FILE)
    )

    assert set(product_map.values()) <= set(crosswalk)
    assert len(product_map) == 583
    assert 0 < len({product for product, _ in priors}) < 583

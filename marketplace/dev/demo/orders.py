"""Draft and published orders for the demo brands, written through the order services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.utils import timezone

from brands.models import Brand
from creators.services import rate_card_set_prices
from marketplace.core.models import ContentFormat, Label, ProductCategory, ProductInterestPrior, User
from marketplace.dev.demo.accounts import DemoAccounts
from marketplace.dev.demo.catalogue import STREAM_ORDERS, Catalogue, stream
from marketplace.dev.demo.creators import CNY_PER_UNIT
from orders.models import Order
from orders.services.orders import OrderBrief, order_create, order_publish

# ----------------------------------------------------------------------- orders


@dataclass(frozen=True)
class OrderSpec:
    title: str
    product_name: str
    product_category: str  # Ad Product 2.0 id
    format: str
    labels: dict[str, float]  # Content 3.1 id → weight
    price_cny: int
    creators_wanted: int
    goal: str = "awareness"
    mode: str = "direct"
    publish: bool = True
    target_age: tuple[str, ...] = ()
    target_gender: tuple[str, ...] = ()
    target_regions: tuple[str, ...] = ()
    min_region_share: float = 0.0
    usage_channels: tuple[str, ...] = ("creator_account", "brand_accounts")
    paid_ads_authorised: bool = False
    description: str = ""
    # Pay per play (docs/deals.md): a base and a price per 10,000 plays; price_cny is then the maximum.
    play_base_cny: int | None = None
    play_rate_cny: int | None = None


DEMO_ORDERS = {
    "Aurora Skincare": (
        OrderSpec(
            title="Hydra serum: the autumn skin routine",
            product_name="Hydra Barrier Serum",
            product_category="1246",
            format="short_21_60",
            labels={"559": 1.0, "555": 0.5, "557": 0.4},
            price_cny=6000,
            creators_wanted=5,
            goal="seeding",
            target_age=("18-23", "24-30"),
            target_gender=("female",),
            target_regions=("CN-ZJ", "CN-SH", "CN-JS", "CN-GD"),
            min_region_share=0.2,
            description="Show your evening routine with the serum; mention the barrier-repair claim once.",
            # Usage rights as priced terms (docs/deals.md): the brand reposts on its accounts and boosts with ad codes.
            usage_channels=("creator_account", "brand_accounts"),
            paid_ads_authorised=True,
        ),
        OrderSpec(
            title="Daily Shield SPF50 — summer recruitment",
            product_name="Daily Shield SPF50",
            product_category="1247",
            format="short_1_20",
            labels={"559": 1.0, "232": 0.4, "673": 0.3},
            price_cny=2500,
            creators_wanted=20,
            mode="recruitment",
            description="Quick outdoor clips: reapplying sunscreen on the go.",
        ),
        OrderSpec(
            title="Midnight Repair Cream: long review",
            product_name="Midnight Repair Cream",
            product_category="1246",
            format="video_60_plus",
            labels={"559": 1.0, "554": 0.3},
            price_cny=12000,
            creators_wanted=3,
            goal="conversion",
            publish=False,
            paid_ads_authorised=True,
            usage_channels=("creator_account", "paid_ads"),
        ),
        OrderSpec(
            title="Aurora Men face wash launch",
            product_name="Aurora Men Face Wash",
            product_category="1240",
            format="short_21_60",
            labels={"594": 1.0, "579": 0.6, "228": 0.4},
            price_cny=5000,
            creators_wanted=4,
            target_gender=("male",),
            # Published, with offers out now: a negotiated price and note each, one countered
            # (marketplace.dev.demo.campaigns.ensure_open_offers).
        ),
    ),
    "Northwind Outdoor": (
        OrderSpec(
            title="Trailhead 2 tent: your first camping weekend",
            product_name="Trailhead 2 Tent",
            product_category="1528",
            format="short_21_60",
            labels={"677": 1.0, "159": 0.7, "665": 0.5},
            price_cny=8000,
            creators_wanted=4,
            description="Pitch the tent, cook one meal, sleep one night. Honest verdict at the end.",
            # Paid on plays: CNY 2,000 base + CNY 60 per 10,000 plays of the first 14 days, at most CNY 8,000.
            play_base_cny=2000,
            play_rate_cny=60,
        ),
        OrderSpec(
            title="Storm Shell jacket try-on",
            product_name="Storm Shell Jacket",
            product_category="1528",
            format="image_post",
            labels={"571": 1.0, "586": 1.0, "531": 0.5},
            price_cny=3000,
            creators_wanted=10,
            mode="recruitment",
            goal="seeding",
        ),
        OrderSpec(
            title="Ridge boots live session",
            product_name="Ridge Hiking Boots",
            product_category="1070",
            format="live_session",
            labels={"542": 1.0, "589": 0.8, "573": 0.8},
            price_cny=10000,
            creators_wanted=2,
            goal="conversion",
            publish=False,
        ),
    ),
}


def ensure_orders(accounts: DemoAccounts, catalogue: Catalogue, *, seed: int) -> int:
    """Draft and published orders for every demo brand that has none yet; returns how many were created."""
    rng = stream(seed, STREAM_ORDERS)
    created = 0
    for name, brand in accounts.brands.items():
        specs = DEMO_ORDERS.get(name) or (_prior_order(brand, catalogue, rng),)
        # Past (closed) orders from the demo history do not count: the brand still needs live ones.
        if brand.orders.exclude(status=Order.Status.CLOSED).exists():
            continue
        for spec in specs:
            _create_order(brand, accounts.owners[name], spec)
            created += 1
    return created


def _prior_order(brand: Brand, catalogue: Catalogue, rng: np.random.Generator) -> OrderSpec:
    """A published order for a brand without hand-written ones, targeting its industry's top interest."""
    prior = (
        ProductInterestPrior.objects.filter(product_category=brand.industry)
        .select_related("interest")
        .order_by("-weight", "interest__name")
        .first()
    )
    interest = prior.interest.name if prior else "Shopping"
    inner = [x for x in catalogue.interest_labels[interest] if x != catalogue.tier1_label[interest]]
    picked = rng.choice(inner, size=min(2, len(inner)), replace=False)
    labels = {catalogue.tier1_label[interest]: 0.6, **{str(x): 1.0 for x in picked}}
    return OrderSpec(
        title=f"{brand.name}: creator launch",
        product_name=f"{brand.name.split()[0]} {brand.industry.name}",
        product_category=brand.industry.iab_id,
        format=str(rng.choice(["short_1_20", "short_21_60", "video_60_plus"])),
        labels=labels,
        price_cny=int(rng.choice([1500, 3000, 5000, 8000])),
        creators_wanted=int(rng.integers(3, 9)),
    )


def _create_order(brand: Brand, owner: User, spec: OrderSpec) -> Order:
    now = timezone.now()
    today = timezone.localdate(now)
    unit = CNY_PER_UNIT.get(settings.CURRENCY, 1.0)
    brief = OrderBrief(
        title=spec.title,
        description=spec.description,
        product_name=spec.product_name,
        product_category=ProductCategory.objects.get(iab_id=spec.product_category),
        format=ContentFormat(spec.format),
        goal=spec.goal,
        mode=spec.mode,
        target_labels={Label.objects.get(iab_id=iab_id).pk: weight for iab_id, weight in spec.labels.items()},
        target_age=list(spec.target_age),
        target_gender=list(spec.target_gender),
        target_regions=list(spec.target_regions),
        min_region_share=spec.min_region_share,
        price_per_creator=round(spec.price_cny / unit) * 100,
        creators_wanted=spec.creators_wanted,
        apply_by=now + timedelta(days=5) if spec.mode != "direct" else None,
        script_by=now + timedelta(days=9),
        publish_from=today + timedelta(days=14),
        publish_until=today + timedelta(days=35),
        usage_channels=list(spec.usage_channels),
        paid_ads_authorised=spec.paid_ads_authorised,
        **_pricing(spec, unit),
    )
    order = order_create(brand=brand, actor=owner, brief=brief)
    if spec.publish:
        order = order_publish(order_id=order.pk, actor=owner)
    return order


def _pricing(spec: OrderSpec, unit: float) -> dict:
    if spec.play_rate_cny is None:
        return {}
    return {
        "pricing": Order.Pricing.PER_PLAY,
        "play_base": round((spec.play_base_cny or 0) / unit) * 100,
        "play_rate": round(spec.play_rate_cny / unit) * 100,
    }


# The login creator quotes this share of a demo recruitment order's listed price for its format.
LOGIN_CREATOR_PRICE_SHARE = 0.8  # illustrative


def price_login_creator_for_recruitment(accounts: DemoAccounts) -> None:
    """Give creator@starmap.demo a price for each demo recruitment order's format it does not offer yet,
    so the README's creator login sees recommended orders (a creator without a price for an order's
    format is not eligible for it). Through the rate-card service; prices it has are left alone."""
    creator = accounts.creator
    if creator is None:
        return
    offered = set(creator.rate_prices.filter(amount__isnull=False).values_list("format", flat=True))
    unit = CNY_PER_UNIT.get(settings.CURRENCY, 1.0)
    prices = {
        spec.format: round(spec.price_cny * LOGIN_CREATOR_PRICE_SHARE / unit) * 100
        for specs in DEMO_ORDERS.values()
        for spec in specs
        if spec.mode == "recruitment" and spec.publish and spec.format not in offered
    }
    if prices:
        rate_card_set_prices(creator=creator, actor=creator.user, prices=prices)

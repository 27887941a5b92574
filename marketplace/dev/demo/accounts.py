"""The demo logins and brands, and the creator with a login, written through the services."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from brands.models import Brand, BrandMembership
from brands.services import brand_create, brand_member_add, brand_update
from creators.models import Creator
from creators.services import (
    creator_set_audience,
    creator_set_labels,
    creator_signup,
    creator_update_profile,
    rate_card_set_prices,
)
from marketplace.core.models import ProductCategory, User
from marketplace.core.verification import set_verification
from marketplace.dev.demo.catalogue import STREAM_LOGIN_CREATOR, Catalogue, stream
from marketplace.dev.demo.creators import CreatorBatch
from marketplace.dev.run import DEMO_PASSWORD
from payouts import services as money
from payouts.models import TopUp

# --------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class BrandSpec:
    name: str
    industry: str  # Ad Product 2.0 id
    description: str
    members: tuple[tuple[str, str, str], ...] = ()  # (e-mail, role, full name); the first is the owner
    website: str = ""
    # Printed on the brand's invoices and receipts; illustrative (not real companies or registrations).
    legal_name: str = ""
    tax_id: str = ""


DEMO_BRANDS = (
    BrandSpec(
        name="Aurora Skincare",
        industry="1246",
        description="Gentle skin care for sensitive skin, made in Hangzhou.",
        website="https://aurora.example",
        legal_name="杭州极光护肤品有限公司 (Aurora Skincare Co., Ltd.)",
        tax_id="91330100MA2DEMO01X",
        members=(
            ("owner@aurora.demo", "owner", "Aurora Owner"),
            ("manager@aurora.demo", "manager", "Aurora Manager"),
            ("viewer@aurora.demo", "viewer", "Aurora Viewer"),
        ),
    ),
    BrandSpec(
        name="Northwind Outdoor",
        industry="1528",
        description="Tents, jackets and boots for weekend adventurers.",
        website="https://northwind.example",
        legal_name="Northwind Outdoor Ltd.",
        tax_id="91310000MA2DEMO02Y",
        members=(("owner@northwind.demo", "owner", "Northwind Owner"),),
    ),
)
# Synthetic names for brands of the most common sponsor kinds (data: sponsor_kinds); no logins.
SPONSOR_BRAND_NAMES = {
    "Shop": "Harbor Market",
    "Video Game": "Pixelforge Games",
    "Beauty": "Petal & Pine Cosmetics",
    "Music": "Echo Streams",
    "Technology": "Volt Gadgets",
    "Education": "Brightpath Academy",
    "Application": "Lumen Apps",
    "Fashion": "Cedar Thread",
    "Service": "Cloudnest Hosting",
}
ADMIN_EMAIL = "admin@starmap.demo"
CREATOR_EMAIL = "creator@starmap.demo"
DEMO_TOPUP = 20_000_000  # minor units: CNY 200,000.00 in each demo brand's wallet (illustrative)
# One key per brand (keys are scoped to the brand), so running load_demo again replays the same top-up.
DEMO_TOPUP_KEY = "demo-opening-balance"


@dataclass
class DemoAccounts:
    admin: User
    owners: dict[str, User] = field(default_factory=dict)  # brand name → owner
    brands: dict[str, Brand] = field(default_factory=dict)
    creator: Creator | None = None


def ensure_accounts(catalogue: Catalogue, *, seed: int) -> DemoAccounts:
    """The demo logins, brands and the creator with a login; existing ones are left as they are."""
    admin = User.objects.filter(email=ADMIN_EMAIL).first() or User.objects.create_superuser(
        ADMIN_EMAIL, DEMO_PASSWORD, full_name="Starmap Admin"
    )
    accounts = DemoAccounts(admin=admin)
    specs = [*DEMO_BRANDS, *_sponsor_brand_specs(catalogue)]
    for spec in specs:
        owner, brand = _ensure_brand(spec)
        accounts.owners[spec.name], accounts.brands[spec.name] = owner, brand
    set_verification(actor=admin, model=Brand, pks=[b.pk for b in accounts.brands.values()], to="verified")
    accounts.creator = _ensure_login_creator(catalogue, seed=seed, admin=admin)
    return accounts


def _sponsor_brand_specs(catalogue: Catalogue, count: int = 6) -> list[BrandSpec]:
    kinds = [k for k in catalogue.tables["sponsor_kinds"] if k["kind"] in SPONSOR_BRAND_NAMES][:count]
    return [
        BrandSpec(
            name=SPONSOR_BRAND_NAMES[k["kind"]],
            industry=k["product_category"],
            description=f"Demo advertiser ({k['kind'].lower()}).",
            members=((f"owner@{SPONSOR_BRAND_NAMES[k['kind']].split()[0].lower()}.demo", "owner", ""),),
        )
        for k in kinds
    ]


def _ensure_brand(spec: BrandSpec) -> tuple[User, Brand]:
    owner_email, _role, owner_name = spec.members[0]
    owner = User.objects.filter(email=owner_email).first()
    if owner is None:
        has_login = spec in DEMO_BRANDS
        owner = User.objects.create_user(owner_email, DEMO_PASSWORD if has_login else None, full_name=owner_name)
        brand = brand_create(name=spec.name, owner=owner)
        industry = ProductCategory.objects.get(iab_id=spec.industry)
        brand = brand_update(
            brand=brand,
            actor=owner,
            name=spec.name,
            website=spec.website,
            description=spec.description,
            industry=industry,
            country="CN",
            legal_name=spec.legal_name,
            tax_id=spec.tax_id,
        )
    brand = BrandMembership.objects.select_related("brand").get(user=owner).brand
    for email, role, full_name in spec.members[1:]:
        if not User.objects.filter(email=email).exists():
            User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
            brand_member_add(brand=brand, actor=owner, email=email, role=role)
    return owner, brand


def _ensure_login_creator(catalogue: Catalogue, *, seed: int, admin: User) -> Creator:
    """creator@starmap.demo: a beauty creator on Douyin with every part of the profile filled in."""
    existing = Creator.objects.filter(user__email=CREATOR_EMAIL).first()
    if existing is not None:
        return existing
    batch = CreatorBatch(catalogue=catalogue, rng=stream(seed, STREAM_LOGIN_CREATOR), first_number=0, size=1)
    record = batch.sample(platform="douyin", niche="beauty", followers=268_000).record(0)
    return profile_creator(
        record,
        catalogue=catalogue,
        email=CREATOR_EMAIL,
        password=DEMO_PASSWORD,
        handle="demo-creator",
        main_label="559",
        admin=admin,
    )


def profile_creator(
    record, *, catalogue: Catalogue, email: str, password: str | None, handle: str, main_label: str, admin: User
) -> Creator:
    """A verified creator with a login (``password=None``: an account that cannot log in) and every part
    of the profile filled in from a sampled record, through the services a creator uses; ``main_label``
    (an IAB id) is their weight-1 label."""
    creator = creator_signup(email=email, password=password, display_name=record.display_name, handle=handle)
    user = creator.user
    creator_update_profile(
        creator=creator,
        actor=user,
        display_name=record.display_name,
        bio=record.bio,
        platform=record.platform,
        country=record.country,
        content_sample=record.content_sample,
        max_concurrent=4,
    )
    creator_set_audience(
        creator=creator,
        actor=user,
        age=record.audience_age,
        gender=record.audience_gender,
        region=record.audience_region,
    )
    main = catalogue.label_pk[main_label]
    labels = [(main, 1.0), *((pk, w) for pk, w in record.labels if pk != main)][:4]
    creator_set_labels(creator=creator, actor=user, labels=labels)
    rate_card_set_prices(creator=creator, actor=user, prices=dict(record.rates))
    # Platform metrics are refreshed from the platform, not written by the creator: no service.
    Creator.objects.filter(pk=creator.pk).update(
        **{
            name: getattr(record, name)
            for name in (
                "followers",
                "median_views_30d",
                "median_views_90d",
                "engagement_rate",
                "completion_rate",
                "hit_video_share",
                "follower_growth_30d",
            )
        }
    )
    set_verification(actor=admin, model=Creator, pks=[creator.pk], to="verified")
    return Creator.objects.get(pk=creator.pk)


# ---------------------------------------------------------------------- wallets


@transaction.atomic
def fund_demo_wallets(accounts: DemoAccounts) -> int:
    """Top up every demo brand's wallet once, so offers can be sent; returns how many brands were funded.

    Goes through payouts.services.topup like a brand would. With the manual provider the demo admin
    confirms the transfer at once. The fixed keys make a second run a replay, not a second top-up.
    """
    with connection.cursor() as cursor:
        # The ledger checks each transaction's legs at COMMIT; load_demo made every check immediate for its
        # bulk load, and an immediate check would see a ledger transaction before its legs are written.
        cursor.execute("SET CONSTRAINTS payouts_ledgerentry_balanced, payouts_ledgertransaction_balanced DEFERRED")
    for name in accounts.brands:
        top_up(accounts, name, amount=DEMO_TOPUP, key=DEMO_TOPUP_KEY)
    return len(accounts.brands)


def top_up(accounts: DemoAccounts, name: str, *, amount: int, key: str) -> None:
    """One top-up of a demo brand's wallet, confirmed at once where the provider waits for a transfer; the
    fixed key makes a second run a replay."""
    topup = money.topup(
        brand_id=accounts.brands[name].pk,
        amount=amount,
        currency=settings.CURRENCY,
        idempotency_key=key,
        actor=accounts.owners[name],
    )
    if topup.status == TopUp.Status.PENDING:
        money.topup_confirm(topup_id=topup.pk, reference="DEMO", idempotency_key=f"{key}-confirm", actor=accounts.admin)


def ensure_demo_webhook(accounts: DemoAccounts) -> None:
    """Aurora's webhook to the local receiver the README starts (``manage.py webhook_receiver``), with the
    receiver's demo secret, subscribed to every event. Made after the demo's own deals, so loading the demo
    sends nothing; what you do in the demo afterwards is delivered."""
    from webhooks.events import catalogue_for
    from webhooks.management.commands.webhook_receiver import DEMO_SECRET
    from webhooks.models import WebhookEndpoint

    brand = accounts.brands[DEMO_BRANDS[0].name]
    WebhookEndpoint.objects.get_or_create(
        brand=brand,
        url=DEMO_WEBHOOK_URL,
        defaults={
            "event_types": sorted(catalogue_for("brand")),
            "secret": DEMO_SECRET,
            "description": "Demo: manage.py webhook_receiver --port 8765",
            "created_by": accounts.owners[brand.name],
        },
    )


DEMO_WEBHOOK_URL = "http://127.0.0.1:8765/starmap"

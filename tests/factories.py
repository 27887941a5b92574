"""Factories for every model, in one place."""

from datetime import date, timedelta

import factory
from django.conf import settings
from django.utils import timezone

from brands.models import Brand, BrandMembership
from creators.models import Creator, CreatorLabel, RatePrice
from marketplace.core.models import Interest, Label, ProductCategory, User
from orders.models import Collaboration, Order


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.django.Password("pw-for-tests-only")


class InterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interest
        django_get_or_create = ("iab_id",)

    iab_id = factory.Sequence(lambda n: f"T{n}")
    name = factory.Sequence(lambda n: f"Interest {n}")


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label
        django_get_or_create = ("iab_id",)

    iab_id = factory.Sequence(lambda n: f"L{n}")
    name = factory.Sequence(lambda n: f"Label {n}")
    interest = factory.SubFactory(InterestFactory)
    tier = 2
    path = factory.LazyAttribute(lambda o: f"{o.interest.name} > {o.name}")


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("iab_id",)

    iab_id = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    path = factory.LazyAttribute(lambda o: o.name)
    tier = 1


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    verification = "verified"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandMembership

    brand = factory.SubFactory(BrandFactory)
    user = factory.SubFactory(UserFactory)
    role = BrandMembership.Role.OWNER


class CreatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creator

    user = factory.SubFactory(UserFactory)
    handle = factory.Sequence(lambda n: f"creator-{n}")
    display_name = factory.Sequence(lambda n: f"Creator {n}")
    verification = "verified"
    followers = 120_000
    median_views_30d = 40_000
    median_views_90d = 35_000
    engagement_rate = 0.05
    completion_rate = 0.4
    audience_age = factory.LazyFunction(lambda: {"18-23": 0.4, "24-30": 0.3, "31-40": 0.2, "41-50": 0.05, "50+": 0.05})
    audience_gender = factory.LazyFunction(lambda: {"female": 0.6, "male": 0.38, "other": 0.02})
    audience_region = factory.LazyFunction(lambda: {"CN-GD": 0.5, "CN-SH": 0.3, "US": 0.2})


class CreatorLabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreatorLabel

    creator = factory.SubFactory(CreatorFactory)
    label = factory.SubFactory(LabelFactory)
    weight = 1.0


class RatePriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RatePrice

    creator = factory.SubFactory(CreatorFactory)
    format = "short_21_60"
    amount = 500_000
    currency = factory.LazyFunction(lambda: settings.CURRENCY)
    effective_from = factory.LazyFunction(lambda: date.today().replace(day=1))


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    brand = factory.SubFactory(BrandFactory)
    title = factory.Sequence(lambda n: f"Order {n}")
    product_name = "Hydrating serum"
    product_category = factory.SubFactory(ProductCategoryFactory)
    format = "short_21_60"
    currency = factory.LazyFunction(lambda: settings.CURRENCY)
    price_per_creator = 600_000
    creators_wanted = 3
    script_by = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    publish_from = factory.LazyFunction(lambda: date.today() + timedelta(days=14))
    publish_until = factory.LazyFunction(lambda: date.today() + timedelta(days=28))


class CollaborationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collaboration

    order = factory.SubFactory(OrderFactory)
    creator = factory.SubFactory(CreatorFactory)
    currency = factory.LazyFunction(lambda: settings.CURRENCY)
    agreed_price = 600_000
    offered_at = factory.LazyFunction(timezone.now)


class RankingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "matching.RankingRun"

    order = factory.SubFactory(OrderFactory)
    status = "done"


class RankingResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "matching.RankingResult"

    run = factory.SubFactory(RankingRunFactory)
    rank = factory.Sequence(lambda n: n + 1)
    creator = factory.SubFactory(CreatorFactory)
    score = hand_score = 0.5
    content = audience = performance = value = reliability = exploration = 0.5
    price = 100_000
    expected_views = 10_000


class MatcherModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "matching.MatcherModel"

    version = factory.Sequence(lambda n: f"gbr-test-{n}")
    path = "var/models/missing.joblib"

"""One running submission contest in the demo: Aurora's, with the README's creator login and two others entered."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from creators.models import Creator
from marketplace.dev.demo.accounts import DemoAccounts, top_up
from orders.models import Contest, Order
from orders.services import contests
from orders.services.orders import OrderBrief

CONTEST_TITLE = "Aurora face wash #MyMorningRoutine contest"
SOURCE_ORDER = "Aurora Men face wash launch"  # its product, category and labels are the contest's
TIERS = [{"places": 1, "prize": 500_000}, {"places": 3, "prize": 150_000}, {"places": 20, "prize": 20_000}]


def ensure_running_contest(accounts: DemoAccounts, *, now: datetime | None = None) -> int:
    """Publish the contest (its pool held from Aurora's wallet) and enter three creators' posts; 0 when it
    exists already or Aurora's order is missing. Returns the entries made."""
    now = now or timezone.now()
    source = Order.objects.filter(title=SOURCE_ORDER).first()
    owner = accounts.owners.get(source.brand.name) if source else None
    if source is None or owner is None or Contest.objects.filter(order__title=CONTEST_TITLE).exists():
        return 0
    brief = OrderBrief(
        title=CONTEST_TITLE,
        description="Film your morning routine with the face wash; the most-viewed posts on day 7 win.",
        product_name=source.product_name,
        product_category=source.product_category,
        format=source.format,
        target_labels=dict(source.target_label_links.values_list("label_id", "weight")),
    )
    terms = contests.ContestTerms(tiers=TIERS, count_day=7, submit_until=now + timedelta(days=10))
    # The pool is held whole on publishing: Aurora puts it in first, whatever its campaigns have used.
    pool = sum(tier["places"] * tier["prize"] for tier in TIERS)
    top_up(accounts, source.brand.name, amount=pool, key="demo-contest-pool")
    contest = contests.contest_publish(brand=source.brand, actor=owner, brief=brief, terms=terms, now=now)
    entrants = [accounts.creator] if accounts.creator else []
    entrants += list(
        Creator.objects.filter(verification="verified", is_active=True, user__isnull=False)
        .exclude(pk__in=[c.pk for c in entrants])
        .order_by("-followers", "pk")[: 3 - len(entrants)]
    )
    for creator in entrants:
        contests.contest_enter(
            contest_id=contest.pk,
            actor=creator.user,
            post_url=f"https://www.douyin.com/video/demo-{contest.pk}-{creator.pk}",
            published_at=timezone.now(),
        )
    return len(entrants)

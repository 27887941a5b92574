import pytest
from django.urls import reverse

from brands.models import BrandMembership
from creators.models import Creator, RatePrice
from marketplace.core.models import Label
from matching import services
from orders.models import OrderTargetLabel
from tests.factories import MembershipFactory, OrderFactory
from tests.matching.conftest import make_creators, write_creator
from tests.pages import page_as_shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(taxonomy, client):
    make_creators(120)
    member = MembershipFactory(role=BrandMembership.Role.MANAGER)
    order = OrderFactory(brand=member.brand, price_per_creator=10**9, status="published")
    OrderTargetLabel.objects.create(order=order, label=Label.objects.filter(tier=2).first(), weight=1.0)
    run = services.ranking_request(order=order)
    services.ranking_execute(run_id=run.pk)
    client.force_login(member.user)
    return order, run, member


def test_order_page_shows_ranked_creators_with_component_bars_and_reasons(ranked, client):
    order, run, _ = ranked

    html = page_as_shown(client, reverse("orders:detail", args=[order.pk]))

    first = run.results.order_by("rank").first()
    assert first.creator.handle in html
    assert html.count("<meter") >= 5 * 25
    assert "eligible of" in html
    assert 'hx-trigger="every 2s"' not in html  # done: no more polling
    # A 0–100 match score a person understands, and reasons with what each added, largest first.
    assert f"{round(first.score * 100)} / 100" in html
    assert "hand score" not in html and "/ 4" not in html
    row = client.get(reverse("matching:order_ranking", args=[order.pk])).context["rows"][0]
    points = [p for p, _ in row["reasons"] if p]
    assert points == sorted(points, reverse=True)
    assert f"+{round(points[0])}</small>" in html


def test_a_queued_run_polls_until_it_is_done(ranked, client):
    order, _, _ = ranked
    services.ranking_request(order=order)

    response = client.get(reverse("matching:order_ranking", args=[order.pk]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "<html" not in html  # the partial only


def test_filters_rerank_the_stored_list_without_a_new_run(ranked, client):
    order, run, _ = ranked
    threshold = sorted(run.results.values_list("creator__followers", flat=True))[60]

    response = client.get(reverse("matching:order_ranking", args=[order.pk]), {"min_followers": threshold})

    shown = [row["result"] for row in response.context["rows"]]
    assert shown and all(r.creator.followers >= threshold for r in shown)
    assert [r.rank for r in shown] == sorted(r.rank for r in shown)
    assert order.ranking_runs.count() == 1


def test_a_bad_filter_value_says_so_next_to_the_field(ranked, client):
    order, _, _ = ranked

    response = client.get(reverse("matching:order_ranking", args=[order.pk]), {"max_price": "12,50"})

    assert response.status_code == 200
    assert response.context["filter_errors"]["max_price"]
    assert 'aria-invalid="true"' in response.content.decode()


def test_why_not_names_the_reason_for_an_over_budget_creator(ranked, client):
    order, _, _ = ranked
    creator = Creator.objects.order_by("id").first()
    order.price_per_creator = 50_000
    order.save()
    RatePrice.objects.filter(creator=creator, format=order.format).update(amount=10**8)

    for typed in (creator.handle, f"@{creator.handle.upper()}"):  # as the pages show it, in any case
        response = client.get(reverse("matching:order_why_not", args=[order.pk]), {"creator": typed})

        assert "price above the per-creator budget" in response.content.decode()


def test_why_not_for_an_eligible_creator_says_it_passes(ranked, client):
    order, run, _ = ranked
    creator = run.results.order_by("rank").first().creator

    response = client.get(reverse("matching:order_why_not", args=[order.pk]), {"creator": creator.handle})

    assert "passes every filter" in response.content.decode()
    assert "Ranked #1" in response.content.decode()


def test_why_not_for_an_eligible_creator_below_the_stored_list_shows_their_rank_now_and_reasons(taxonomy, client):
    make_creators(260)
    member = MembershipFactory(role=BrandMembership.Role.MANAGER)
    order = OrderFactory(brand=member.brand, price_per_creator=10**9, status="published")
    OrderTargetLabel.objects.create(order=order, label=Label.objects.filter(tier=2).first(), weight=1.0)
    run = services.ranking_request(order=order)
    services.ranking_execute(run_id=run.pk)
    run.refresh_from_db()
    listed = set(run.results.values_list("creator_id", flat=True))
    creator = Creator.objects.exclude(pk__in=listed).order_by("id").first()
    client.force_login(member.user)

    response = client.get(reverse("matching:order_why_not", args=[order.pk]), {"creator": creator.handle})

    html = response.content.decode()
    assert "passes every filter" in html
    assert f"of {run.eligible_count} eligible creators now, match score" in html
    rank = int(html.split("Below the stored list: #")[1].split(" ")[0])
    assert rank > services.TOP_K
    assert "views per video" in html and "of your budget per creator" in html


def test_another_brand_gets_404_and_a_viewer_cannot_rerank(ranked, client):
    order, _, _ = ranked
    outsider = MembershipFactory()
    viewer = MembershipFactory(brand=order.brand, role=BrandMembership.Role.VIEWER)

    client.force_login(outsider.user)
    assert client.get(reverse("matching:order_ranking", args=[order.pk])).status_code == 404
    assert client.get(reverse("matching:order_why_not", args=[order.pk]), {"creator": "x"}).status_code == 404
    client.force_login(viewer.user)
    assert client.post(reverse("matching:order_rerank", args=[order.pk])).status_code == 403
    assert order.ranking_runs.count() == 1


def test_rank_again_queues_a_new_run(ranked, client):
    order, _, _ = ranked

    response = client.post(reverse("matching:order_rerank", args=[order.pk]))

    assert response.status_code == 302
    assert order.ranking_runs.filter(status="queued", trigger="manual").count() == 1


def test_ranking_page_query_count_does_not_grow_with_the_page(ranked, client, django_assert_max_num_queries):
    order, _, _ = ranked
    url = reverse("matching:order_ranking", args=[order.pk])

    with django_assert_max_num_queries(12):
        client.get(url)
    with django_assert_max_num_queries(12):
        client.get(url, {"page": 2})


def test_recommended_orders_list_open_recruitment_orders_the_creator_fits(taxonomy):
    from datetime import timedelta

    from django.utils import timezone

    from matching import engine
    from matching.selectors import recommended_orders

    ids = make_creators(60)
    engine.rebuild()
    creator = Creator.objects.get(pk=ids[0])
    label = creator.label_links.first().label
    fits = OrderFactory(
        status="published", mode="recruitment", price_per_creator=10**9, apply_by=timezone.now() + timedelta(days=3)
    )
    OrderTargetLabel.objects.create(order=fits, label=label, weight=1.0)
    too_cheap = OrderFactory(
        status="published", mode="recruitment", price_per_creator=100, apply_by=timezone.now() + timedelta(days=3)
    )
    direct = OrderFactory(status="published", mode="direct", price_per_creator=10**9)

    recommended = recommended_orders(creator)

    orders = [item["order"] for item in recommended]
    assert fits in orders
    assert too_cheap not in orders and direct not in orders
    first = recommended[0]
    assert first["order"] == fits
    assert first["reasons"][0]["code"] == "labels"
    run = services.ranking_request(order=fits)
    services.ranking_execute(run_id=run.pk)
    brand_side = run.results.get(creator=creator)  # the same score the brand sees
    assert first["score"] == pytest.approx(brand_side.hand_score, abs=1e-6)
    assert first["components"]["content"] == pytest.approx(brand_side.content, abs=1e-6)


def test_a_creator_on_a_label_next_to_the_orders_ranks_above_a_distant_one_and_the_reason_names_both(taxonomy, client):
    """Tree distance: the order's label L (tier 2 with children); creators on L's child, L's sibling, and
    a label of the same interest three steps away (a child of a sibling), all else equal."""
    target = Label.objects.filter(tier=2, children__isnull=False).order_by("id").first()
    child = target.children.order_by("id").first()
    sibling = Label.objects.filter(parent=target.parent, children__isnull=False).exclude(pk=target.pk).first()
    cousin = sibling.children.order_by("id").first()
    make_creators(60)
    on = {"onchild": child, "onsibling": sibling, "oncousin": cousin, "onlabel": target}
    ids = {name: write_creator(name, label.pk) for name, label in on.items()}
    member = MembershipFactory(role=BrandMembership.Role.MANAGER)
    order = OrderFactory(brand=member.brand, price_per_creator=10**9, status="published", format="short_21_60")
    OrderTargetLabel.objects.create(order=order, label=target, weight=1.0)
    run = services.ranking_request(order=order)
    services.ranking_execute(run_id=run.pk)
    client.force_login(member.user)

    html = page_as_shown(client, reverse("orders:detail", args=[order.pk]))

    rank = dict(run.results.values_list("creator_id", "rank"))
    assert rank[ids["onlabel"]] < rank[ids["onchild"]] < rank[ids["onsibling"]] < rank[ids["oncousin"]]
    assert f"Posts on {child.name}, next to your {target.name}" in html
    assert f"Posts on {sibling.name}, next to your {target.name}" in html


def test_a_just_published_order_shows_its_ranking_on_its_way_and_keeps_asking(taxonomy, client):
    """Publishing writes order.published; until the matcher consumes it, the section says the ranking is
    queued and polls, instead of "no ranking yet" with nothing to wake it up. Without JavaScript a link leads to
    the ranked list's own page."""
    from orders.services.orders import order_publish

    member = MembershipFactory(role=BrandMembership.Role.MANAGER)
    order = OrderFactory(brand=member.brand, price_per_creator=10**9)
    OrderTargetLabel.objects.create(order=order, label=Label.objects.filter(tier=2).first(), weight=1.0)
    order_publish(order_id=order.pk, actor=member.user)
    client.force_login(member.user)
    ranking_url = reverse("matching:order_ranking", args=[order.pk])

    plain = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    shown = page_as_shown(client, reverse("orders:detail", args=[order.pk]))

    assert f'<a href="{ranking_url}">' in plain
    assert "its ranking is queued" in shown and 'hx-trigger="every 2s"' in shown
    assert "No ranking yet" not in shown


@pytest.mark.parametrize("htmx", [True, False])
def test_rank_again_keeps_the_lists_filters_and_page(ranked, client, htmx):
    order, _, _ = ranked
    shown = client.get(reverse("matching:order_ranking", args=[order.pk]), {"min_followers": "5000", "page": "2"})
    rerank = reverse("matching:order_rerank", args=[order.pk])
    assert f'hx-post="{rerank}?min_followers=5000&amp;page=2"' in shown.content.decode()

    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"{rerank}?min_followers=5000&page=2", headers=headers, follow=not htmx)

    html = response.content.decode()
    assert f'hx-post="{rerank}?min_followers=5000&amp;page=2"' in html  # and again keeps them
    # Still ranking: with JavaScript the part polls with the filters; without, a link reloads with them.
    ranking = reverse("matching:order_ranking", args=[order.pk])
    if htmx:
        assert f'hx-get="{ranking}?min_followers=5000&amp;page=2"' in html
    else:
        assert f'<noscript><a href="{ranking}?min_followers=5000&amp;page=2">' in html


def test_ranked_creators_are_cards_with_avatar_audience_chart_and_the_authenticity_warning(ranked, client):
    order, run, _ = ranked
    first = run.results.order_by("rank").first().creator
    Creator.objects.filter(pk=first.pk).update(authenticity_score=0.9, display_name="Odd One")

    html = page_as_shown(client, reverse("orders:detail", args=[order.pk]))

    row = html.split(f'href="/creator/{first.handle}/"', 1)[0].rsplit("<tr>", 1)[1]
    cell = html.split(f'href="/creator/{first.handle}/"', 1)[1].split("</td>", 1)[0]
    assert '">OO</span>' in row  # generated initials
    assert 'class="audience-mini"' in cell and cell.count("<rect ") == 5
    assert "Unusual figures" in cell


def test_the_worker_queueing_the_run_between_the_sections_reads_never_shows_no_ranking(taxonomy, client, monkeypatch):
    """The worker queues the first run and acknowledges order.published in one commit. Whichever of the
    section's reads comes first, that commit landing right after it must leave the page showing the ranking on
    its way and polling, never "no ranking yet" with nothing to wake it up."""
    from matching import selectors
    from orders.services.orders import order_publish
    from tests.matching.conftest import queue_published_orders

    member = MembershipFactory(role=BrandMembership.Role.MANAGER)
    order = OrderFactory(brand=member.brand, price_per_creator=10**9)
    OrderTargetLabel.objects.create(order=order, label=Label.objects.filter(tier=2).first(), weight=1.0)
    order_publish(order_id=order.pk, actor=member.user)
    client.force_login(member.user)
    committed = []

    def then_the_worker_commits(read):
        def wrapped(*args, **kwargs):
            answer = read(*args, **kwargs)
            if not committed:
                committed.append(queue_published_orders())
            return answer

        return wrapped

    monkeypatch.setattr(selectors, "latest_run", then_the_worker_commits(selectors.latest_run))
    monkeypatch.setattr(selectors, "first_ranking_pending", then_the_worker_commits(selectors.first_ranking_pending))

    shown = page_as_shown(client, reverse("orders:detail", args=[order.pk]))

    assert committed == [1] and order.ranking_runs.filter(status="queued").count() == 1
    assert "No ranking yet" not in shown
    assert 'hx-trigger="every 2s"' in shown


def test_the_list_says_when_it_keeps_only_the_best_of_the_eligible(taxonomy, client, monkeypatch):
    """A run keeps the best TOP_K; the header counts every eligible creator, so it says how many are listed
    (1,023 eligible over eight pages of 25 looked like a list cut short)."""
    monkeypatch.setattr(services, "TOP_K", 30)
    make_creators(120)
    member = MembershipFactory(role=BrandMembership.Role.MANAGER)
    order = OrderFactory(brand=member.brand, price_per_creator=10**9, status="published")
    OrderTargetLabel.objects.create(order=order, label=Label.objects.filter(tier=2).first(), weight=1.0)
    run = services.ranking_execute(run_id=services.ranking_request(order=order).pk)
    client.force_login(member.user)

    html = page_as_shown(client, reverse("matching:order_ranking", args=[order.pk]))

    assert run.eligible_count > 30 and run.results.count() == 30
    assert f"{run.eligible_count} eligible of" in html and "the best 30 are listed" in html

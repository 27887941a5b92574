"""Reads for matching: ranked lists, their reasons in words, "why not", and the three searches."""

from __future__ import annotations

import numpy as np
from django.db.models import Prefetch, QuerySet, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from creators import track_record
from creators.models import Creator
from marketplace.core import format_money
from marketplace.core.models import Interest, Label, OutboxMessage, ProductCategory, ProductInterestPrior
from marketplace.core.models.catalogue import name_in_language
from marketplace.core.scores import match_score
from matching import engine, explain, features, learn, scoring, search, snapshot
from matching.models import RankingResult, RankingRun
from orders.models import Order

# ------------------------------------------------------------------ runs


def latest_run(order: Order) -> RankingRun | None:
    return order.ranking_runs.order_by("-created_at", "-id").first()


def first_ranking_pending(order: Order) -> bool:
    """The order's ``order.published`` message is not consumed yet: its first ranking is on its way."""
    return OutboxMessage.objects.filter(
        topic="order.published", payload__order_id=order.pk, acknowledged_at__isnull=True
    ).exists()


def results_for_run(run: RankingRun, *, filters: dict | None = None, limit: int = 50) -> list[RankingResult]:
    """Stored results, filtered in the database (followers, price, audience region) — best first."""
    return list(results_query(run, filters=filters)[:limit])


def results_query(run: RankingRun, *, filters: dict | None = None) -> QuerySet[RankingResult]:
    """The run's results as a filtered queryset, best first (the API pages through it by rank)."""
    qs = run.results.select_related("creator").order_by("rank")
    filters = filters or {}
    if filters.get("min_followers") is not None:
        qs = qs.filter(creator__followers__gte=filters["min_followers"])
    if filters.get("max_followers") is not None:
        qs = qs.filter(creator__followers__lte=filters["max_followers"])
    if filters.get("max_price") is not None:
        qs = qs.filter(price__lte=filters["max_price"])
    if filters.get("region"):
        qs = qs.filter(**{f"creator__audience_region__{filters['region']}__gte": filters.get("region_share", 0.2)})
    return qs


def rank_of(order: Order, creator: Creator) -> int | None:
    """The creator's rank in the order's latest finished ranking, or None."""
    run = order.ranking_runs.filter(status=RankingRun.Status.DONE).order_by("-created_at", "-id").first()
    if run is None:
        return None
    return run.results.filter(creator=creator).values_list("rank", flat=True).first()


def ranking_payload(run: RankingRun, *, top: int) -> dict:
    results = results_for_run(run, limit=top)
    names = reason_names(results)
    return {
        "order": run.order_id,
        "run": run.pk,
        "status": run.status,
        "model_version": run.model_version,
        "snapshot_version": run.snapshot_version,
        "eligible": run.eligible_count,
        "considered": run.considered_count,
        "duration_ms": run.duration_ms,
        "results": [
            {
                "rank": r.rank,
                "creator": r.creator_id,
                "handle": r.creator.handle,
                "match_score": match_score(r.score),
                "score": round(r.score, 4),
                "hand_score": round(r.hand_score, 4),
                "price": r.price,
                "expected_views": r.expected_views,
                "components": {c: round(getattr(r, c), 4) for c in scoring.COMPONENTS},
                "reasons": [reason_text(x, names, run.order.currency) for x in r.reasons],
            }
            for r in results
        ],
    }


# -------------------------------------------------------------- reasons


def reason_names(results) -> dict:
    """Names of the labels and interests the results' reasons mention, in one query."""
    label_ids = {i for r in results for x in r.reasons for key in ("label_ids", "target_ids") for i in x.get(key, [])}
    interest_ids = {i for r in results for x in r.reasons for i in x.get("interest_ids", [])}
    names: dict[str, dict] = {"labels": {}, "interests": {}}
    labels = Label.objects.filter(pk__in=label_ids).annotate(kind=Value("labels")).order_by()
    interests = Interest.objects.filter(pk__in=interest_ids).annotate(kind=Value("interests")).order_by()
    columns = ("kind", "id", "name", "name_zh_hans")
    rows = labels.values_list(*columns).union(interests.values_list(*columns), all=True)
    for kind, pk, name, name_zh_hans in rows:
        names[kind][pk] = name_in_language(name, name_zh_hans)
    return names


MOVED_BECAUSE = {
    "up": {
        "track_record": gettext_lazy("reliable track record"),
        "reach": gettext_lazy("strong reach and engagement"),
        "price": gettext_lazy("good price for the budget"),
        "audience": gettext_lazy("audience fit"),
        "content": gettext_lazy("content fit"),
    },
    "down": {
        "track_record": gettext_lazy("weaker track record"),
        "reach": gettext_lazy("weaker reach and engagement"),
        "price": gettext_lazy("high price for the budget"),
        "audience": gettext_lazy("weaker audience fit"),
        "content": gettext_lazy("weaker content fit"),
    },
}


def reason_text(reason: dict, names: dict, currency: str) -> str:
    """One stored reason in the viewer's language; every number names the metric it comes from."""
    code = reason.get("code")
    if code == "labels":
        labels = ", ".join(names["labels"].get(i, "?") for i in reason["label_ids"])
        return _("Makes content on your labels: %(labels)s") % {"labels": labels}
    if code == "near_label":
        return _("Posts on %(label)s, next to your %(target)s") % {
            "label": names["labels"].get(reason["label_ids"][0], "?"),
            "target": names["labels"].get(reason["target_ids"][0], "?"),
        }
    if code == "interest":
        interests = ", ".join(names["interests"].get(i, "?") for i in reason["interest_ids"])
        return _("Same interest (%(interests)s), no exact label") % {"interests": interests}
    if code == "no_content_match":
        return _("No content match with your labels")
    if code == "regions":
        return _("Audience %(share)s %% in your target regions") % {"share": reason["share"]}
    if code == "ages":
        return _("%(share)s %% of the audience in your age groups") % {"share": reason["share"]}
    if code == "genders":
        return _("%(share)s %% of the audience in your gender target") % {"share": reason["share"]}
    if code in _METRIC_TEXT or code == "conversion":
        return _metric_text(code, reason)
    if code == "performance":  # stored before reasons named their metric
        return _("Median %(views)s views per video; performance for this goal %(pct)s / 100") % {
            "views": f"{reason['views']:,}",
            "pct": reason["percentile"],
        }
    if code == "unknown_metrics":
        names = ", ".join(str(UNKNOWN_METRIC_NAMES.get(m, m)) for m in reason["metrics"])
        return _("Unknown, counted as typical: %(metrics)s") % {"metrics": names}
    if code == "budget_left":
        price = format_money(reason["price"], currency)
        if not reason["left"]:
            return _("Price %(price)s: all of your budget per creator") % {"price": price}
        return _("Price %(price)s leaves %(left)s %% of your budget per creator") % {
            "price": price,
            "left": reason["left"],
        }
    if code == "value":  # stored before value was judged against the order's budget
        return _("Expected CPM %(cpm)s, cheaper than %(pct)s %% of peers") % {
            "cpm": format_money(reason["cpm"], currency),
            "pct": reason["cheaper_than"],
        }
    if code == "reliability":
        return _reliability_text(reason)
    if code == "no_history":
        return _("No order history yet (neutral reliability)")
    if code == "new_creator":
        if not reason.get("orders"):  # none on record (or stored before reasons said how many)
            return _("New creator: small exploration boost so newcomers get seen")
        return ngettext(
            "%(n)s order on record: a small exploration boost, shrinking to nothing at %(limit)s orders",
            "%(n)s orders on record: a small exploration boost, shrinking to nothing at %(limit)s orders",
            reason["orders"],
        ) % {"n": reason["orders"], "limit": snapshot.EXPLORATION_ORDERS}
    if code == "model_moved":
        if reason.get("because") is None:
            return (
                _("Moved up by the learned model (hand score rank %(rank)s)")
                if reason["direction"] == "up"
                else _("Moved down by the learned model (hand score rank %(rank)s)")
            ) % {"rank": reason["from"]}
        because = MOVED_BECAUSE.get(reason["direction"], {}).get(reason["because"], reason["because"])
        text = (
            _("Moved up by the learned model (hand score rank %(rank)s): %(because)s")
            if reason["direction"] == "up"
            else _("Moved down by the learned model (hand score rank %(rank)s): %(because)s")
        )
        return text % {"rank": reason["from"], "because": because}
    return str(code)


_METRIC_TEXT = {
    "views": gettext_lazy("Median %(value)s views per video, more than %(pct)s %% of creators"),
    "engagement_rate": gettext_lazy("Engagement rate %(value)s %%, higher than %(pct)s %% of creators"),
    "hit_video_share": gettext_lazy("Hit videos: %(value)s %% of recent posts, more than %(pct)s %% of creators"),
    "completion_rate": gettext_lazy("Completion rate %(value)s %%, higher than %(pct)s %% of creators"),
}


def _metric_text(code: str, reason: dict) -> str:
    if code == "conversion":
        if not reason.get("deals"):
            return _("No conversion history yet (counted as the platform's average)")
        return ngettext(
            "Past conversion rate %(value)s %% over %(n)s deal (adjusted for few deals), better than %(pct)s %% of "
            "creators",
            "Past conversion rate %(value)s %% over %(n)s deals (adjusted for few deals), better than %(pct)s %% of "
            "creators",
            reason["deals"],
        ) % {"value": reason["rate"], "n": reason["deals"], "pct": reason["percentile"]}
    value = f"{reason['views']:,}" if code == "views" else reason["rate"]
    return _METRIC_TEXT[code] % {"value": value, "pct": reason["percentile"]}


def _reliability_text(reason: dict) -> str:
    if "on_time_counted" not in reason and "rating_counted" not in reason:  # stored before shrinkage was shown
        parts = [
            ngettext("%(n)s completed order", "%(n)s completed orders", reason["orders"]) % {"n": reason["orders"]}
        ]
        if "fulfilment" in reason:
            parts.append(_("%(p)s %% on time") % {"p": reason["fulfilment"]})
        if "rating" in reason:
            parts.append(_("rated %(r)s") % {"r": reason["rating"]})
        return ", ".join(parts)
    parts = []
    if "on_time_counted" in reason:
        parts.append(
            ngettext(
                "On time in %(k)s of %(n)s order (counted as %(p)s %%)",
                "On time in %(k)s of %(n)s orders (counted as %(p)s %%)",
                reason["orders"],
            )
            % {"k": reason["on_time"], "n": reason["orders"], "p": reason["on_time_counted"]}
        )
    if "rating_counted" in reason:
        parts.append(
            ngettext(
                "rated %(r)s from %(m)s rating (counted as %(c)s)",
                "rated %(r)s from %(m)s ratings (counted as %(c)s)",
                reason["ratings"],
            )
            % {"r": reason["rating"], "m": reason["ratings"], "c": reason["rating_counted"]}
        )
    return "; ".join(parts)


UNKNOWN_METRIC_NAMES = {
    "views": gettext_lazy("median views"),
    "engagement_rate": gettext_lazy("engagement rate"),
    "hit_video_share": gettext_lazy("hit-video share"),
    "completion_rate": gettext_lazy("completion rate"),
}

ELIGIBILITY_TEXT = {
    "inactive": gettext_lazy("not active or not verified"),
    "no_capacity": gettext_lazy(
        "no free capacity: ongoing collaborations, here and elsewhere, are at the creator's maximum"
    ),
    "blackout": gettext_lazy("unavailable (blackout dates) during the order's window"),
    "no_price": gettext_lazy("no rate-card price for the order's format"),
    "over_budget": gettext_lazy("rate-card price above the per-creator budget plus tolerance"),
    "region": gettext_lazy("too little audience in the order's target regions"),
    "blocked": gettext_lazy("blocked by your brand"),
    "on_order": gettext_lazy("already on this order"),
}


# --------------------------------------------------------------- why not


def why_not(order: Order, creator: Creator) -> list[str]:
    """Eligibility reason codes excluding ``creator`` from ``order``'s ranking (empty: eligible).

    Uses the same scoring.why_not as the worker, on a one-creator snapshot read fresh from the
    database, so the answer reflects edits made a second ago.
    """
    frames, mark = features.fetch_frames(creator_ids=[creator.pk])
    mini = snapshot.build(frames, features.catalogue(), version="why-not", watermark=mark)
    from matching.features import excluded_creators, order_query

    excluded = excluded_creators(order)
    extra = tuple(reason for reason, ids in excluded.items() if creator.pk in ids)
    query = order_query(order, mini, excluded={})
    row = int(mini.rows_of([creator.pk])[0])
    return scoring.why_not(mini, query, row, extra_reasons=extra)


def standing(order: Order, creator: Creator) -> dict | None:
    """Where an eligible creator stands for ``order`` now, wherever that is (also far below the stored top
    of the list): their rank among every eligible creator by the hand score, their 0–100 match score and
    its reasons, computed on request on the worker's snapshot. None when the creator is not in it yet.

    Below the stored list the learned model re-orders nobody, so the hand score is what decides there.
    """
    from matching.features import order_query

    snap = engine.current()
    row = int(snap.rows_of([creator.pk])[0])
    if row < 0:
        return None
    query = order_query(order, snap)
    block = scoring.score_block(snap, query, 0, snap.n)
    at = np.searchsorted(block.rows, row)
    if at >= len(block.rows) or block.rows[at] != row:
        return None
    score = block.scores[at]
    ids = snap.creator_ids[block.rows]
    ahead = int(np.count_nonzero(block.scores > score)) + int(
        np.count_nonzero((block.scores == score) & (ids < creator.pk))
    )
    rows = np.array([row], dtype=np.int64)
    components = scoring.static_components(snap, query, rows)
    components["content"] = block.content[rows]
    components["audience"] = block.audience_for(rows)
    stored = explain.reasons_for(snap, query, rows, components)[0]
    names = reason_names([RankingResult(reasons=stored)])
    return {
        "rank": ahead + 1,
        "eligible": len(block.rows),
        "match_score": match_score(score),
        "reasons": [reason_text(x, names, order.currency) for x in stored],
    }


# ---------------------------------------------------------------- search


def _creators_by_id(ids) -> dict[int, Creator]:
    return Creator.objects.in_bulk(list(ids))


def search_by_content(text: str, *, top: int = 20) -> list[dict]:
    index = engine.text_index()
    rows, scores = index.query(text, top)
    ids = index.creator_ids[rows]
    creators = _creators_by_id(ids.tolist())
    matched = index.explain(text, rows)
    return [
        {"creator": creators[int(i)], "score": float(s), "matched": terms}
        for i, s, terms in zip(ids, scores, matched, strict=True)
        if int(i) in creators
    ]


def product_prior(category: ProductCategory) -> dict[int, float]:
    """Interest id → prior weight for the category, falling back to its ancestors' priors."""
    node = category
    while node is not None:
        priors = dict(ProductInterestPrior.objects.filter(product_category=node).values_list("interest_id", "weight"))
        if priors:
            return priors
        node = node.parent
    return {}


def search_by_product(category: ProductCategory, *, top: int = 20) -> list[dict]:
    snap = engine.current()
    prior = product_prior(category)
    known = {i: w for i, w in prior.items() if i in set(snap.catalogue.interest_ids.tolist())}
    cols = np.searchsorted(snap.catalogue.interest_ids, np.array(list(known), dtype=np.int64))
    interest_prior = {int(c): w for c, w in zip(cols, known.values(), strict=True)}
    history = features.product_history([category.pk, *category.children.values_list("id", flat=True)])
    past: dict[int, float] = {}
    if not history.empty:
        grades = learn.relevance(
            accepted=history["accepted"].fillna(False).to_numpy(bool),
            completed_on_time=history["completed_on_time"].fillna(False).to_numpy(bool),
            rating=history["rating"].to_numpy(float),
            views=history["views"].to_numpy(float),
            expected_views=snap.median_views[np.maximum(snap.rows_of(history["creator_id"].to_numpy()), 0)],
        )
        # Each creator's mean past grade in the category, shrunk by their own count (one perfect order
        # is weaker evidence than ten good ones), as everywhere history is read.
        per_creator = history.assign(grade=grades / 4, sq=(grades / 4) ** 2).groupby("creator_id")
        n, total, squares = per_creator["grade"].count(), per_creator["grade"].sum(), per_creator["sq"].sum()
        shrunk = track_record.shrink_means(n.to_numpy(), total.to_numpy(), squares.to_numpy(), key="views")
        rows = snap.rows_of(n.index.to_numpy())
        past = {int(r): float(v) for r, v in zip(rows, shrunk, strict=True) if r >= 0}
    rows, scores, prior_part, past_part = search.by_product(snap, interest_prior, past, top)
    ids = snap.creator_ids[rows]
    creators = _creators_by_id(ids.tolist())
    return [
        {"creator": creators[int(i)], "score": float(s), "prior": float(p), "history": float(h)}
        for i, s, p, h in zip(ids, scores, prior_part, past_part, strict=True)
        if int(i) in creators
    ]


MAX_SEEDS = 20  # seed creators of one likeness search (the API, the page)


def search_lookalike(creator_ids: list[int], *, top: int = 20) -> list[dict]:
    """Creators like the seeds (docs/matching.md, 4): what they post, their profile, and who else the
    seeds' brands booked. Each result says which of the seeds' words its posts share and how many of
    the seeds' brands booked it."""
    from orders.history_import import UNKNOWN_BRAND_SLUG

    snap = engine.current()
    rows = snap.rows_of(creator_ids)
    rows = rows[rows >= 0]
    if len(rows) == 0:
        return []
    booked_ids, booked_scores, booked_brands = features.booked_together(
        creator_ids, ignore_brand_slugs=(UNKNOWN_BRAND_SLUG,)
    )
    booked_rows = snap.rows_of(booked_ids)
    known = booked_rows >= 0
    found = search.lookalike(
        snap, rows, top, posts=engine.post_index(), booked=(booked_rows[known], booked_scores[known])
    )
    ids = snap.creator_ids[found.rows]
    brands = dict(zip(booked_ids.tolist(), booked_brands.tolist(), strict=True))
    creators = _creators_by_id(ids.tolist())
    return [
        {
            "creator": creators[int(i)],
            "score": float(s),
            "shared_terms": terms,
            "booked_by_same_brands": brands.get(int(i), 0),
        }
        for i, s, terms in zip(ids, found.scores, found.shared_terms, strict=True)
        if int(i) in creators
    ]


def creators_with_labels(creators: list[Creator]) -> list[Creator]:
    """Attach labels to already-loaded creators in one query (for result lists)."""
    from creators.models import CreatorLabel

    Creator.objects.filter(pk__in=[c.pk for c in creators]).prefetch_related(
        Prefetch("label_links", queryset=CreatorLabel.objects.select_related("label"))
    )
    return creators


# ------------------------------------------------------- recommended orders


def creator_snapshot(creator: Creator):
    """This creator's features, scored against the current snapshot's reference (as the worker would)."""
    frames, mark = features.fetch_frames(creator_ids=[creator.pk])
    saved = snapshot.load_reference(engine.root())
    if saved is None:
        return snapshot.build(frames, features.catalogue(), version="one", watermark=mark)
    catalogue, reference, idf = saved
    return snapshot.build_rows(frames, catalogue, reference, idf)


def recommended_orders(creator: Creator, *, limit: int = 50) -> list[dict]:
    """Open recruitment orders this creator is eligible for, best match first, with the components.

    Uses the same eligibility and score as the brand-side ranking, for this one creator.
    """
    from django.utils import timezone

    from brands.models import BrandBlock
    from matching.features import order_query
    from orders import flows

    if not flows.has_free_capacity(creator):
        return []  # no free capacity: not eligible for any order now
    blocked_by = set(BrandBlock.objects.filter(creator=creator).values_list("brand_id", flat=True))
    orders = list(
        Order.objects.filter(status=Order.Status.PUBLISHED, mode=Order.Mode.RECRUITMENT)
        .exclude(apply_by__lt=timezone.now())
        .exclude(collaborations__creator=creator)
        .exclude(brand_id__in=blocked_by)
        .select_related("brand", "product_category")
        .prefetch_related("target_label_links")
        .order_by("-published_at")[:500]
    )
    if not orders:
        return []
    mini = creator_snapshot(creator)
    out = []
    for order in orders:
        query = order_query(order, mini, excluded={})
        block = scoring.score_block(mini, query, 0, mini.n)
        if not block.mask[0]:
            continue
        comps = scoring.static_components(mini, query, np.array([0]))
        comps["content"] = block.content[:1]
        comps["audience"] = block.audience_for(np.array([0]))
        out.append(
            {
                "order": order,
                "score": float(block.score[0]),
                "components": {c: float(comps[c][0]) for c in scoring.COMPONENTS},
                "reasons": explain.reasons_for(mini, query, np.array([0]), comps)[0],
            }
        )
    out.sort(key=lambda item: (-item["score"], item["order"].pk))
    return out[:limit]

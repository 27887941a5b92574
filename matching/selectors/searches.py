"""The three searches: by what creators write (content), by product category (history and priors), and
"creators like these" (lookalike)."""

from __future__ import annotations

import numpy as np
from django.db.models import Prefetch

from creators import track_record
from creators.models import Creator
from marketplace.core.models import ProductCategory, ProductInterestPrior
from matching import engine, features, learn, search


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

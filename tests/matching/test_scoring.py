"""The pure ranker on synthetic snapshots: no database."""

import numpy as np
import pandas as pd
import pytest

from matching import scoring, snapshot, synthetic
from matching.scoring import OrderQuery


@pytest.fixture(scope="module")
def snap():
    return snapshot.build(synthetic.frames(20_000, seed=3), synthetic.catalogue(), version="t", watermark="")


def query(snap, **overrides):
    regions = tuple(int(c) for c in snap.catalogue.region_columns(["CN", "US"]))
    values = {
        "goal": "awareness",
        "format": "short_21_60",
        "budget": 3_000_000,
        "tolerance_bps": 1000,
        "labels": ((4, 1.0), (41, 0.6)),
        "ages": ("18-23", "24-30"),
        "genders": ("female",),
        "regions": regions,
    }
    values.update(overrides)
    return OrderQuery(**values)


def brute_force_scores(snap, q):
    score, mask = np.full(snap.n, -np.inf, dtype=np.float32), scoring.eligible_mask(snap, q)
    block = scoring.score_block(snap, q, 0, snap.n)
    score[mask] = block.score[mask]
    return score


def test_top_k_equals_brute_force_sort(snap):
    q = query(snap)

    ranking = scoring.rank(snap, q, 50)

    score = brute_force_scores(snap, q)
    expected = np.lexsort((snap.creator_ids, -score))[:50]
    assert np.array_equal(ranking.rows, expected)
    assert np.all(np.isfinite(ranking.scores))


def test_every_component_is_between_zero_and_one(snap):
    ranking = scoring.rank(snap, query(snap), 200)

    for name, values in ranking.components.items():
        assert values.min() >= 0, name
        assert values.max() <= 1.0 + 1e-6, name


def test_score_is_the_documented_weighted_sum(snap):
    q = query(snap, goal="seeding")
    ranking = scoring.rank(snap, q, 20)

    w = scoring.WEIGHTS["seeding"]
    c = ranking.components
    expected = sum(w[k] * c[k] for k in w) + scoring.EXPLORATION_WEIGHT * c["exploration"]
    assert np.allclose(ranking.scores, expected, atol=1e-5)


def test_sharded_ranking_equals_unsharded(snap):
    q = query(snap)
    single = scoring.rank(snap, q, 100, threads=1)

    parts = [scoring.rank(snap, q, 100, lo=lo, hi=hi) for lo, hi in ((0, 7000), (7000, 13000), (13000, snap.n))]
    rows, scores, comps = scoring.merge(parts, 100, lambda r: snap.creator_ids[r])

    assert np.array_equal(rows, single.rows)
    assert np.array_equal(scores, single.scores)
    for name in scoring.COMPONENTS:
        assert np.array_equal(comps[name], single.components[name])


def test_threads_do_not_change_the_result():
    big = snapshot.build(synthetic.frames(250_000, seed=5), synthetic.catalogue(), version="t", watermark="")
    q = query(big)

    assert np.array_equal(scoring.rank(big, q, 200, threads=1).rows, scoring.rank(big, q, 200, threads=2).rows)


def test_value_is_the_share_of_the_orders_budget_the_price_leaves(snap):
    f = scoring.FORMATS.index("short_21_60")
    small, big = query(snap, budget=3_000_000), query(snap, budget=6_000_000)

    ranking = scoring.rank(snap, small, 200)

    price = snap.price[f, ranking.rows].astype(np.float64)
    assert np.allclose(ranking.components["value"], np.clip(1 - price / 3_000_000, 0, 1), atol=1e-6)
    # The same creators for a brand with twice the budget per creator: each leaves more of it.
    assert (scoring.static_components(snap, big, ranking.rows)["value"] > ranking.components["value"]).all()


def test_a_price_within_the_tolerance_leaves_nothing_of_the_budget(snap):
    f = scoring.FORMATS.index("short_21_60")
    priced = snap.active & (snap.price[f] > 0)
    # The cheapest reach of all (views per unit of price): cheap for its views, dear for this budget.
    row = int(np.argmax(np.where(priced, snap.median_views / np.maximum(snap.price[f], 1), -1)))
    price = int(snap.price[f, row])
    q = query(snap, budget=price - 1, tolerance_bps=100, regions=())

    assert scoring.why_not(snap, q, row) == []
    assert scoring.static_components(snap, q, np.array([row]))["value"][0] == 0


def test_a_price_filter_narrows_the_list_without_changing_any_score(snap):
    q = query(snap, budget=3_000_000)
    everyone = scoring.rank(snap, q, snap.n)

    cheap = scoring.rank(snap, query(snap, budget=3_000_000, max_price=1_500_000), snap.n)

    f = scoring.FORMATS.index("short_21_60")
    assert (snap.price[f, cheap.rows] <= 1_500_000).all()
    kept = np.isin(everyone.rows, cheap.rows)
    assert np.array_equal(everyone.rows[kept], cheap.rows)
    assert np.array_equal(everyone.scores[kept], cheap.scores)


def test_over_budget_creator_is_excluded_with_reason(snap):
    q = query(snap, budget=1_000_000, tolerance_bps=0)
    f = scoring.FORMATS.index("short_21_60")
    row = int(np.flatnonzero(snap.active & (snap.price[f] > 1_000_000))[0])

    assert not scoring.eligible_mask(snap, q)[row]
    assert scoring.why_not(snap, q, row) == ["over_budget"]


def test_tolerance_admits_a_price_just_above_budget(snap):
    f = scoring.FORMATS.index("short_21_60")
    row = int(np.flatnonzero(snap.active & (snap.price[f] > 0))[0])
    price = int(snap.price[f, row])

    assert scoring.why_not(snap, query(snap, budget=price - 1, tolerance_bps=0, regions=()), row) == ["over_budget"]
    assert scoring.why_not(snap, query(snap, budget=price - 1, tolerance_bps=100, regions=()), row) == []


def test_no_price_inactive_region_and_row_exclusions_have_reasons(snap):
    f = scoring.FORMATS.index("live_session")
    no_price = int(np.flatnonzero(snap.active & (snap.price[f] == 0))[0])
    inactive = int(np.flatnonzero(~snap.active)[0])
    q = query(snap, format="live_session", min_region_share=0.99, excluded_rows=np.array([no_price]))

    assert "no_price" in scoring.why_not(snap, q, no_price)
    assert "inactive" in scoring.why_not(snap, q, inactive)
    assert "region" in scoring.why_not(snap, q, no_price)
    assert "blocked" in scoring.why_not(snap, q, no_price, extra_reasons=("blocked",))
    assert not scoring.eligible_mask(snap, q)[no_price]


def test_blackout_overlapping_the_window_excludes(snap):
    row = int(snap.blackout_rows[0])
    start, end = int(snap.blackout_start[0]), int(snap.blackout_end[0])

    inside = query(snap, regions=(), window=(start, end), budget=10**12)
    outside = query(snap, regions=(), window=(end + 1, end + 5), budget=10**12)

    assert "blackout" in scoring.why_not(snap, inside, row)
    assert "blackout" not in scoring.why_not(snap, outside, row)


def test_content_fit_prefers_exact_label_over_interest_backoff(snap):
    q = query(snap, labels=((4, 1.0),))
    content = scoring.content_fit(snap, q)
    has_label = snap.labels_csc[:, 4].toarray().ravel() > 0
    interest = snap.label_interest[4]
    same_interest = (snap.interests_csc[:, interest].toarray().ravel() > 0) & ~has_label

    # Every exact match beats every interest-only match; the back-off still orders those above no match.
    assert content[has_label].min() > content[same_interest].max()
    assert content[same_interest].min() > 0
    assert content[same_interest].max() <= scoring.INTEREST_BACKOFF + 1e-6
    assert content[~has_label & ~same_interest].max() == 0


def test_content_fit_grades_labels_next_to_the_orders_by_tree_distance(snap):
    """exact label > parent/child (distance 1) > sibling (distance 2) > same interest only > nothing."""
    step = synthetic.N_INTERESTS  # label columns 4, 4 + step, 4 + 2 × step, ... share one interest
    parent, sibling = 4 + step, 4 + 2 * step
    q = query(snap, labels=((4, 1.0),), near=((parent, 1, 4), (sibling, 2, 4)))
    content = scoring.content_fit(snap, q)
    column = {c: snap.labels_csc[:, c].toarray().ravel() > 0 for c in (4, parent, sibling)}
    interest = snap.label_interest[4]
    same_interest = snap.interests_csc[:, interest].toarray().ravel() > 0
    exact = column[4]
    near_1 = column[parent] & ~exact
    near_2 = column[sibling] & ~exact & ~column[parent]
    interest_only = same_interest & ~exact & ~column[parent] & ~column[sibling]
    assert near_1.sum() > 10 and near_2.sum() > 10 and interest_only.sum() > 10

    assert content[exact].min() > content[near_1].max()
    assert content[near_1].min() > content[near_2].max()
    assert content[near_2].min() > content[interest_only].max()
    # The neighbour's credit grows with how much of the creator's content is on it.
    weights = snap.labels_csc[:, parent].toarray().ravel()[near_1] / snap.label_idf[parent]
    assert np.corrcoef(weights, content[near_1])[0, 1] > 0.9
    # Without the tree neighbours the same creators only get the interest back-off.
    plain = scoring.content_fit(snap, query(snap, labels=((4, 1.0),)))
    assert plain[near_1].max() <= scoring.INTEREST_BACKOFF + 1e-6


def test_rare_labels_count_more_than_common_ones(snap):
    df = snap.labels_csc.getnnz(axis=0)
    rare, common = int(np.argmin(np.where(df > 0, df, 10**9))), int(np.argmax(df))

    assert snap.label_idf[rare] > snap.label_idf[common]


def test_min_followers_filter_reranks(snap):
    ranking = scoring.rank(snap, query(snap, min_followers=200_000), 50)

    assert (snap.followers[ranking.rows] >= 200_000).all()


def test_patch_matches_a_full_rebuild_of_the_same_rows(snap):
    frames = synthetic.frames(20_000, seed=3)
    changed = frames.creators.iloc[[10, 500]].copy()
    changed["followers"] = [5, 7_000_000]
    changed["median_views_30d"] = [1, 3_000_000]
    new_creator = synthetic.frames(1, seed=9, first_id=50_000)
    delta = snapshot.Frames(
        creators=pd.concat([changed, new_creator.creators]),
        labels=pd.concat([frames.labels[frames.labels.creator_id.isin(changed.id)], new_creator.labels]),
        regions=pd.concat([frames.regions[frames.regions.creator_id.isin(changed.id)], new_creator.regions]),
        blackouts=new_creator.blackouts.iloc[:0],
    )
    base = snapshot.build(frames, synthetic.catalogue(), version="a", watermark="")
    before = float(base.performance[0, int(base.rows_of([changed.id.iloc[1]])[0])])

    patched = snapshot.patch(base, delta, version="b", watermark="w")

    assert patched.n == base.n + 1
    row = int(patched.rows_of([changed.id.iloc[1]])[0])
    assert patched.followers[row] == 7_000_000
    assert patched.performance[0, row] > before + 0.2  # awareness: half of it is reach
    new_row = int(patched.rows_of([50_000])[0])
    assert new_row == patched.n - 1
    assert patched.labels_csr[new_row].nnz == len(new_creator.labels)
    q = query(patched)
    ranked = scoring.rank(patched, q, 20)
    assert np.all(np.diff(ranked.scores) <= 0)


def reference_score(snap, q):
    """The documented formulas, computed the plain way on dense matrices (independent of the ranker)."""
    labels = snap.labels_csc.toarray()
    cols = np.array([c for c, _ in q.labels])
    qv = np.array([w for _, w in q.labels]) * snap.label_idf[cols]
    norm = snap.label_norm.astype(np.float64)
    label_sim = np.divide(labels[:, cols] @ qv, norm * np.linalg.norm(qv), out=np.zeros(snap.n), where=norm > 0)
    qi = np.bincount(snap.label_interest[cols], weights=qv, minlength=snap.interests_csc.shape[1])
    inorm = snap.interest_norm.astype(np.float64)
    interest_sim = np.divide(
        snap.interests_csc.toarray() @ qi, inorm * np.linalg.norm(qi), out=np.zeros(snap.n), where=inorm > 0
    )
    idf_weighted = labels[:, cols] @ qv
    coverage = (labels[:, cols] / snap.label_idf[cols]) @ np.array([w for _, w in q.labels])  # Σ order weight × own
    exact = (labels[:, cols] > 0).any(axis=1)
    fit = np.minimum(scoring.COVER_SHARE * coverage + scoring.FOCUS_SHARE * label_sim, 1)
    backoff = scoring.INTEREST_BACKOFF * interest_sim
    for col, distance, _ in q.near:
        floor, span = scoring.NEAR_CREDIT[distance]
        weight = labels[:, col] / snap.label_idf[col]
        backoff = np.where(weight > 0, np.maximum(backoff, floor + span * np.minimum(weight, 1)), backoff)
    content = np.where(exact, scoring.LABEL_FLOOR + scoring.LABEL_SPAN * fit, backoff)
    assert np.allclose(label_sim[exact] * norm[exact] * np.linalg.norm(qv), idf_weighted[exact])
    region = np.minimum(snap.regions_csr.toarray()[:, list(q.regions)].sum(axis=1), 1)
    parts = []
    if q.ages:
        parts.append(sum(snap.age[scoring.AGE_BUCKETS.index(a)] for a in q.ages))
    if q.genders:
        parts.append(sum(snap.gender[scoring.GENDERS.index(g)] for g in q.genders))
    if q.regions:
        parts.append(region)
    audience = np.mean(parts, axis=0) if parts else np.full(snap.n, 0.5)
    w = scoring.WEIGHTS[q.goal]
    g, f = scoring.GOALS.index(q.goal), scoring.FORMATS.index(q.format)
    price = snap.price[f]
    value = np.clip(1 - price / q.budget, 0, 1)
    score = snap.static[g] + w["value"] * value + w["content"] * content + w["audience"] * audience
    eligible = snap.active & (price > 0) & (price <= scoring.max_price(q))
    if q.regions and q.min_region_share:
        eligible &= region >= q.min_region_share - 1e-6
    if q.window:
        hit = (snap.blackout_start <= q.window[1]) & (snap.blackout_end >= q.window[0])
        eligible[snap.blackout_rows[hit]] = False
    if q.excluded_rows is not None:
        eligible[q.excluded_rows] = False
    return np.where(eligible, score, -np.inf), eligible, content


@pytest.mark.parametrize("seed", range(6))
def test_chunked_scores_equal_the_plain_formulas(seed):
    snap = snapshot.build(synthetic.frames(5_000, seed=seed), synthetic.catalogue(), version="r", watermark="")
    rng = np.random.default_rng(seed)
    regions = tuple(
        int(c) for c in rng.choice(len(snap.catalogue.region_codes), size=int(rng.integers(0, 3)), replace=False)
    )
    q = OrderQuery(
        goal=str(rng.choice(scoring.GOALS)),
        format=str(rng.choice(scoring.FORMATS)),
        budget=int(rng.integers(200_000, 5_000_000)),
        tolerance_bps=int(rng.integers(0, 2000)),
        labels=tuple((int(c), float(rng.uniform(0.2, 1))) for c in rng.choice(704, size=int(rng.integers(1, 4)))),
        near=tuple((int(c), 1 + int(c) % 2, 0) for c in rng.choice(704, size=int(rng.integers(0, 6)), replace=False)),
        ages=tuple(rng.choice(scoring.AGE_BUCKETS, size=int(rng.integers(0, 3)), replace=False)),
        genders=("female",) if seed % 2 else (),
        regions=regions,
        min_region_share=0.2 if regions else 0,
        window=(740_010, 740_030),
        excluded_rows=rng.choice(snap.n, size=20, replace=False),
    )
    expected, eligible, content = reference_score(snap, q)

    for lo, hi in ((0, snap.n), (1_234, 4_321)):
        block = scoring.score_block(snap, q, lo, hi)

        assert np.array_equal(block.mask, eligible[lo:hi])
        assert np.allclose(block.content, content[lo:hi], atol=1e-5)
        finite = np.isfinite(expected[lo:hi])
        assert np.array_equal(np.isfinite(block.score), finite)
        assert np.allclose(block.score[finite], expected[lo:hi][finite], atol=1e-5)


def _brief_world():
    """2,000 creators; the first five are a skin-care brief's story: creator 0 posts on the brief's label
    (with a modest weight), 1–3 only share its interest but reach more people, for less per view, with a
    better-fitting audience; 4 does something else entirely."""
    frames = synthetic.frames(2_000, seed=1)
    c = frames.creators
    cat = synthetic.catalogue()
    interest = cat.label_interest_ids[4]
    siblings = [
        int(x) for x in cat.label_ids[(cat.label_interest_ids == interest) & (cat.label_ids != cat.label_ids[4])][:3]
    ]
    other = int(cat.label_ids[cat.label_interest_ids != interest][0])
    five = c.index[:5]
    c.loc[five, "active"] = True
    for f in scoring.FORMATS:
        c.loc[five, f"price_{f}"] = 100_000
    c.loc[five, "followers"] = [40_000, 400_000, 350_000, 300_000, 40_000]
    c.loc[five, "median_views_30d"] = (
        [int(c["median_views_30d"].median())]
        + [int(c["median_views_30d"].quantile(0.9))] * 3
        + [int(c["median_views_30d"].median())]
    )
    c.loc[five, "engagement_rate"] = (
        [float(c["engagement_rate"].median())]
        + [float(c["engagement_rate"].quantile(0.75))] * 3
        + [float(c["engagement_rate"].median())]
    )
    for b in scoring.AGE_BUCKETS:
        c.loc[five, f"age_{b}"] = 0.2
    c.loc[five, "age_18-23"] = [0.25, 0.45, 0.45, 0.45, 0.25]
    labels = frames.labels[
        ~frames.labels.creator_id.isin(c.loc[five, "id"]) & (frames.labels.label_id != cat.label_ids[4])
    ]
    mine = pd.DataFrame(
        {
            "creator_id": c.loc[five, "id"].to_numpy(),
            "label_id": [int(cat.label_ids[4]), *siblings, other],
            "weight": np.array([0.5, 1.0, 1.0, 1.0, 1.0], dtype=np.float32),
        }
    )
    # Creator 0 also makes other content, so the brief's label is a small part of it (a low cosine).
    elsewhere = [int(x) for x in cat.label_ids[cat.label_interest_ids != interest][1:3]]
    also = pd.DataFrame({"creator_id": [int(c.loc[0, "id"])] * 2, "label_id": elsewhere, "weight": np.float32(1.0)})
    frames.labels = pd.concat([labels, mine, also], ignore_index=True)
    return snapshot.build(frames, cat, version="brief", watermark="")


@pytest.mark.parametrize("goal", scoring.GOALS)
def test_the_one_creator_who_posts_on_the_brief_ranks_above_same_interest_creators(goal):
    snap = _brief_world()
    q = OrderQuery(goal=goal, format="short_21_60", budget=10**9, labels=((4, 1.0),), ages=("18-23",))

    ranking = scoring.rank_reference(snap, q, snap.n)

    assert ranking.rows[0] == 0  # the only creator on the label, first
    position = {int(r): i for i, r in enumerate(ranking.rows)}
    # Nobody else is on the label: the interest still orders, the same-interest creators before the stranger.
    assert max(position[1], position[2], position[3]) < position[4]


@pytest.mark.parametrize(
    "older", [{"format": snapshot.FORMAT - 1}, {"scoring": "weights-of-an-older-release"}], ids=["layout", "weights"]
)
def test_a_snapshot_saved_in_an_older_layout_or_with_other_weights_is_not_loaded_so_the_worker_rebuilds_it(
    snap, tmp_path, older
):
    import json

    snapshot.save(snap, tmp_path)
    assert snapshot.current_version(tmp_path) == snap.version
    assert snapshot.load(tmp_path).static.shape == (len(scoring.GOALS), snap.n)
    meta = tmp_path / snap.version / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), **older}))

    assert snapshot.current_version(tmp_path) is None
    assert snapshot.load(tmp_path, snap.version) is None

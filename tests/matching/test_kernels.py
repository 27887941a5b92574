"""The fused numba ranker (scoring.rank) against the plain NumPy reference (scoring.rank_reference)."""

import dataclasses
import functools
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import scoring, snapshot, synthetic
from matching.scoring import AGE_BUCKETS, FORMATS, GENDERS, GOALS, OrderQuery, fused, reference

N = 210_000  # above reference._blocks' 200k, so threads=2 ranks two blocks on the pool
WINDOW_START = 740_000  # synthetic blackouts start in [WINDOW_START, WINDOW_START + 60)


@functools.cache
def big_snapshot():
    return snapshot.build(synthetic.frames(N, seed=11), synthetic.catalogue(), version="k", watermark="")


@pytest.fixture
def snap():
    return big_snapshot()


def assert_same(fused: scoring.Ranking, reference: scoring.Ranking) -> None:
    assert np.array_equal(fused.rows, reference.rows)
    assert np.array_equal(fused.scores, reference.scores)
    assert fused.eligible_count == reference.eligible_count
    assert fused.considered == reference.considered
    for name in scoring.COMPONENTS:
        assert np.array_equal(fused.components[name], reference.components[name]), name


def base_query(snap, **overrides) -> OrderQuery:
    values = {
        "goal": "conversion",
        "format": "short_1_20",
        "budget": 3_000_000,
        "tolerance_bps": 1000,
        "labels": ((4, 1.0), (41, 0.6)),
        "near": ((4 + synthetic.N_INTERESTS, 1, 4), (4 + 2 * synthetic.N_INTERESTS, 2, 4), (42, 1, 41)),
        "ages": ("24-30",),
        "genders": ("male",),
        "regions": tuple(int(c) for c in snap.catalogue.region_columns(["CN", "CN-GD"])),
        "min_region_share": 0.1,
        "window": (WINDOW_START + 10, WINDOW_START + 30),
        "excluded_rows": np.array([5, 17, 17, 130_000, -1, N + 3]),
    }
    values.update(overrides)
    return OrderQuery(**values)


@st.composite
def orders(draw, n_regions: int):
    window_start = draw(st.integers(WINDOW_START - 10, WINDOW_START + 70))
    return OrderQuery(
        goal=draw(st.sampled_from(GOALS)),
        format=draw(st.sampled_from(FORMATS)),
        budget=draw(st.integers(0, 80)) * 100_000 + draw(st.integers(0, 99_999)),
        tolerance_bps=draw(st.integers(0, 3000)),
        labels=tuple(
            draw(st.lists(st.tuples(st.integers(0, synthetic.N_LABELS - 1), st.floats(0.05, 1.0)), max_size=4))
        ),
        near=tuple(
            draw(
                st.lists(
                    st.tuples(st.integers(0, synthetic.N_LABELS - 1), st.sampled_from([1, 2]), st.just(0)),
                    max_size=6,
                    unique_by=lambda x: x[0],
                )
            )
        ),
        ages=tuple(draw(st.lists(st.sampled_from(AGE_BUCKETS), max_size=3, unique=True))),
        genders=tuple(draw(st.lists(st.sampled_from(GENDERS), max_size=2, unique=True))),
        regions=tuple(draw(st.lists(st.integers(0, n_regions - 1), max_size=3))),
        min_region_share=draw(st.sampled_from([0.0, 0.0, 0.05, 0.2, 0.5])),
        window=draw(st.none() | st.just((window_start, window_start + draw(st.integers(0, 30))))),
        excluded_rows=draw(st.none() | st.lists(st.integers(-2, N + 2), max_size=40).map(np.array)),
        # The brand-side filters are rare in real orders; most draws leave them off.
        min_followers=draw(st.sampled_from([None, None, None, 0, 20_000, 100_000])),
        max_followers=draw(st.sampled_from([None, None, None, 50_000, 1_000_000])),
        max_price=draw(st.sampled_from([None, None, None, 400_000, 2_000_000])),
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fused_rank_equals_the_numpy_reference_for_random_orders(data):
    snap = big_snapshot()  # not a fixture argument: hypothesis would print its repr on failure
    query = data.draw(orders(len(snap.catalogue.region_codes)))
    k = data.draw(st.integers(0, 400))
    lo = data.draw(st.integers(0, N))
    hi = data.draw(st.integers(lo, N))
    threads = data.draw(st.sampled_from([1, 2]))

    fused = scoring.rank(snap, query, k, lo=lo, hi=hi, threads=threads)

    assert_same(fused, scoring.rank_reference(snap, query, k, lo=lo, hi=hi, threads=threads))


def test_two_blocks_on_the_pool_equal_one_block_and_the_reference(snap):
    query = base_query(snap)

    two = scoring.rank(snap, query, 200, threads=2)

    assert len(reference._blocks(0, snap.n, 2)) == 2
    assert_same(two, scoring.rank(snap, query, 200, threads=1))
    assert_same(two, scoring.rank_reference(snap, query, 200, threads=1))
    assert len(two.rows) == 200


def test_no_eligible_creator_gives_an_empty_ranking(snap):
    query = base_query(snap, budget=0, tolerance_bps=0)

    ranking = scoring.rank(snap, query, 50)

    assert ranking.eligible_count == 0
    assert len(ranking.rows) == 0 and len(ranking.scores) == 0
    assert_same(ranking, scoring.rank_reference(snap, query, 50))


def test_k_above_the_eligible_count_returns_every_eligible_creator(snap):
    query = base_query(snap, budget=10**12, min_followers=1_000_000)

    ranking = scoring.rank(snap, query, 10_000)

    assert 0 < ranking.eligible_count < 10_000
    assert len(ranking.rows) == ranking.eligible_count
    assert_same(ranking, scoring.rank_reference(snap, query, 10_000))


def test_k_zero_still_counts_the_eligible(snap):
    query = base_query(snap)

    ranking = scoring.rank(snap, query, 0)

    assert len(ranking.rows) == 0
    assert ranking.eligible_count == scoring.rank_reference(snap, query, 0).eligible_count > 0


def test_ties_are_broken_by_creator_id_across_blocks(snap):
    # Every creator gets the same static part and the same price; an order with no content or audience
    # target then scores all eligible creators equally, far more of them than k, in both blocks.
    gate = np.where(snap.price_gate < np.iinfo(np.int64).max, 1_000_000, snap.price_gate)
    tied = dataclasses.replace(snap, static=np.full_like(snap.static, 0.25), price_gate=gate)
    query = base_query(tied, labels=(), ages=(), genders=(), regions=(), min_region_share=0.0)

    ranking = scoring.rank(tied, query, 300, threads=2)

    assert np.all(ranking.scores == ranking.scores[0])
    eligible = scoring.score_block(tied, query, 0, tied.n).rows
    assert np.array_equal(ranking.rows, eligible[:300])
    assert_same(ranking, scoring.rank_reference(tied, query, 300, threads=2))


def test_sharded_fused_ranking_merges_to_the_unsharded_one(snap):
    query = base_query(snap)
    single = scoring.rank(snap, query, 150)

    edges = (0, 1, 4_097, 99_999, 150_000, snap.n)
    parts = [scoring.rank(snap, query, 150, lo=lo, hi=hi) for lo, hi in itertools.pairwise(edges)]
    rows, scores, comps = scoring.merge(parts, 150, lambda r: snap.creator_ids[r])

    assert np.array_equal(rows, single.rows)
    assert np.array_equal(scores, single.scores)
    assert sum(p.eligible_count for p in parts) == single.eligible_count
    for name in scoring.COMPONENTS:
        assert np.array_equal(comps[name], single.components[name])


def test_winners_content_is_the_content_fit_of_their_rows(snap):
    query = base_query(snap, labels=((4, 1.0), (41, 0.6), (4, 0.3), (78, 1.0)))

    ranking = scoring.rank(snap, query, 200)

    assert np.array_equal(ranking.components["content"], scoring.content_fit(snap, query)[ranking.rows])
    assert ranking.components["content"].max() > 0


def test_warm_accepts_an_empty_and_a_full_snapshot(snap):
    empty = snapshot.build(synthetic.frames(1, seed=2), synthetic.catalogue(), version="e", watermark="")
    empty = dataclasses.replace(empty, creator_ids=empty.creator_ids[:0])

    scoring.warm(empty)
    scoring.warm(snap)

    assert scoring.rank(snap, base_query(snap), 5).rows.shape == (5,)


# ---------------------------------------------------------------- the kernels' named inputs

SMALL = 3_000


@functools.cache
def small_snapshot():
    """A small snapshot where every input of the kernels matters: one region ("JP") kept by too few
    creators to be stored densely, so sparse and dense regions are both read."""
    frames = synthetic.frames(SMALL, seed=5)
    jp = frames.regions["code"] == "JP"
    frames.regions = frames.regions[~jp | (frames.regions["creator_id"] % 40 == 0)]
    return snapshot.build(frames, synthetic.catalogue(), version="s", watermark="")


def small_queries(snap) -> list[OrderQuery]:
    """Orders that between them read every field of the plan and give every pair of same-typed fields two
    different values (three flags cannot all differ in one order; the neutral audience weight is read
    only without an audience target)."""
    i = synthetic.N_INTERESTS
    common = {
        "goal": "conversion",
        "format": "short_1_20",
        "budget": 400_000,
        "tolerance_bps": 1000,
        "labels": ((4, 1.0), (50, 0.6)),  # two interests, two labels, two near labels: same-shaped multipliers
        "near": ((4 + i, 1, 4), (50 + 2 * i, 2, 50)),
        "ages": ("24-30", "31-40"),
        "genders": ("female",),
        "regions": tuple(int(c) for c in snap.catalogue.region_columns(["CN", "JP"])),
        "window": (WINDOW_START + 10, WINDOW_START + 30),
        "excluded_rows": np.array([5, 17, 17, 2_000]),
        "min_followers": 1_000,
        "max_followers": 5_000_000,
        "max_price": 430_000,
    }
    untargeted = {"ages": (), "genders": (), "regions": ()}
    return [
        OrderQuery(**common, min_region_share=0.1),
        OrderQuery(**common, min_region_share=0.0),
        OrderQuery(**{**common, **untargeted}),
    ]


POSITIONS = ("_indices", "_idx", "_start", "_end")  # fields holding positions into other arrays


def plan_fields(plan) -> dict[str, object]:
    """Every leaf field of a RankPlan, the content plan's as ``content.<name>``."""
    fields = {name: getattr(plan, name) for name in plan._fields if name != "content"}
    fields.update({f"content.{name}": getattr(plan.content, name) for name in plan.content._fields})
    return fields


def with_fields(plan, values: dict[str, object]):
    content = {name.removeprefix("content."): v for name, v in values.items() if name.startswith("content.")}
    top = {name: v for name, v in values.items() if not name.startswith("content.")}
    return plan._replace(content=plan.content._replace(**content), **top)


def swappable_pairs(plan) -> list[tuple[str, str]]:
    """Pairs of fields a builder could swap without numba noticing: the same numba type and shape.
    Position fields are paired only start ↔ end of one posting list (a swap across lists would read
    out of bounds: numba does not check)."""
    import numba

    fields = plan_fields(plan)
    pairs = []
    for a, b in itertools.combinations(fields, 2):
        if numba.typeof(fields[a]) != numba.typeof(fields[b]) or np.shape(fields[a]) != np.shape(fields[b]):
            continue
        positions = a.endswith(POSITIONS) or b.endswith(POSITIONS) or "excluded" in (a, b)
        if not positions or (a.endswith("_start") and b == a.removesuffix("_start") + "_end"):
            pairs.append((a, b))
    return pairs


def test_the_kernels_inputs_are_named_and_every_one_is_read():
    snap = small_snapshot()
    plan = scoring.rank_plan(snap, small_queries(snap)[0])

    fields = plan_fields(plan)

    # One named field per input, each set by the builder (no positional list to get out of order).
    assert len(fields) == len(set(fields)) > 30
    assert all(value is not None for value in fields.values())
    assert len(fused._kernels().rank_block(0, snap.n, 10, plan)) == 3


def test_swapping_two_same_typed_inputs_of_the_kernel_changes_its_ranking(monkeypatch):
    """Two inputs of one type, swapped where the plan is built, still compile and run: the equality with
    the NumPy reference is what catches it. For every such pair, on orders where the pair's values differ,
    the swapped ranking differs from the reference (so the tests above would fail)."""
    snap = small_snapshot()
    queries = small_queries(snap)
    real_plan = scoring.rank_plan
    pairs = swappable_pairs(real_plan(snap, queries[0]))
    assert ("gate", "followers") in pairs and ("content.lab_data", "content.lab_cover") in pairs
    assert ("per_money", "w_value") in pairs and ("content.near_floor", "content.near_span") in pairs
    caught, uncaught = set(), []
    for query in queries:
        reference = scoring.rank_reference(snap, query, SMALL)
        assert reference.eligible_count > 100
        assert_same(scoring.rank(snap, query, SMALL), reference)
        for a, b in pairs:
            fields = plan_fields(real_plan(snap, query))
            if np.array_equal(fields[a], fields[b]):
                continue  # the same value here: the other order tells them apart
            swapped = with_fields(real_plan(snap, query), {a: fields[b], b: fields[a]})
            monkeypatch.setattr(fused, "rank_plan", lambda *_, p=swapped: p)
            try:
                assert_same(scoring.rank(snap, query, SMALL), reference)
            except AssertionError:
                caught.add((a, b))
            monkeypatch.setattr(fused, "rank_plan", real_plan)
    uncaught = [pair for pair in pairs if pair not in caught]
    assert not uncaught, f"swapping these inputs leaves the ranking unchanged: {uncaught}"


def test_compiled_kernels_are_cached_under_the_content_constants_they_froze(monkeypatch):
    """numba keys its disk cache on kernels.py alone, yet compiled code freezes the content fit's
    constants from scoring.query: code compiled under other values must never be loaded."""
    import numba

    from matching import kernels
    from matching.scoring import query as scoring_query

    key = kernels.cache_key()
    assert numba.config.CACHE_DIR.endswith(key)
    monkeypatch.setattr(scoring_query, "FOCUS_SHARE", scoring_query.FOCUS_SHARE + 0.1)
    assert kernels.cache_key() != key

"""The money rule over random programmes and order histories (pure: no database)."""

from hypothesis import given
from hypothesis import strategies as st

from programmes.rules import PER_ORDER, PRO_RATA, allocate, largest_remainder

HISTORIES = st.dictionaries(st.integers(1, 10_000), st.integers(0, 40), max_size=30)
MONEY = st.integers(1, 10**12)


@given(
    counts=HISTORIES,
    pool=MONEY,
    mode=st.sampled_from([PER_ORDER, PRO_RATA]),
    per_order=st.integers(1, 10**9),
    cap=MONEY,
)
def test_bonuses_never_exceed_the_pool_or_the_cap_and_add_up_with_the_refund(counts, pool, mode, per_order, cap):
    bonuses = allocate(counts, pool=pool, mode=mode, per_order=per_order, cap=cap)

    refund = pool - sum(bonuses.values())
    assert set(bonuses) == set(counts)
    assert all(0 <= amount <= cap for amount in bonuses.values())
    assert refund >= 0 and sum(bonuses.values()) + refund == pool
    assert all(bonuses[c] == 0 for c, n in counts.items() if n == 0)
    if mode == PER_ORDER:
        assert all(bonuses[c] <= n * per_order for c, n in counts.items())
        if sum(min(n * per_order, cap) for n in counts.values()) <= pool:  # the pool covers everyone: exact
            assert bonuses == {c: min(n * per_order, cap) for c, n in counts.items()}
    else:
        uncapped = sum(counts.values()) and all(amount < cap for amount in bonuses.values())
        if uncapped:  # nobody hit the cap: the whole pool is shared
            assert refund == 0


@given(total=st.integers(0, 10**12), weights=st.dictionaries(st.integers(1, 500), st.integers(0, 10**6), max_size=25))
def test_largest_remainder_is_exact_and_within_one_unit(total, weights):
    shares = largest_remainder(total, weights)

    weight_sum = sum(weights.values())
    assert sum(shares.values()) == (total if weight_sum else 0)
    for key, weight in weights.items():
        exact_floor = total * weight // weight_sum if weight_sum else 0
        assert exact_floor <= shares[key] <= exact_floor + 1


def test_largest_remainder_gives_the_leftover_unit_to_the_largest_remainder_then_the_larger_weight():
    # 100 in 1:1:1 → 33.33 each: the one leftover unit goes to the lowest id among equal weights.
    assert largest_remainder(100, {3: 1, 1: 1, 2: 1}) == {3: 33, 1: 34, 2: 33}
    # 10 in 2:1 → 6.67 and 3.33: the larger remainder (the 2/3) gets the unit.
    assert largest_remainder(10, {1: 1, 2: 2}) == {1: 3, 2: 7}


def test_per_order_shares_an_uncovered_pool_in_proportion_to_what_each_earned():
    bonuses = allocate({1: 3, 2: 1}, pool=200, mode=PER_ORDER, per_order=100, cap=250)
    # earned 250 (capped) and 100, pool 200: 142.86 and 57.14
    assert bonuses == {1: 143, 2: 57}

"""The programme's money rule as pure functions: qualifying orders per creator in, bonuses out.

Integers in minor units throughout. The one rounding rule for shares (docs/programmes.md): each
creator's exact share ``total * weight / sum(weights)`` is rounded down, and the minor units left
over go one each to the largest remainders (ties: the larger weight, then the lower creator id), so
the shares add up to ``total`` exactly and no share is more than one unit from its exact value.
"""

from __future__ import annotations

from collections.abc import Mapping

PER_ORDER = "per_order"
PRO_RATA = "pro_rata"


def largest_remainder(total: int, weights: Mapping[int, int]) -> dict[int, int]:
    """Share ``total`` in proportion to ``weights`` (non-negative ints); the shares sum to ``total``
    exactly when any weight is positive, and are all zero otherwise."""
    weight_sum = sum(weights.values())
    if weight_sum == 0 or total == 0:
        return dict.fromkeys(weights, 0)
    shares = {key: total * weight // weight_sum for key, weight in weights.items()}
    remainders = {key: total * weight % weight_sum for key, weight in weights.items()}
    left = total - sum(shares.values())
    for key in sorted(weights, key=lambda k: (-remainders[k], -weights[k], k))[:left]:
        shares[key] += 1
    return shares


def allocate(counts: Mapping[int, int], *, pool: int, mode: str, per_order: int | None, cap: int) -> dict[int, int]:
    """Each creator's bonus from their qualifying orders.

    ``per_order``: the number of orders times the bonus, at most ``cap``; when the pool does not cover
    all of these, the pool is shared in proportion to them (so nobody gets more than they earned).
    ``pro_rata``: the pool shared in proportion to the orders, then each share cut to ``cap``; what the
    cap cuts off returns to the fund with the rest (it is not shared again).
    The bonuses never exceed ``pool`` in sum, nor ``cap`` each.
    """
    if mode == PER_ORDER:
        earned = {key: min(n * (per_order or 0), cap) for key, n in counts.items()}
        if sum(earned.values()) <= pool:
            return earned
        return largest_remainder(pool, earned)
    if mode == PRO_RATA:
        return {key: min(share, cap) for key, share in largest_remainder(pool, counts).items()}
    raise ValueError(f"unknown mode {mode!r}")


def ranking(counts: Mapping[int, int]) -> list[int]:
    """Creator ids, most qualifying orders first, then by id (the order staff and creators see)."""
    return sorted(counts, key=lambda key: (-counts[key], key))

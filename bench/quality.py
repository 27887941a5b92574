"""Match quality on synthetic worlds the matcher was not built on (a benchmark, not a test).

    .venv/bin/python bench/quality.py [--worlds craft,audience,budget,neighbours,conversion] [--seeds 11,12]
        [--creators 3000] [--history-orders 500] [--test-orders 250] [--jobs 1] [--json] [--forced-weights]
    .venv/bin/python bench/quality.py --quick     # a smoke run: tiny worlds, one seed, about a minute

Each world tells a different generative story (docs/matching-quality.md). For each world the
benchmark writes creators and past collaborations as CSV in the documented import formats
(docs/import-creators.md, docs/import-history.md), imports them with the project's own commands
into a scratch database (``starmap_bench_quality`` on the server DATABASE_URL names, or the
embedded one), runs ``train_matcher``, creates new orders, ranks every one through the path
``manage.py rank_order`` takes (ranking_request → ranking_execute), and compares the top of each
list with the world's graded relevance, which only the benchmark knows. No matcher code reads
anything but the imported files: it cannot know which world it is in.

Methods: popularity (followers), tag overlap, the heuristic of issue #11 and the same plus the smoothed
track record (matching.baselines), the hand score (the ranker with no learned model), the learned model
as trained (forced on, at the blend weight its gate chose: 0, where none passed, ranks as the hand
score; --forced-weights adds the model at each blend weight the gate tries), and the system as it runs
(with the gate that may keep the model off); then, to
measure what the conversion dimension adds, the hand score once more after every past deal's conversions
are erased and the snapshot rebuilt (compared on the conversion briefs only). NDCG@10 (sklearn.metrics.ndcg_score,
over the order's eligible creators) and recall@50 (relevant = grade ≥ 2) are averaged over orders,
each with a 95 % bootstrap interval (scipy.stats.bootstrap); the differences the issue's bar is about
(hand − heuristic, learned − hand, ...) are paired per order and bootstrapped the same way. Each world
is built once per seed (a new population, history and set of test orders); the closing summary pools
every seed's orders per world and says in how many seeds each difference was positive.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import connect, database_url, drop_database, recreate_database, say, with_db  # noqa: E402

BENCH_DB = "starmap_bench_quality"  # + the process id and the world: parallel runs never share one
WORLDS = ("craft", "audience", "budget", "neighbours", "conversion")
METHODS = ("popularity", "tag_overlap", "heuristic", "heuristic_history", "hand", "learned", "system")
# --forced-weights adds one method per blend weight: "learned at 0.25" (each compared with the hand score).
FORCED = "learned at "
# The conversion dimension's effect: the hand score again after every past deal's conversions are erased
# and the snapshot rebuilt, so each creator's conversion record is unknown (compared on conversion briefs).
WITHOUT_CONVERSIONS = "hand_without_conversions"
AGES = ("18-23", "24-30", "31-40", "41-50", "50+")
REGIONS = ("CN", "CN-GD", "CN-SH", "CN-BJ", "CN-ZJ", "CN-SC", "US", "JP", "KR", "GB")
FORMATS = ("short_1_20", "short_21_60", "video_60_plus")
GOALS = ("awareness", "seeding", "conversion")
OFFERS = 10
EXPLORATION_OFFERS = 2
RELEVANT_GRADE = 2
# Share of an order's eligible creators at each grade, best first: 3, 2, 1.
GRADE_SHARES = (0.01, 0.02, 0.04)


# ====================================================================== worlds


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def z(x):
    x = np.asarray(x, dtype=np.float64)
    return (x - x.mean()) / max(x.std(), 1e-9)


@dataclass
class Match:
    """How one order meets every creator: the terms a world's story is written in."""

    overlap: np.ndarray  # Σ of the creator's label weights on the order's labels
    near: np.ndarray  # Σ of the creator's label weights on labels next to the order's, × NEIGHBOUR closeness
    interest: np.ndarray  # 1 when the creator's home interest is the order's
    audience: np.ndarray  # mean share of the audience inside the targeted ages and regions
    price_ratio: np.ndarray  # price ÷ budget for the order's format (inf: no price)
    goal: str  # the order's goal (awareness, seeding, conversion)


class World:
    """The shared population; subclasses say what makes a creator right for an order."""

    name = ""
    story = ""
    test_goals = GOALS  # the goals of the new orders the world is judged on

    def __init__(self, creators, rng):
        self.c = creators
        self.rng = rng

    def fit(self, m: Match) -> np.ndarray:
        """The creator-order fit that past outcomes (rating, views) respond to."""
        return m.overlap + 0.3 * m.interest + m.audience

    def utility(self, m: Match) -> np.ndarray:
        raise NotImplementedError

    def accept_logit(self, m: Match) -> np.ndarray:
        return 1.0 + 2.0 * (1 / np.maximum(m.price_ratio, 1e-6) - 1)

    def outcomes(self, m: Match, rows: np.ndarray):
        c, rng, n = self.c, self.rng, len(rows)
        q = c["quality"][rows]
        fit = self.fit(m)[rows]
        accepted = rng.random(n) < sigmoid(self.accept_logit(m)[rows])
        on_time = rng.random(n) < sigmoid(1.2 + 1.2 * q)
        rating = np.clip(np.round(3.8 + 0.6 * q + 0.4 * (fit - 1) + rng.normal(0, 0.5, n)), 1, 5)
        views = c["views"][rows] * np.exp(0.4 * q + 0.4 * (fit - 1) + rng.normal(0, 0.4, n))
        conversions = views * rng.beta(1.2, 120, n) * np.exp(0.3 * q + self.persuasion(rows))
        return accepted, on_time, rating, views, conversions

    def persuasion(self, rows: np.ndarray) -> np.ndarray:
        """How much more than others a creator's viewers buy (log scale); nothing in most worlds."""
        return np.zeros(len(rows))


class Craft(World):
    name = "craft"
    story = (
        "A latent craft that shows only through past outcomes (on time, rating, views against the "
        "creator's own reach) matters as much as the labels; audience matters a little, popularity not at all."
    )

    def utility(self, m):
        return 2.5 * m.overlap + 0.4 * m.interest + 0.8 * m.audience + 1.0 * self.c["quality"]


class Audience(World):
    name = "audience"
    story = (
        "Who watches dominates: the audience share inside the order's ages and regions, then engagement; "
        "labels count less and craft a little. Past views respond strongly to audience fit."
    )

    def fit(self, m):
        return 0.5 * m.overlap + 2.0 * m.audience

    def utility(self, m):
        return (
            1.2 * m.overlap
            + 0.3 * m.interest
            + 3.0 * m.audience
            + 0.5 * z(self.c["engagement"])
            + 0.3 * self.c["quality"]
        )


class Budget(World):
    name = "budget"
    story = (
        "Money and time: creators differ in how often they say yes (a latent availability seen only in past "
        "acceptances), prices near the budget get refused, and a cheaper creator leaves budget for others; "
        "relevance is the chance of a yes times the value of the work."
    )

    def accept_logit(self, m):
        return 0.3 + 1.5 * self.c["availability"] + 3.0 * (1 / np.maximum(m.price_ratio, 1e-6) - 1)

    def utility(self, m):
        value = 1.5 * m.overlap + 0.3 * m.interest + 0.8 * m.audience + 0.5 * self.c["quality"] + 1.5
        return sigmoid(self.accept_logit(m)) * value - 0.8 * np.minimum(m.price_ratio, 2)


class Neighbours(World):
    name = "neighbours"
    story = (
        "Brands judge by the neighbourhood in the taxonomy: a creator whose labels sit next to the brief's "
        "(its parent or a child, less so a sibling) is nearly as right as one on the brief's own label; "
        "the top-level interest alone counts for little. Audience and craft count as in craft."
    )

    def fit(self, m):
        return m.overlap + m.near + 0.3 * m.interest + m.audience

    def utility(self, m):
        return 2.5 * (m.overlap + m.near) + 0.2 * m.interest + 0.8 * m.audience + 0.6 * self.c["quality"]


class Conversion(World):
    name = "conversion"
    story = (
        "Brands pay for sales: on a conversion brief what matters beside the labels is whether a creator's "
        "viewers buy, a latent persuasion that shows only in past conversions per view (log-normal spread, "
        "σ = 0.8); reach and engagement do not show it. The new orders are all conversion briefs."
    )
    test_goals = ("conversion",)

    def __init__(self, creators, rng):
        super().__init__(creators, rng)
        self.skill = rng.normal(0, 1, len(creators["handle"]))

    def persuasion(self, rows):
        return 0.8 * self.skill[rows]

    def utility(self, m):
        sells = 1.2 * self.skill if m.goal == "conversion" else 0.0
        return 2.5 * m.overlap + 0.3 * m.interest + 0.8 * m.audience + 0.4 * self.c["quality"] + sells


WORLD_TYPES = {w.name: w for w in (Craft, Audience, Budget, Neighbours, Conversion)}
# How much a label at tree distance 1 (parent, child) and 2 (sibling, grandparent, grandchild) from one of
# the order's labels counts in the neighbours world (the exact label counts 1).
NEIGHBOUR = {1: 0.8, 2: 0.55}


# ================================================================ population


def taxonomy(labels) -> dict[int, list[str]]:
    """interest id → IAB ids of its labels below tier 1 (interests with at least 6); PARENT is filled."""
    by_interest: dict[int, list[str]] = {}
    for iab_id, interest_id, tier, parent in labels:
        PARENT[iab_id] = parent
        if parent is not None:
            CHILDREN.setdefault(parent, []).append(iab_id)
        if tier >= 2:
            by_interest.setdefault(interest_id, []).append(iab_id)
    return {k: sorted(v) for k, v in sorted(by_interest.items()) if len(v) >= 6}


PARENT: dict[str, str | None] = {}  # IAB id → its parent's (the taxonomy tree, as imported)
CHILDREN: dict[str, list[str]] = {}


def neighbours(labels: list[str]) -> dict[str, float]:
    """Labels within tree distance 2 of any of ``labels`` (not the labels themselves) → NEIGHBOUR closeness."""
    out: dict[str, float] = {}
    for label in labels:
        seen, frontier = {label}, [label]
        for distance in (1, 2):
            step = [x for node in frontier for x in (PARENT.get(node), *CHILDREN.get(node, ())) if x and x not in seen]
            seen.update(step)
            for node in step:
                if node not in labels:
                    out[node] = max(out.get(node, 0.0), NEIGHBOUR[distance])
            frontier = step
    return out


def population(n: int, by_interest: dict[int, list[str]], rng) -> dict:
    interests = list(by_interest)
    popularity = rng.dirichlet(np.ones(len(interests)) * 0.7)
    home = rng.choice(len(interests), n, p=popularity)
    labels = []
    for i in range(n):
        pool = by_interest[interests[home[i]]]
        niche = rng.choice(len(pool), size=min(len(pool), int(rng.integers(1, 5))), replace=False)
        weights = {
            pool[j]: float(rng.uniform(0.5, 1.0) if k == 0 else rng.uniform(0.1, 0.7)) for k, j in enumerate(niche)
        }
        if rng.random() < 0.3:
            other = by_interest[interests[int(rng.integers(len(interests)))]]
            weights.setdefault(other[int(rng.integers(len(other)))], float(rng.uniform(0.1, 0.5)))
        labels.append(weights)
    followers = np.exp(rng.normal(10.5, 1.5, n)).astype(np.int64) + 200
    age = np.array([rng.dirichlet(np.roll([6, 3, 1.5, 0.7, 0.3], int(rng.integers(5)))) for _ in range(n)])
    regions = []
    for _ in range(n):
        k = int(rng.integers(1, 4))
        codes = rng.choice(REGIONS, size=k, replace=False, p=_region_weights())
        regions.append(dict(zip(codes, rng.dirichlet(np.ones(k) * 1.5), strict=True)))
    base = np.maximum(followers / 12 * rng.lognormal(0, 0.4, n), 300)
    return {
        "handle": [f"w{i:06d}" for i in range(n)],
        "home": np.array([interests[h] for h in home]),
        "labels": labels,
        "followers": followers,
        "views": (followers * rng.lognormal(-1.5, 0.6, n)).astype(np.int64) + 10,
        "engagement": np.clip(rng.beta(2, 40, n), 0, 1),
        "completion": rng.beta(4, 6, n),
        "hit": rng.beta(1.5, 12, n),
        "growth": rng.normal(0.02, 0.04, n),
        "female": rng.beta(2, 2, n),
        "age": age,
        "regions": regions,
        "price": {
            f: np.round(base * (0.7 + 0.3 * i) * rng.lognormal(0, 0.15, n)).astype(np.int64)
            for i, f in enumerate(FORMATS)
        },
        "quality": rng.normal(0, 1, n),
        "availability": rng.normal(0, 1, n),
    }


def _region_weights():
    w = np.array([5, 2, 2, 2, 1.5, 1.5, 1.5, 1, 1, 1], dtype=float)
    return w / w.sum()


def creators_csv(c: dict, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["handle", "display_name", "followers", "median_views_30d", "median_views_90d", "engagement_rate",
             "completion_rate", "hit_video_share", "follower_growth_30d", "labels", "audience_age",
             "audience_gender", "audience_region", *(f"price_{f}" for f in FORMATS), "verification"]
        )  # fmt: skip
        for i, handle_ in enumerate(c["handle"]):
            out.writerow(
                [
                    handle_,
                    f"Creator {i}",
                    int(c["followers"][i]),
                    int(c["views"][i]),
                    int(c["views"][i]),
                    f"{c['engagement'][i]:.4f}",
                    f"{c['completion'][i]:.4f}",
                    f"{c['hit'][i]:.4f}",
                    f"{c['growth'][i]:.4f}",
                    ";".join(f"{k}:{v:.3f}" for k, v in c["labels"][i].items()),
                    _shares(dict(zip(AGES, c["age"][i], strict=True))),
                    _shares({"female": c["female"][i], "male": 1 - c["female"][i]}),
                    _shares(c["regions"][i]),
                    *(f"{c['price'][f][i]}.00" for f in FORMATS),
                    "verified",
                ]
            )


def _shares(values: dict) -> str:
    """Shares rounded to 3 decimals that still sum to 1 (the last one takes the rounding)."""
    keys = list(values)
    rounded = [round(float(values[k]), 3) for k in keys[:-1]]
    last = round(1 - sum(rounded), 3)
    return ";".join(f"{k}:{v:.3f}" for k, v in zip(keys, [*rounded, max(last, 0)], strict=True))


# ==================================================================== orders


@dataclass
class Brief:
    ref: str
    interest: int
    labels: list[str]
    ages: list[str]
    regions: list[str]
    goal: str
    format: str
    budget: int  # major units


def brief(c: dict, by_interest, rng, ref: str, goals=GOALS) -> Brief:
    interest = int(c["home"][int(rng.integers(len(c["home"])))])
    pool = by_interest[interest]
    labels = list(rng.choice(pool, size=int(rng.integers(1, 4)), replace=False))
    fmt = str(rng.choice(FORMATS, p=[0.35, 0.45, 0.2]))
    prices = c["price"][fmt][c["home"] == interest]
    budget = int(np.quantile(prices, rng.uniform(0.5, 0.9)))
    regions = list(rng.choice(REGIONS[:6], size=int(rng.integers(1, 3)), replace=False)) if rng.random() < 0.7 else []
    return Brief(
        ref=ref,
        interest=interest,
        labels=labels,
        ages=list(rng.choice(AGES[:4], size=int(rng.integers(1, 3)), replace=False)),
        regions=regions,
        goal=str(rng.choice(goals)),
        format=fmt,
        budget=max(budget, 300),
    )


def _share_in(audience: dict[str, float], targets: list[str]) -> float:
    """The audience's share in the target regions, a province counting toward its country (CN-GD is in CN)."""
    return sum(share for code, share in audience.items() if any(code == t or code.startswith(t + "-") for t in targets))


def match(c: dict, b: Brief) -> Match:
    n = len(c["handle"])
    overlap = np.array([sum(c["labels"][i].get(x, 0.0) for x in b.labels) for i in range(n)])
    close = neighbours(b.labels)
    near = np.array([sum(w * close.get(x, 0.0) for x, w in c["labels"][i].items()) for i in range(n)])
    ages = c["age"][:, [AGES.index(a) for a in b.ages]].sum(axis=1) if b.ages else None
    regions = np.array([_share_in(c["regions"][i], b.regions) for i in range(n)]) if b.regions else None
    parts = [p for p in (ages, regions) if p is not None]
    audience = np.mean(parts, axis=0) if parts else np.full(n, 0.5)
    return Match(
        overlap=overlap,
        near=near,
        interest=(c["home"] == b.interest).astype(float),
        audience=audience,
        price_ratio=c["price"][b.format] / b.budget,
        goal=b.goal,
    )


TOLERANCE = 1.1  # the ranker's default price tolerance


def history_csv(world: World, c: dict, by_interest, orders: int, rng, path: Path) -> int:
    """Past orders: brands offer mostly to popular creators with some fit, a few at random."""
    # Midnight UTC today: dates are whole days, so with the time of day as the reference the same seed gave
    # other same-day ties (and another time split, other point-in-time features) depending on the hour it ran.
    now = time.time() // 86400 * 86400
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["order_ref", "brand", "order_title", "product_category", "goal", "format", "published_at",
             "target_labels", "target_age", "target_regions", "price_per_creator", "creator", "agreed_price",
             "offered_at", "accepted", "completed_on_time", "rating", "views", "conversions"]
        )  # fmt: skip
        for k in range(orders):
            b = brief(c, by_interest, rng, f"P{k}")
            m = match(c, b)
            eligible = np.flatnonzero(m.price_ratio <= TOLERANCE)
            if len(eligible) < OFFERS:
                continue
            logit = 1.5 * z(np.log(c["followers"][eligible])) + 2.0 * m.overlap[eligible] + 0.5 * m.interest[eligible]
            p = np.exp(logit - logit.max())
            picked = rng.choice(eligible, size=OFFERS - EXPLORATION_OFFERS, replace=False, p=p / p.sum())
            rest = np.setdiff1d(eligible, picked)
            picked = np.concatenate([picked, rng.choice(rest, size=EXPLORATION_OFFERS, replace=False)])
            accepted, on_time, rating, views, conversions = world.outcomes(m, picked)
            when = time.strftime("%Y-%m-%d", time.gmtime(now - rng.uniform(20, 540) * 86400))
            for j, row in enumerate(picked):
                done = bool(accepted[j])
                out.writerow(
                    [b.ref, f"Brand {k % 40}", f"Past order {k}", "1004", b.goal, b.format, when,
                     ";".join(b.labels), ";".join(b.ages), ";".join(b.regions), f"{b.budget}.00", c["handle"][row],
                     f"{c['price'][b.format][row]}.00", when, "yes" if done else "no",
                     ("yes" if on_time[j] else "no") if done else "", int(rating[j]) if done else "",
                     int(views[j]) if done else "", int(conversions[j]) if done else ""]
                )  # fmt: skip
                rows += 1
    return rows


def grades(utility: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Graded relevance over the eligible creators: the best 1 % get 3, the next 2 % 2, the next 4 % 1."""
    out = np.zeros(len(utility))
    order = eligible[np.argsort(-utility[eligible], kind="stable")]
    start = 0
    for grade, share in zip((3, 2, 1), GRADE_SHARES, strict=True):
        size = max(1, round(share * len(eligible)))
        out[order[start : start + size]] = grade
        start += size
    return out


# ==================================================================== child


def run_world(name: str, seed: int, args) -> dict:
    """In a process whose DATABASE_URL is the scratch database: build, import, train, rank, score."""
    import django

    django.setup()
    from django.core.management import call_command

    from marketplace.core.models import Label

    call_command("migrate", verbosity=0)
    call_command("load_taxonomy", verbosity=0)
    rng = np.random.default_rng([seed, WORLDS.index(name)])
    by_interest = taxonomy(Label.objects.values_list("iab_id", "interest_id", "tier", "parent__iab_id"))
    creators = population(args.creators, by_interest, rng)
    world = WORLD_TYPES[name](creators, rng)
    with tempfile.TemporaryDirectory() as tmp:
        creators_file, history_file = Path(tmp) / "creators.csv", Path(tmp) / "history.csv"
        creators_csv(creators, creators_file)
        deals = history_csv(world, creators, by_interest, args.history_orders, rng, history_file)
        say(f"{name} (seed {seed}): {args.creators} creators, {deals} past offers written as CSV")
        call_command("import_creators", str(creators_file), "--no-progress", verbosity=0)
        call_command("import_history", str(history_file), verbosity=0)
    call_command("rebuild_snapshot", verbosity=0)
    trained = _train()
    tests = [brief(creators, by_interest, rng, f"T{k}", world.test_goals) for k in range(args.test_orders)]
    return {
        "world": name,
        "seed": seed,
        "story": world.story,
        "creators": args.creators,
        "deals": deals,
        "trained": trained,
        **_score(
            world,
            creators,
            tests,
            dump=args.dump and Path(args.dump) / f"{name}-{seed}.npz",
            forced=args.forced_weights,
        ),
    }


def _train() -> dict:
    from matching import engine, services

    record, report = services.matcher_model_train(snap=engine.current(), activate=True)  # measured, so switched on
    return {
        "version": record.version,
        "active": record.is_active,
        "gain": report.gain,
        "gate": report.gate,
    }


def _score(world: World, c: dict, tests: list[Brief], dump: Path | None = None, forced: bool = False) -> dict:
    """Per method, each test order's NDCG@10 and recall@50 (the parent computes the intervals); with
    ``forced``, also the trained model at each blend weight the gate tries (``_forced_models``)."""
    from django.core.management import call_command

    from brands.models import Brand
    from creators.models import Creator
    from matching import baselines, engine, scoring
    from matching.features import order_query
    from matching.models import MatcherModel
    from orders.models import Collaboration

    snap = engine.current()
    handle_row = {h: i for i, h in enumerate(c["handle"])}
    ids = dict(Creator.objects.values_list("handle", "id"))
    world_row = np.full(snap.n, -1)
    for handle_, pk in ids.items():
        world_row[snap.rows_of([pk])[0]] = handle_row[handle_]
    brand = Brand.objects.create(name="Bench brand", slug="bench-brand")
    record = MatcherModel.objects.order_by("-created_at").first()
    at_weight = _forced_models(record) if forced else {}
    per = {m: {"ndcg": [], "recall": []} for m in (*METHODS, *at_weight, WITHOUT_CONVERSIONS)}
    judged = []  # per test order: (order, eligible rows, grades)
    dumped = []
    for b in tests:
        order = _order(brand, b)
        query = order_query(order, snap, excluded={})
        block = scoring.score_block(snap, query, 0, snap.n)
        eligible = block.rows
        utility = world.utility(match(c, b))[world_row[eligible]]
        g = grades(utility, np.arange(len(eligible)))
        judged.append((order, eligible, g))
        if dump:
            dumped.append(_terms(block, utility, g, b.goal))
        lists = {name: eligible[np.argsort(-s, kind="stable")] for name, s in
                 baselines.scores(snap, query, eligible).items()}  # fmt: skip
        lists["hand"] = _ranked(order, snap, model=None)
        lists["learned"] = _ranked(order, snap, model=record)
        # The system as it runs is one of the two: the gate either switched the model on or left it off.
        lists["system"] = lists["learned"] if record.is_active else lists["hand"]
        for name, forced_record in at_weight.items():
            lists[name] = _ranked(order, snap, model=forced_record)
        for name, ranked in lists.items():
            _judge(per[name], ranked, eligible, g)
    # The conversion dimension's effect: the same orders ranked by the hand score once the matcher no
    # longer knows any past conversion (every deal's conversions erased, the snapshot rebuilt).
    Collaboration.objects.update(conversions=None)
    call_command("rebuild_snapshot", verbosity=0)
    snap = engine.current()
    for order, eligible, g in judged:
        _judge(per[WITHOUT_CONVERSIONS], _ranked(order, snap, model=None), eligible, g)
    if dump:
        dump.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(dump, **{f"{k}_{i}": v for i, terms in enumerate(dumped) for k, v in terms.items()})
    return {"orders": len(tests), "goals": [b.goal for b in tests], "per_order": per}


def _terms(block, utility, g, goal) -> dict[str, np.ndarray]:
    """What --dump writes for one test order (``block``: its score_block over every row): per eligible
    creator, the hand score's components, the baselines' terms, the world's utility and the grade (for
    studying the score offline)."""
    from matching import baselines, scoring
    from matching.scoring import components
    from matching.snapshot import METRIC_NAMES

    snap, query, eligible = block.snap, block.query, block.rows
    cols, q, _ = components._query_vectors(snap, query)
    rows, cosine, coverage = components._label_similarity(snap, cols, q, 0, snap.n)
    at = np.searchsorted(rows, eligible).clip(0, max(len(rows) - 1, 0))
    exact = (rows[at] == eligible) if len(rows) else np.zeros(len(eligible), dtype=bool)
    terms = {
        "cosine": np.where(exact, cosine[at] if len(rows) else 0, 0),
        "coverage": np.where(exact, coverage[at] if len(rows) else 0, 0),
        "labels": np.array([len(cols)]),
        "label_weights": np.asarray(snap.labels_csr[eligible][:, cols].todense()),
        "content": block.content[eligible],
        "audience": scoring.audience_fit_rows(snap, query, eligible),
        **scoring.static_components(snap, query, eligible),
        "hand": block.scores,
        "tag_overlap": baselines.tag_overlap(snap, query, eligible),
        "heuristic": baselines.heuristic(snap, query, eligible),
        "engagement": snap.metrics[METRIC_NAMES.index("engagement_rate"), eligible],
        "region": scoring.region_share_rows(snap, query, eligible) if query.regions else np.zeros(len(eligible)),
        "utility": utility,
        "grade": g,
        "goal": np.array([GOALS.index(goal)]),
    }
    return {k: np.asarray(v, dtype=np.float64) for k, v in terms.items()}


def _judge(per: dict, ranked: np.ndarray, eligible: np.ndarray, g: np.ndarray) -> None:
    """Append one ranked list's NDCG@10 and recall@50 against the grades of the order's eligible creators."""
    from matching import learn

    position = {row: i for i, row in enumerate(eligible)}
    score = np.zeros(len(eligible))
    for rank, row in enumerate(ranked[:200]):
        score[position[int(row)]] = 200 - rank
    per["ndcg"].append(learn.ndcg_at_k(score, g, 10))
    per["recall"].append(learn.recall_at_k(score, g >= RELEVANT_GRADE, 50))


def _order(brand, b: Brief):
    from django.conf import settings

    from marketplace.core.models import Label, ProductCategory
    from orders.models import Order, OrderTargetLabel

    order = Order.objects.create(
        brand=brand,
        title=f"Test order {b.ref}",
        product_name="Product",
        product_category=ProductCategory.objects.get(iab_id="1004"),
        goal=b.goal,
        format=b.format,
        target_age=b.ages,
        target_regions=b.regions,
        currency=settings.CURRENCY,
        price_per_creator=b.budget * 100,
        creators_wanted=5,
    )
    labels = dict(Label.objects.filter(iab_id__in=b.labels).values_list("iab_id", "id"))
    OrderTargetLabel.objects.bulk_create(
        [OrderTargetLabel(order=order, label_id=labels[x], weight=1.0) for x in b.labels]
    )
    return order


def _forced_models(record) -> dict:
    """The trained model once more at each blend weight the gate tries (learn.BLEND_WEIGHTS), each saved
    as a model record of its own that nothing ranks with unless _ranked switches it on: what the model
    would do where the gate kept it off, or at another weight than the one it chose."""
    import joblib

    from matching import learn
    from matching.models import MatcherModel

    model = joblib.load(record.path)
    out = {}
    for weight in learn.BLEND_WEIGHTS:
        path = Path(record.path).with_name(f"{record.version}-at-{weight}.joblib")
        joblib.dump(model.with_weight(weight), path)
        out[f"{FORCED}{weight}"] = MatcherModel.objects.create(
            version=f"{record.version}-at-{weight}", path=str(path), trained_on=record.trained_on, metrics={}
        )
    return out


def _ranked(order, snap, *, model) -> np.ndarray:
    """The order's ranked rows through rank_order's path, with ``model`` active (None: the hand score)."""
    from matching import services
    from matching.models import MatcherModel

    saved = list(MatcherModel.objects.values_list("pk", "is_active", "beats_hand"))
    MatcherModel.objects.update(is_active=False)
    if model is not None:
        MatcherModel.objects.filter(pk=model.pk).update(is_active=True, beats_hand=True)
    try:
        run = services.ranking_request(order=order, trigger="command")
        services.ranking_execute(run_id=run.pk)
        ids = list(run.results.order_by("rank").values_list("creator_id", flat=True))
    finally:
        for pk, active, beats in saved:
            MatcherModel.objects.filter(pk=pk).update(is_active=active, beats_hand=beats)
    return snap.rows_of(ids)


# ==================================================================== parent

# The paired differences the bar is about: each is a per-order difference, bootstrapped over orders.
DIFFERENCES = (
    ("hand", "heuristic"),
    ("hand", "heuristic_history"),
    ("learned", "hand"),
    ("learned", "heuristic"),
    ("system", "hand"),
)
QUICK = {"creators": 600, "history_orders": 80, "test_orders": 12, "seeds": "11"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worlds", default=",".join(WORLDS))
    parser.add_argument("--seeds", default="11,12", help="comma-separated; each world is built once per seed")
    parser.add_argument("--creators", type=int, default=3000)
    parser.add_argument("--history-orders", type=int, default=500)
    parser.add_argument("--test-orders", type=int, default=250)
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny worlds, one seed (no real figures)")
    parser.add_argument("--jobs", type=int, default=1, help="worlds built and scored at the same time")
    parser.add_argument("--json", action="store_true", help="print one JSON object per world and seed, then a summary")
    parser.add_argument(
        "--dump",
        metavar="DIR",
        help="also write, per world and seed, every test order's eligible creators with the hand score's "
        "components, the baselines' terms and the world's utility and grades (DIR/<world>-<seed>.npz)",
    )
    parser.add_argument(
        "--forced-weights",
        action="store_true",
        help="also rank with the trained model forced on at each blend weight the gate tries, whether or "
        "not the gate passed it (methods 'learned at W'): what the gate kept out; about doubles the ranking time",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    if args.child:
        print(json.dumps(run_world(args.child, args.child_seed, args)), flush=True)
        return
    worlds = args.worlds.split(",")
    for name in worlds:
        if name not in WORLD_TYPES:
            parser.error(f"unknown world {name!r}; choose from {', '.join(WORLDS)}")
    seeds = [int(x) for x in args.seeds.split(",")]
    base_url = database_url()
    argv = [
        f"--creators={args.creators}",
        f"--history-orders={args.history_orders}",
        f"--test-orders={args.test_orders}",
        *([f"--dump={Path(args.dump).resolve()}"] if args.dump else []),
        *(["--forced-weights"] if args.forced_weights else []),
    ]
    runs = [(name, seed) for name in worlds for seed in seeds]
    results = []
    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        for result in pool.map(lambda run: _child(*run, base_url, argv), runs):
            results.append(result)
            print(json.dumps(_public(result)) if args.json else table(result), flush=True)
    print(json.dumps({"summary": summary(results)}) if args.json else summary_table(results), flush=True)


def _child(name: str, seed: int, base_url: str, argv: list[str]) -> dict:
    admin = connect(base_url, "postgres")
    db = f"{BENCH_DB}_{os.getpid()}_{name}_{seed}"
    recreate_database(admin, db)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as var:
            env = {
                **os.environ,
                "DATABASE_URL": with_db(base_url, db),
                "DJANGO_SETTINGS_MODULE": "marketplace.settings",
                "VAR_DIR": var,
                "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR") or str(ROOT / "var" / "numba"),
            }
            done = subprocess.run(
                [sys.executable, __file__, *argv, "--child", name, "--child-seed", str(seed)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        if done.returncode:
            raise SystemExit(f"world {name} (seed {seed}) failed:\n{done.stderr[-4000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["metrics"] = metrics(result["per_order"], result["goals"])
        return result
    finally:
        drop_database(admin, db)
        admin.close()


CONVERSION_EFFECT = f"hand − {WITHOUT_CONVERSIONS} (conversion briefs)"


def metrics(per_order: dict, goals: list[str]) -> dict:
    """Per method, mean NDCG@10 and recall@50 with 95 % bootstrap intervals over orders; per pair of
    DIFFERENCES, the paired per-order difference of NDCG@10 with its interval; and the conversion
    dimension's effect, the same difference for the hand score with and without past conversions over
    the conversion briefs only (the other goals do not read conversions)."""
    from matching import learn

    out = {
        name: {"ndcg10": learn.interval(v["ndcg"]).as_dict(), "recall50": learn.interval(v["recall"]).as_dict()}
        for name, v in per_order.items()
    }
    for a, b in _differences(per_order):
        difference = np.subtract(per_order[a]["ndcg"], per_order[b]["ndcg"])
        out[f"{a} − {b}"] = {"ndcg10": learn.interval(difference).as_dict()}
    briefs = [i for i, goal in enumerate(goals) if goal == "conversion"]
    if briefs:
        difference = np.subtract(per_order["hand"]["ndcg"], per_order[WITHOUT_CONVERSIONS]["ndcg"])[briefs]
        out[CONVERSION_EFFECT] = {"ndcg10": learn.interval(difference).as_dict(), "orders": len(briefs)}
    return out


def _differences(per_order: dict) -> list[tuple[str, str]]:
    """DIFFERENCES, and each forced blend weight's difference from the hand score when it was measured."""
    return [*DIFFERENCES, *((name, "hand") for name in per_order if name.startswith(FORCED))]


def _public(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "per_order"}


def summary(results: list[dict]) -> dict:
    """Per world: the differences with every seed's orders pooled (and how many seeds each one won)."""
    out = {}
    for name in dict.fromkeys(r["world"] for r in results):
        runs = [r for r in results if r["world"] == name]
        pooled = {
            m: {k: [x for r in runs for x in r["per_order"][m][k]] for k in ("ndcg", "recall")}
            for m in runs[0]["per_order"]
        }
        pairs = [f"{a} − {b}" for a, b in _differences(pooled)] + [CONVERSION_EFFECT]
        out[name] = {
            "seeds": [r["seed"] for r in runs],
            "orders": sum(r["orders"] for r in runs),
            "metrics": metrics(pooled, [goal for r in runs for goal in r["goals"]]),
            "seeds_won": {
                pair: sum(r["metrics"][pair]["ndcg10"]["mean"] > 0 for r in runs if pair in r["metrics"])
                for pair in pairs
            },
        }
    return out


def table(result: dict) -> str:
    trained = result["trained"]
    lines = [
        f"world {result['world']}, seed {result['seed']}: {result['story']}",
        f"  {result['creators']} creators, {result['deals']} past offers imported; {result['orders']} new orders; "
        f"model {trained['version']} {'ACTIVE' if trained['active'] else 'not used'} "
        f"({_gate(trained)}); {result['seconds']} s",
    ]
    width = _width(result["metrics"])
    lines.append(f"  {'method':<{width}}{'NDCG@10':>26}{'recall@50':>26}")
    for name, m in result["metrics"].items():
        signed = " − " in name
        last = f"{m['orders']} orders" if "orders" in m else _interval(m.get("recall50", {}))
        lines.append(f"  {name:<{width}}{_interval(m['ndcg10'], signed):>26}{last:>26}")
    return "\n".join(lines)


def summary_table(results: list[dict]) -> str:
    lines = ["", "NDCG@10, every seed's orders pooled; paired differences per order, 95 % bootstrap intervals"]
    for name, s in summary(results).items():
        seeds = ", ".join(str(x) for x in s["seeds"])
        lines.append(f"world {name} (seeds {seeds}; {s['orders']} orders)")
        width = _width(s["metrics"])
        for method, m in s["metrics"].items():
            won = s["seeds_won"].get(method)
            note = f"   ahead in {won} of {len(s['seeds'])} seeds" if won is not None else ""
            note += f" ({m['orders']} orders)" if "orders" in m else ""
            lines.append(f"  {method:<{width}}{_interval(m['ndcg10'], ' − ' in method):>26}{note}")
    return "\n".join(lines)


def _width(rows: dict) -> int:
    """The method column's width: the longest name."""
    return max(22, *(len(name) for name in rows))


def _gate(trained: dict) -> str:
    gate = trained.get("gate") or {}
    parts = [f"holdout learned − hand NDCG@10 among offered {_interval(trained['gain'], True)}"]
    parts += [f"{half} half {_interval(gate[half], True)}" for half in ("earlier", "later") if gate.get(half)]
    if gate.get("pool"):
        parts.append(f"pool {_interval(gate['pool'], True)}; blend weight {gate.get('weight')}")
    return "; ".join(parts)


def _interval(m: dict, signed: bool = False) -> str:
    if not m:
        return "-"
    f = "+.3f" if signed else ".3f"
    return f"{m['mean']:{f}} [{m['low']:{f}}, {m['high']:{f}}]"


if __name__ == "__main__":
    main()

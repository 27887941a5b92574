"""Synthetic creators sampled from the derived tables, written with COPY in bounded batches.

Handles and names are synthesised (adjective + noun + number; Chinese-platform creators get a
Chinese adjective + noun display name); no real person appears. Constants marked
"illustrative" are hand-set, not derived from data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import Max

from creators.bulk import CreatorRecord, write_creators
from creators.models import Creator
from marketplace.core.audience import AGE_BUCKETS
from marketplace.core.models import ContentFormat
from marketplace.dev.demo.catalogue import STREAM_CREATORS, Catalogue, stream

BATCH = 10_000  # creators generated and written per COPY round; bounds memory for any N


def _words(text: str) -> list[str]:
    return text.split()


# Illustrative platform mix: mostly Chinese short-video platforms, as on Xingtu, plus the
# international ones the source datasets describe.
PLATFORMS = {
    "douyin": 0.38,
    "kuaishou": 0.09,
    "xiaohongshu": 0.12,
    "bilibili": 0.07,
    "tiktok": 0.14,
    "instagram": 0.11,
    "youtube": 0.07,
    "twitch": 0.02,
}
CHINESE_PLATFORMS = frozenset({"douyin", "kuaishou", "xiaohongshu", "bilibili"})
# Formats each platform's creators sell, main format first.
PLATFORM_FORMATS = {
    "douyin": ("short_21_60", "short_1_20", "video_60_plus", "live_session"),
    "kuaishou": ("short_21_60", "live_session", "short_1_20", "video_60_plus"),
    "xiaohongshu": ("image_post", "short_21_60", "short_1_20"),
    "bilibili": ("video_60_plus", "short_21_60", "live_session"),
    "tiktok": ("short_21_60", "short_1_20", "live_session"),
    "instagram": ("image_post", "short_1_20", "short_21_60"),
    "youtube": ("video_60_plus", "short_1_20", "short_21_60"),
    "twitch": ("live_session", "video_60_plus"),
}
# Illustrative price level: CNY per 1,000 expected views, per format (a 1M-follower Douyin
# creator with ~400k views per video then asks ~CNY 24k for 21–60 s, Xingtu's range). The
# spread around it comes from the data (rate_card.log_sigma).
PRICE_PER_K_VIEWS_CNY = {
    "short_1_20": 40,
    "short_21_60": 60,
    "video_60_plus": 90,
    "image_post": 35,
    "live_session": 80,
}
MIN_PRICE_CNY = 200  # for 21–60 s; other formats in proportion to their price level
CNY_PER_UNIT = {"CNY": 1.0, "USD": 7.2, "EUR": 7.8, "GBP": 9.1, "HKD": 0.92, "JPY": 0.048}
# Illustrative audience age by platform (shares over AGE_BUCKETS).
PLATFORM_AGES = {
    "douyin": (0.22, 0.30, 0.26, 0.13, 0.09),
    "kuaishou": (0.18, 0.28, 0.28, 0.16, 0.10),
    "xiaohongshu": (0.30, 0.40, 0.20, 0.07, 0.03),
    "bilibili": (0.45, 0.35, 0.13, 0.05, 0.02),
    "tiktok": (0.40, 0.30, 0.17, 0.08, 0.05),
    "instagram": (0.30, 0.33, 0.22, 0.10, 0.05),
    "youtube": (0.20, 0.28, 0.25, 0.15, 0.12),
    "twitch": (0.38, 0.36, 0.18, 0.06, 0.02),
}
# Illustrative female share of the audience by niche (default 0.5).
FEMALE_SHARE = {"beauty": 0.86, "fashion": 0.74, "family": 0.7, "food": 0.62, "interior": 0.68, "gaming": 0.24}
FEMALE_SHARE |= {"cars": 0.18, "sports": 0.3, "tech": 0.3, "motorsport": 0.2, "pets": 0.62, "fitness": 0.55}
# Mainland provinces by population, 7th national census (2020), millions: audience regions of
# creators on Chinese platforms are spread in proportion to it.
PROVINCES = {
    "CN-GD": 126.0, "CN-SD": 101.5, "CN-HA": 99.4, "CN-JS": 84.7, "CN-SC": 83.7, "CN-HE": 74.6, "CN-HN": 66.4,
    "CN-ZJ": 64.6, "CN-AH": 61.0, "CN-HB": 57.8, "CN-GX": 50.1, "CN-YN": 47.2, "CN-JX": 45.2, "CN-LN": 42.6,
    "CN-FJ": 41.5, "CN-SN": 39.5, "CN-GZ": 38.6, "CN-SX": 34.9, "CN-CQ": 32.1, "CN-HL": 31.9, "CN-XJ": 25.9,
    "CN-GS": 25.0, "CN-SH": 24.9, "CN-JL": 24.1, "CN-NM": 24.0, "CN-BJ": 21.9, "CN-TJ": 13.9, "CN-HI": 10.1,
    "CN-NX": 7.2, "CN-QH": 5.9, "CN-XZ": 3.6,
}  # fmt: skip
ADJECTIVES = _words(
    "amber azure bold brave bright calm clever cosmic crisp curious dapper daring dreamy eager fancy fearless gentle "
    "glowing golden happy honest jolly keen lively lucky mellow merry mighty misty nimble noble peppy plucky quiet "
    "rapid rosy rustic salty savvy serene shiny silver sleek snappy sparkly spicy sunny swift tidy urban velvet vivid "
    "witty zesty"
)
NOUNS = _words(
    "acorn atlas badger beacon bison breeze canyon cedar comet coral cricket dune ember falcon fern fjord gecko "
    "harbor heron island jasper kettle koala lantern lark lemon maple meadow mango nebula otter owl panda pebble "
    "pepper pine pixel plum quartz raven ripple robin saffron sparrow sprout summit thistle tiger tulip walnut willow"
)
CN_ADJECTIVES = _words(
    "阳光 快乐 元气 温柔 安静 勇敢 奇妙 甜甜 酷酷 慢慢 小小 闪闪 暖暖 清新 认真 好奇 自在 努力 可爱 淡定"
)
CN_NOUNS = _words("水獭 橘子 星星 云朵 小鹿 熊猫 柠檬 兔子 咖啡 月亮 海盐 松果 麦穗 白桃 鲸鱼 山茶 晴天 小满 栗子 青柠")
BIO_TEMPLATES = (
    "{Adj} {topic} creator. Posting about {w1}, {w2} and {w3}.",
    "{topic_cap} every week: {w1}, {w2}, and the odd {w3}.",
    "Here for {w1} and {w2}. {topic_cap} tips that are easy to follow.",
    "{topic_cap} for busy people — {w1}, {w2} and honest {w3}.",
)
TITLE_TEMPLATES = (
    "My {w1} {w2} routine",
    "Trying {w1} {w2} for a week",
    "{W1} vs {w2}: an honest review",
    "5 {w1} tips I wish I knew",
    "A day of {w1} and {w2}",
    "{W1} {w2} — what actually works",
)


# --------------------------------------------------------------------- creators

MAX_REGIONS = 8
MAX_LINES = 5


def _interp(u: np.ndarray, table: dict) -> np.ndarray:
    """Inverse-CDF sample from a quantile table ({"quantiles": [q0, q5, ..., q100]}) at uniforms ``u``."""
    q = np.asarray(table["quantiles"], dtype=float)
    return np.interp(u, np.linspace(0, 1, len(q)), q)


def _round_rows(shares: np.ndarray) -> np.ndarray:
    """Rows of shares rounded to 3 decimals that still sum to 1 (the rounding error goes to each row's largest)."""
    rounded = np.round(shares, 3)
    largest = np.argmax(rounded, axis=1)
    rows = np.arange(len(rounded))
    rounded[rows, largest] = np.round(rounded[rows, largest] + 1.0 - rounded.sum(axis=1), 3)
    return rounded


def _nice_prices(amount_cny: np.ndarray, floor_cny: np.ndarray, unit: float) -> np.ndarray:
    """Two significant digits in the deployment currency, as integer minor units."""
    major = np.maximum(amount_cny, floor_cny) / unit
    scale = 10.0 ** np.maximum(np.floor(np.log10(major)) - 1, 0)
    return (np.round(major / scale) * scale).astype(np.int64) * 100


def _top_k(rng: np.random.Generator, weights: np.ndarray, n: int, k: int, exclude: np.ndarray | None = None):
    """Per row, k distinct indices drawn without replacement with probability ∝ weights (Gumbel top-k)."""
    keys = np.log(weights)[None, :] - np.log(-np.log(rng.random((n, len(weights)))))
    if exclude is not None:
        keys[np.arange(n), exclude] = -np.inf
    return np.argsort(-keys, axis=1)[:, :k]


def _dirichlet_rows(rng: np.random.Generator, alpha: np.ndarray) -> np.ndarray:
    draws = rng.gamma(alpha)
    return draws / draws.sum(axis=1, keepdims=True)


@dataclass
class CreatorBatch:
    """One batch: every random number is drawn up front with numpy, then ``records`` only formats.

    The number and shape of draws never depends on the data, so a seed reproduces a batch exactly.
    """

    catalogue: Catalogue
    rng: np.random.Generator
    first_number: int
    size: int
    a: dict = field(default_factory=dict)

    def sample(self, **fixed) -> CreatorBatch:
        """Draw everything; ``fixed`` pins base draws for every row (platform=, niche=, followers=)."""
        t, rng, n, a = self.catalogue.tables, self.rng, self.size, self.a
        edges = np.log10(np.asarray(t["follower_histogram"]["edges"], dtype=float))
        share = np.asarray(t["follower_histogram"]["share"], dtype=float)
        bins = rng.choice(len(share), size=n, p=share / share.sum())
        a["followers"] = np.round(10 ** (edges[bins] + rng.random(n) * (edges[bins + 1] - edges[bins]))).astype(int)
        platforms = np.asarray(list(PLATFORMS))
        a["platform"] = platforms[rng.choice(len(platforms), size=n, p=np.asarray(list(PLATFORMS.values())))]
        tier_u, niche_u = rng.random((3, n)), rng.random(n)
        if "followers" in fixed:
            a["followers"][:] = fixed["followers"]
        if "platform" in fixed:
            a["platform"][:] = fixed["platform"]
        tiers = np.searchsorted([x["min_followers"] for x in t["tiers"]], a["followers"], side="right") - 1
        self._per_tier(tiers, tier_u, niche_u)
        if "niche" in fixed:
            a["niche"][:] = [name for name, _i, _l in self.catalogue.niches].index(fixed["niche"])
        a["views"] = np.maximum((a["followers"] * np.clip(a["views_ratio"], 0.005, 3.0)).astype(int), 10)
        a["views_90"] = np.maximum((a["views"] * rng.lognormal(0, 0.15, n)).astype(int), 10)
        a["growth"] = np.clip(_interp(rng.random(n), t["follower_growth_30d"]), -0.05, 0.3)
        a["completion"] = rng.beta(4, 6, n)  # illustrative: no dataset has completion rates
        a["verification"] = np.asarray(["verified", "pending", "unverified"])[
            rng.choice(3, size=n, p=[0.85, 0.08, 0.07])
        ]
        a["active"] = rng.random(n) < 0.97
        a["capacity"] = rng.integers(2, 7, n)
        self._audience(n)
        self._prices(n)
        a["u"] = rng.random((n, 20))  # names, labels, bio: see record()
        a["lines"] = rng.random((n, MAX_LINES, 6))  # content sample
        a["n_lines"] = rng.integers(3, MAX_LINES + 1, n)
        return self

    def _per_tier(self, tiers: np.ndarray, tier_u: np.ndarray, niche_u: np.ndarray) -> None:
        t, a, n = self.catalogue.tables, self.a, self.size
        names = [name for name, _interest, _labels in self.catalogue.niches]
        for key in ("engagement", "views_ratio", "hit_share"):
            a[key] = np.empty(n)
        a["niche"] = np.empty(n, dtype=int)
        for i, tier in enumerate(t["tiers"]):
            mask, name = tiers == i, tier["name"]
            a["engagement"][mask] = _interp(tier_u[0][mask], t["engagement_rate"][name])
            a["views_ratio"][mask] = _interp(tier_u[1][mask], t["views_per_follower"][name])
            a["hit_share"][mask] = _interp(tier_u[2][mask], t["hit_video_share"][name])
            mix = t["niche_mix"][name]["niches"]
            cdf = np.cumsum([mix.get(niche, 0.0) for niche in names])
            a["niche"][mask] = np.minimum(np.searchsorted(cdf / cdf[-1], niche_u[mask], side="right"), len(names) - 1)

    def _audience(self, n: int) -> None:
        t, rng, a = self.catalogue.tables, self.rng, self.a
        a["age"] = _round_rows(_dirichlet_rows(rng, np.asarray([PLATFORM_AGES[p] for p in a["platform"]]) * 30))
        niche_names = [name for name, _interest, _labels in self.catalogue.niches]
        mean = np.asarray([FEMALE_SHARE.get(niche_names[i], 0.5) for i in a["niche"]])
        female = np.clip(mean + rng.normal(0, 0.08, n), 0.02, 0.97)
        other = rng.uniform(0, 0.03, n)
        a["gender"] = _round_rows(np.column_stack([female, 1 - female - other, other]))
        # Chinese platforms: 4–8 provinces, shares around their population.
        weights = np.asarray(list(PROVINCES.values()))
        a["cn_regions"] = _top_k(rng, weights, n, MAX_REGIONS)
        cn_k = rng.integers(4, MAX_REGIONS + 1, n)
        alpha = weights[a["cn_regions"]] / weights.mean() * 3 * (np.arange(MAX_REGIONS)[None, :] < cn_k[:, None])
        a["cn_shares"] = _round_rows(_dirichlet_rows(rng, np.maximum(alpha, 1e-300)))
        # Elsewhere: the creator's own country first, then 2–5 other audience countries.
        homes, home_p = list(t["creator_country"]["share"]), _normalised(t["creator_country"]["share"].values())
        abroad, abroad_p = list(t["audience_country"]["share"]), _normalised(t["audience_country"]["share"].values())
        a["home"] = rng.choice(len(homes), size=n, p=home_p)
        # A near-zero extra column stands in for "home is not in the list", so the draws never depend on data.
        same = np.asarray([abroad.index(homes[h]) if homes[h] in abroad else len(abroad) for h in a["home"]])
        a["abroad"] = _top_k(rng, np.append(abroad_p, 1e-12), n, 5, exclude=same)
        k = rng.integers(2, 6, n)
        rest = _dirichlet_rows(rng, np.where(np.arange(5)[None, :] < k[:, None], 2.0, 1e-300))
        home_share = rng.beta(5, 4, n)
        a["intl_shares"] = _round_rows(np.column_stack([home_share, rest * (1 - home_share)[:, None]]))
        a["country_codes"], a["abroad_codes"] = homes, abroad

    def _prices(self, n: int) -> None:
        t, rng, a = self.catalogue.tables, self.rng, self.a
        factor = rng.lognormal(0, t["rate_card"]["log_sigma"] / 2, n)
        unit = CNY_PER_UNIT.get(settings.CURRENCY, 1.0)
        per_k = np.asarray([PRICE_PER_K_VIEWS_CNY[f] for f in ContentFormat.values])
        floor = MIN_PRICE_CNY * per_k / PRICE_PER_K_VIEWS_CNY["short_21_60"]
        a["prices"] = _nice_prices(a["views"][:, None] / 1000 * per_k[None, :] * factor[:, None], floor[None, :], unit)
        a["extra_formats"] = rng.integers(1, 4, n)
        a["format_order"] = np.argsort(rng.random((n, 4)), axis=1)

    def records(self) -> Iterator[CreatorRecord]:
        for i in range(self.size):
            yield self.record(i)

    def record(self, i: int) -> CreatorRecord:
        """Row ``i`` as a record. Uniforms u: 0–3 names, 4–14 labels, 15–19 bio."""
        a, cat = self.a, self.catalogue
        platform = str(a["platform"][i])
        _niche, interest, candidates = cat.niches[int(a["niche"][i])]
        u = a["u"][i].tolist()
        words = cat.vocabulary.get(interest) or ["everyday", "life", "ideas"]
        region, country = self._region(i, platform)
        return CreatorRecord(
            handle=f"{_pick(ADJECTIVES, u[0])}-{_pick(NOUNS, u[1])}-{self.first_number + i}",
            display_name=(
                _pick(CN_ADJECTIVES, u[2]) + _pick(CN_NOUNS, u[3])
                if platform in CHINESE_PLATFORMS
                else f"{_pick(ADJECTIVES, u[0]).capitalize()} {_pick(NOUNS, u[1]).capitalize()}"
            ),
            bio=self._bio(u, words, cat.label_names[_pick(candidates, u[4])]),
            platform=platform,
            country=country,
            content_sample=self._content(i, words, cat.hashtags(interest)),
            is_active=bool(a["active"][i]),
            verification=str(a["verification"][i]),
            max_concurrent=int(a["capacity"][i]),
            audience_age=dict(zip(AGE_BUCKETS, a["age"][i].tolist(), strict=True)),
            audience_gender=dict(zip(("female", "male", "other"), a["gender"][i].tolist(), strict=True)),
            audience_region=region,
            followers=int(a["followers"][i]),
            median_views_30d=int(a["views"][i]),
            median_views_90d=int(a["views_90"][i]),
            engagement_rate=round(min(max(float(a["engagement"][i]), 0.001), 0.9), 4),
            completion_rate=round(float(a["completion"][i]), 4),
            hit_video_share=round(min(max(float(a["hit_share"][i]), 0.0), 1.0), 4),
            follower_growth_30d=round(float(a["growth"][i]), 4),
            labels=self._labels(u, candidates, interest),
            rates=self._rates(i, platform),
        )

    def _region(self, i: int, platform: str) -> tuple[dict[str, float], str]:
        a = self.a
        if platform in CHINESE_PLATFORMS:
            pairs = zip(a["cn_regions"][i].tolist(), a["cn_shares"][i].tolist(), strict=True)
            return {PROVINCE_CODES[j]: s for j, s in pairs if s > 0}, "CN"
        home = a["country_codes"][int(a["home"][i])]
        codes = [home, *(a["abroad_codes"][j] for j in a["abroad"][i].tolist())]
        return {c: s for c, s in zip(codes, a["intl_shares"][i].tolist(), strict=True) if s > 0}, home

    def _labels(self, u: list[float], candidates: list[str], interest: str) -> list[tuple[int, float]]:
        cat = self.catalogue
        chosen = {_pick(candidates, u[4]): 1.0}
        for j in range(int(u[5] * 3)):  # 0–2 more from the same niche, or anywhere in the interest
            pool = candidates if u[6 + j] < 0.6 else cat.interest_labels[interest]
            chosen.setdefault(_pick(pool, u[8 + j]), round(0.4 + 0.5 * u[10 + j], 2))
        if u[12] < 0.35:  # a second niche, weaker
            _name, _interest, other = cat.niches[int(u[12] / 0.35 * len(cat.niches))]
            chosen.setdefault(_pick(other, u[13]), round(0.2 + 0.3 * u[14], 2))
        return [(cat.label_pk[iab_id], weight) for iab_id, weight in chosen.items()]

    def _rates(self, i: int, platform: str) -> list[tuple[str, int]]:
        a = self.a
        formats = PLATFORM_FORMATS[platform]
        extra = [formats[1 + j] for j in a["format_order"][i].tolist() if 1 + j < len(formats)]
        chosen = [formats[0], *extra[: int(a["extra_formats"][i])]]
        prices = a["prices"][i].tolist()
        return [(f, prices[FORMAT_INDEX[f]]) for f in chosen]

    def _bio(self, u: list[float], words: list[str], topic: str) -> str:
        template = _pick(BIO_TEMPLATES, u[15])
        return template.format(
            Adj=_pick(ADJECTIVES, u[16]).capitalize(),
            topic=topic.lower(),
            topic_cap=topic,
            w1=_pick(words, u[17]),
            w2=_pick(words, u[18]),
            w3=_pick(words, u[19]),
        )

    def _content(self, i: int, words: list[str], hashtags: list[str]) -> str:
        general = self.catalogue.general_hashtags
        lines = []
        for v in self.a["lines"][i][: int(self.a["n_lines"][i])].tolist():
            w1, w2 = _pick(words, v[1]), _pick(words, v[2])
            title = _pick(TITLE_TEMPLATES, v[0]).format(w1=w1, w2=w2, W1=w1.capitalize())
            tags = dict.fromkeys([_pick(hashtags, v[3]), _pick(hashtags, v[4]), _pick(general, v[5])])
            lines.append(title + " " + " ".join(f"#{tag}" for tag in tags))
        return "\n".join(lines)


PROVINCE_CODES = list(PROVINCES)
FORMAT_INDEX = {f: i for i, f in enumerate(ContentFormat.values)}


def _pick(items, u: float):
    return items[int(u * len(items))]


def _normalised(values) -> np.ndarray:
    arr = np.asarray(list(values), dtype=float)
    return arr / arr.sum()


def generate_creators(
    n: int, *, seed: int, catalogue: Catalogue, first_number: int = 1, batch: int = BATCH
) -> Iterator[list[CreatorRecord]]:
    """Batches of synthetic creators; the same seed, catalogue, first_number and batch give the same records."""
    rng = stream(seed, STREAM_CREATORS)
    done = 0
    while done < n:
        size = min(batch, n - done)
        sampled = CreatorBatch(catalogue=catalogue, rng=rng, first_number=first_number + done, size=size).sample()
        yield list(sampled.records())
        done += size


def write_demo_creators(
    n: int, *, seed: int, catalogue: Catalogue, progress: Callable[[int], None] | None = None
) -> int:
    """COPY ``n`` synthetic creators in batches; handles continue after every creator id used so far.

    The next batch is generated in a helper thread while this one is copied (generation touches
    no database), so at most two batches are in memory at any time.
    """
    first_number = (Creator.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    batches = generate_creators(n, seed=seed, catalogue=catalogue, first_number=first_number)
    written = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, batches, None)
        while (records := pending.result()) is not None:
            pending = pool.submit(next, batches, None)
            write_creators(records)
            written += len(records)
            if progress:
                progress(len(records))
    return written

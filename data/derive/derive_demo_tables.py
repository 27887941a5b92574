"""Derive the demo generator's tables (data/demo/distributions.json) from the shared public datasets.

    python data/derive/derive_demo_tables.py /path/to/shared/data [--out data/demo/distributions.json]

Run by hand, only when the figures should be refreshed: the shared datasets are not part of the
repository, and neither `make run` nor the tests read them. Only aggregate figures leave this
script (histograms, quantiles, shares, and words or hashtags used by many different creators);
no handle, name, caption or domain of a real person or company is written. data/demo/README.md
describes every table.

Needs pandas and Faker (Faker comes with factory_boy in the dev requirements): its person-name lists are used to
drop words that are first names or surnames.
"""

from __future__ import annotations

import argparse
import ast
import csv
import importlib
import json
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "data" / "demo" / "distributions.json"
IAB_CONTENT = REPO / "data" / "iab" / "content_taxonomy_3.1.tsv"
IAB_AD_PRODUCT = REPO / "data" / "iab" / "ad_product_taxonomy_2.0.tsv"
REGIONS = REPO / "data" / "regions.tsv"

# Coarse tiers used for every per-tier table (lower bound inclusive, in followers).
TIERS = (("nano", 1_000), ("micro", 10_000), ("mid", 100_000), ("macro", 1_000_000), ("mega", 10_000_000))
# Half-decade bins for the follower histogram: 10^3, 10^3.5, ..., 10^9.
HIST_EDGES = [round(10 ** (3 + k / 2)) for k in range(13)]
QUANTILES = [round(q, 2) for q in np.linspace(0, 1, 21)]
MIN_CREATORS_PER_TIER = 30  # below this a tier borrows the nearest tier's figures
MIN_DISTINCT_CREATORS = 5  # a hashtag or word must be used by this many creators / channels
VOCAB_SIZE = 40
HIT_MULTIPLE = 3  # a "hit" video has at least this many times its creator's median plays


def _words(text: str) -> list[str]:
    return text.split()


# ---------------------------------------------------------------- category → interest
# A niche is an IAB 3.1 interest plus the labels (3.1 ids) its creators most likely carry;
# the generator picks a creator's first label among these or their descendants.
NICHES: dict[str, tuple[str, tuple[str, ...]]] = {
    "fashion": ("Style & Fashion", ("560", "579", "577", "595", "576", "578")),
    "beauty": ("Style & Fashion", ("553", "555", "559", "554", "556", "558")),
    "luxury": ("Style & Fashion", ("576", "578", "565")),
    "accessories": ("Style & Fashion", ("561", "580")),
    "travel": ("Travel", ("655", "664", "663", "654")),
    "nature": ("Attractions", ("160", "159")),
    "family": ("Family and Relationships", ("192", "191", "200")),
    "relationships": ("Family and Relationships", ("188", "191", "200")),
    "food": ("Food & Drink", ("216", "217", "214", "218", "221", "222")),
    "interior": ("Home & Garden", ("283", "280", "277", "275")),
    "fitness": ("Healthy Living", ("225", "229", "231")),
    "wellness": ("Healthy Living", ("232", "229")),
    "pets": ("Pets", ("424", "425", "431", "426")),
    "music": ("Entertainment", ("338",)),
    "dance": ("Fine Art", ("203",)),
    "movies": ("Entertainment", ("324",)),
    "tv": ("Entertainment", ("640",)),
    "lifestyle": ("Genres", ("TIFQA5",)),
    "animation": ("Genres", ("641",)),
    "comedy": ("Pop Culture", ("440",)),
    "celebrity": ("Pop Culture", ("432",)),
    "gaming": ("Video Gaming", ("681", "682", "683", "684")),
    "sports": ("Sports", ("533", "547", "545", "484", "539", "520")),
    "motorsport": ("Sports", ("518",)),
    "outdoor_sports": ("Sports", ("498", "531", "537")),
    "tech": ("Technology & Computing", ("632", "599", "597")),
    "science": ("Science", ("472", "465", "471", "467")),
    "education": ("Education", ("148", "146", "147")),
    "books": ("Books and Literature", ("48", "46")),
    "art": ("Fine Art", ("205", "204", "207")),
    "crafts": ("Hobbies & Interests", ("248", "241", "255")),
    "magic": ("Hobbies & Interests", ("241",)),
    "photography": ("Hobbies & Interests", ("255",)),
    "toys": ("Shopping", ("482",)),
    "finance": ("Personal Finance", ("410", "396")),
    "business": ("Business and Finance", ("53", "61")),
    "careers": ("Careers", ("125", "126")),
    "cars": ("Automotive", ("25", "27", "37")),
    "politics": ("Politics", ("386",)),
    "mystery": ("Genres", ("331",)),
}

# Source category → niche, per dataset. Categories missing here (or mapped to None) are not
# counted: "other", adult content, promotion accounts, and a few tiny ambiguous ones.
KIM_CATEGORIES = {
    "fashion": "fashion",
    "fasion": "fashion",
    "fashion 0.5": "fashion",
    "beauty": "beauty",
    "travel": "travel",
    "family": "family",
    "food": "food",
    "interior": "interior",
    "fitness": "fitness",
    "pet": "pets",
}
HYPEAUDITOR_CATEGORIES = {  # social-media-influencers-2022 category_1
    "Music & Dance": "music",
    "Music": "music",
    "Cinema & Actors/actresses": "movies",
    "Movies": "movies",
    "Shows": "tv",
    "Lifestyle": "lifestyle",
    "Daily vlogs": "lifestyle",
    "Sports with a ball": "sports",
    "Sports": "sports",
    "Racing Sports": "motorsport",
    "Winter sports": "outdoor_sports",
    "Water sports": "outdoor_sports",
    "Extreme Sports & Outdoor activity": "outdoor_sports",
    "Animation": "animation",
    "Video games": "gaming",
    "Gaming": "gaming",
    "News & Politics": "politics",
    "Modeling": "fashion",
    "Fashion": "fashion",
    "Clothing & Outfits": "fashion",
    "Luxury": "luxury",
    "Accessories & Jewellery": "accessories",
    "Beauty": "beauty",
    "Education": "education",
    "Toys": "toys",
    "Kids & Toys": "toys",
    "Humor & Fun & Happiness": "comedy",
    "Humor": "comedy",
    "Science & Technology": "tech",
    "Computers & Gadgets": "tech",
    "Machinery & Technologies": "tech",
    "Science": "science",
    "Food & Drinks": "food",
    "Food & Cooking": "food",
    "Family": "family",
    "Art/Artists": "art",
    "Design/art": "art",
    "Fitness & Gym": "fitness",
    "Fitness": "fitness",
    "Health & Self Help": "wellness",
    "DIY & Life Hacks": "crafts",
    "DIY & Design": "crafts",
    "Literature & Journalism": "books",
    "Photography": "photography",
    "Finance & Economics": "finance",
    "Business & Careers": "business",
    "Management & Marketing": "business",
    "Cars & Motorbikes": "cars",
    "Autos & Vehicles": "cars",
    "Travel": "travel",
    "Nature & landscapes": "nature",
    "Animals & Pets": "pets",
    "Animals": "pets",
    "Mystery": "mystery",
}
YOUTUBE_CATEGORIES = {  # global-youtube-stats category and youtube-trending category names
    "Entertainment": "tv",
    "Music": "music",
    "People & Blogs": "lifestyle",
    "Gaming": "gaming",
    "Comedy": "comedy",
    "Film & Animation": "movies",
    "Movies": "movies",
    "Trailers": "movies",
    "Shows": "tv",
    "Education": "education",
    "Howto & Style": "beauty",
    "News & Politics": "politics",
    "Science & Technology": "tech",
    "Sports": "sports",
    "Pets & Animals": "pets",
    "Autos & Vehicles": "cars",
    "Travel & Events": "travel",
}
TIKTOK_GENRES = {  # tiktok top-250 Genre, first listed genre
    "Comedy": "comedy",
    "Pranking": "comedy",
    "Reacting": "comedy",
    "Lipsyncing": "music",
    "Singing": "music",
    "Dancing": "dance",
    "Acting": "tv",
    "Lifestyle": "lifestyle",
    "Content House": "lifestyle",
    "Relationship": "relationships",
    "Family": "family",
    "Illusion": "magic",
    "Makeup": "beauty",
    "Fitness": "fitness",
    "Parkour": "outdoor_sports",
    "Art": "art",
    "Food": "food",
    "Pets": "pets",
    "Education": "education",
    "Motivational Speaking": "careers",
    "DIY": "crafts",
    "Photography": "photography",
    "Reviews": "tech",
}

# Hashtags and title words are assigned to an interest when they start or end with one of its
# stems ("makeuptutorial", "dogsoftiktok"); stems of three letters must match more tightly.
VOCAB_STEMS: dict[str, tuple[str, ...]] = {
    "Style & Fashion": ("fashion", "outfit", "style", "makeup", "beauty", "skincare", "hair", "nails", "ootd", "grwm"),
    "Food & Drink": (
        "food",
        "recipe",
        "cooking",
        "cook",
        "baking",
        "bake",
        "cake",
        "chocolate",
        "candy",
        "coffee",
        "snack",
        "chef",
        "kitchen",
        "dessert",
        "pork",
        "meat",
        "pumpkin",
    ),
    "Healthy Living": ("fitness", "workout", "gym", "yoga", "health", "weightloss", "selfcare", "wellness", "getfit"),
    "Pets": ("dog", "cat", "puppy", "kitten", "pet", "animal"),
    "Travel": ("travel", "roadtrip", "vacation", "beach", "wanderlust", "adventure"),
    "Video Gaming": ("gaming", "gamer", "game", "minecraft", "fortnite", "roblox", "pubg", "freefire", "xbox"),
    "Entertainment": ("music", "song", "singing", "singer", "cover", "movie", "film", "rap", "lipsync", "album"),
    "Fine Art": ("dance", "dancer", "choreo", "drawing", "painting", "artist", "art"),
    "Pop Culture": ("comedy", "funny", "humor", "meme", "prank", "joke", "lol", "sketch", "parody"),
    "Technology & Computing": ("tech", "phone", "gadget", "unboxing", "smartphone"),
    "Sports": ("sport", "football", "soccer", "basketball", "nba", "skate", "cricket", "boxing"),
    "Family and Relationships": ("family", "mom", "dad", "baby", "kids", "couple", "relationship"),
    "Education": ("learn", "education", "study", "school", "didyouknow", "facts"),
    "Hobbies & Interests": ("diy", "craft", "magic", "photography", "lifehack", "hack"),
    "Automotive": ("car", "moto", "bike", "drift"),
    "Home & Garden": ("home", "decor", "garden", "cleaning"),
}
SHORT_STEM_SUFFIXES = ("", "s", "softiktok", "oftiktok", "life", "lover", "lovers", "goals", "tok")
GENERAL_HASHTAGS = 30  # the most widely used hashtags, kept as a platform-wide vocabulary
MIN_GENERAL_CREATORS = 20
AD_SHARE_LIMIT = 0.2  # hashtags this often next to #ad / #sponsored / #...partner are campaign tags
AD_MARKERS = frozenset({"ad", "ads", "sponsored", "spon", "partner", "advertisement"})
SEASONAL = ("halloween", "spooky", "costume", "scary", "christmas", "valentine", "2019", "2020")
# Found on review of the output: brand, campaign, product-line and person names that pass the
# filters above. Kept out of the vocabularies.
BLOCKED_WORDS = frozenset(
    _words(
        """bangenergy redbulldanceyourstyle raisingcanes oikosonetrip unwrapthedeals missyoustreetfood strapback
    sushantsinghrajput tidelagaodaaghatao dhakkdhakkdharti vidaderico bossmusicproductions caragraciosa chilidogyum
    doggyanthem catvalentine team07 heinzhalloween micellarrewind eyeslipsface expressieyourself provewhatspossible
    brokenheartsgallery makethefirstmove gotmilkchallenge thisisbliss tiktokbywdym vitaapp sheingals shein laceemup
    emilyinparis borat featureme featurethis waitforthegreats magicmoment familyimpression tiktokpartner
    fenty sephora buzzfeed samsung sony rca interscope atlantic columbia shotsstudios marshemllo inannasarkis paddock
    gosling sheeran pennywise trump mandalay jedi bros vegas pixel galaxy iphone ios cyrus colbert minaj nicki miley
    skarsgard kendrick capitol universal las jenner kardashian witherspoon sterling banks
    shooting shootings shooter gunman massacre mass gun death explosion disaster killed"""
    )
)

STOPWORDS = frozenset(
    _words(
        """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off
    on once only or other our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves
    official video videos full new episode ep part vs feat ft hd music trailer channel youtube live show shows
    watch first one two get got make makes made way day days year years time best top amp say says said back
    ever every like go going gets much many really also still even want know see look good great way vlog
    com www http https tv net tags none oct sept nov"""
    )
)
# Common words that also appear in Faker's name lists; they are kept in the vocabularies.
NOT_NAMES = frozenset(
    _words(
        """love best rose summer joy hope young white black brown green little long hill wood stone rich bell price cook
    baker hunter golden diamond grace faith page park chase lane star king queen prince royal happy
    sunny winter spring autumn fall story art music dance cash gold silver may june april angel dream honey sugar
    candy cookie brooks rivers woods fields guy will mark bill penny"""
    )
)

COUNTRY_ALIASES = {
    "Russia": "RU",
    "South Korea": "KR",
    "Iran": "IR",
    "Syria": "SY",
    "Turkey": "TR",
    "Vietnam": "VN",
    "U.S.A": "US",
    "U.K.": "GB",
    "U.A.E.": "AE",
    "United States": "US",
    "United Kingdom": "GB",
    "Taiwan": "TW",
    "Venezuela": "VE",
    "Bolivia": "BO",
    "Tanzania": "TZ",
    "Czech Republic": "CZ",
}

# Sponsor kinds (youniverse domain_category of sponsored link domains) → Ad Product 2.0 id.
# Agencies, link shorteners, unexplained codes, crypto and religion are left out of the demo.
SPONSOR_KINDS = {
    "Shop": "1499",
    "Video Game": "1120",
    "Beauty": "1138",
    "Music": "1431",
    "Technology": "1097",
    "Education": "1304",
    "Application": "1439",
    "Fashion": "1059",
    "Service": "1027",
    "Sport": "1524",
    "Vehicle": "1556",
    "Media": "1419",
    "Streaming": "1431",
    "Entertainment": "1419",
    "Social Media": "1420",
    "Book": "1422",
    "Food Drink": "1165",
    "Travel": "1541",
    "Real Estate": "1482",
    "Finance": "1337",
    "Medical": "1378",
    "Photo": "1100",
}


# ---------------------------------------------------------------------- helpers


def tier_of(followers: float) -> str | None:
    if not followers or followers < TIERS[0][1] or math.isnan(followers):
        return None
    name = TIERS[0][0]
    for tier, low in TIERS:
        if followers >= low:
            name = tier
    return name


def quantiles(values, *, digits: int = 5) -> list[float]:
    arr = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    return [round(float(x), digits) for x in np.quantile(arr, QUANTILES)]


def per_tier(frame: pd.DataFrame, column: str, *, digits: int = 5) -> dict:
    """Quantiles of ``column`` per tier; thin tiers borrow the nearest tier with enough creators."""
    result, counts = {}, frame.groupby("tier")[column].count().to_dict()
    names = [t for t, _ in TIERS]
    for i, tier in enumerate(names):
        by_distance = sorted(names, key=lambda t: (abs(names.index(t) - i), names.index(t)))
        source = next((t for t in by_distance if counts.get(t, 0) >= MIN_CREATORS_PER_TIER), None)
        values = frame.loc[frame.tier == source, column]
        result[tier] = {
            "n": int(counts.get(source, 0)),
            "from_tier": source,
            "quantiles": quantiles(values, digits=digits),
        }
    return result


def person_names() -> frozenset[str]:
    names: set[str] = set()
    for locale in ("en_US", "en_GB", "en_IN", "es_ES", "es_MX", "pt_BR", "fr_FR", "de_DE", "it_IT", "id_ID", "tr_TR"):
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female", "last_names"):
            names.update(n.lower() for n in getattr(provider, attr, ()) if isinstance(n, str))
    return frozenset(names - NOT_NAMES)


def known_handles(shared: Path) -> frozenset[str]:
    """Every handle / channel / display name in the datasets, squashed to lowercase letters and digits."""
    raw: set[str] = set()
    raw.update(pd.read_csv(shared / "kim-instagram-influencers/influencers.txt", sep="\t", skiprows=[1]).Username)
    social = pd.read_csv(shared / "social-media-influencers-2022/normalized_all_snapshots.csv")
    raw.update(social.handle.dropna())
    raw.update(social.display_name.dropna())
    raw.update(tiktok_videos(shared).user_name)
    raw.update(pd.read_csv(shared / "tiktok-top-creators-2020/top-250-tiktokers.csv").Username.str.lstrip("@"))
    raw.update(pd.read_csv(shared / "youtube-trending-us-2017/USvideos.csv").channel_title)
    raw.update(pd.read_csv(shared / "global-youtube-stats-2023/global_youtube_statistics_2023.csv").Youtuber)
    raw.update(pd.read_csv(shared / "twitch-top-streamers-2019/twitchdata-update.csv").Channel)
    squashed = {re.sub(r"[^a-z0-9]", "", str(h).lower()) for h in raw}
    return frozenset(h for h in squashed if len(h) >= 3)


def tiktok_videos(shared: Path) -> pd.DataFrame:
    files = sorted((shared / "tiktok-top-creators-2020").glob("*vids*.csv"))
    return pd.concat([pd.read_csv(f) for f in files]).drop_duplicates("id")


def niche_shares(counter: Counter) -> dict[str, float]:
    total = sum(counter.values())
    return {k: v / total for k, v in counter.items()} if total else {}


# ----------------------------------------------------------------------- tables


def follower_histogram(kim: pd.DataFrame, tiktok_creators: pd.DataFrame) -> dict:
    followers = np.concatenate([kim["#Followers"].to_numpy(float), tiktok_creators.followers.to_numpy(float)])
    counts, _ = np.histogram(followers, bins=HIST_EDGES)
    return {
        "sources": ["kim-instagram-influencers", "tiktok-top-creators-2020"],
        "edges": HIST_EDGES,
        "counts": [int(c) for c in counts],
        "share": [round(float(c) / counts.sum(), 5) for c in counts],
    }


def tiktok_creator_metrics(videos: pd.DataFrame) -> pd.DataFrame:
    videos = videos[videos.n_plays > 0].copy()
    videos["engagement"] = (videos.n_likes + videos.n_comments + videos.n_shares) / videos.n_plays
    per_creator = videos.groupby("user_name").agg(
        followers=("n_followers", "max"),
        median_plays=("n_plays", "median"),
        engagement=("engagement", "median"),
        videos=("id", "count"),
    )
    medians = videos.groupby("user_name").n_plays.transform("median")
    videos["hit"] = videos.n_plays >= HIT_MULTIPLE * medians
    per_creator["hit_share"] = videos.groupby("user_name").hit.mean()
    per_creator = per_creator[(per_creator.videos >= 5) & (per_creator.followers > 0)]
    per_creator["views_per_follower"] = per_creator.median_plays / per_creator.followers
    per_creator["tier"] = per_creator.followers.map(tier_of)
    return per_creator.dropna(subset=["tier"])


def social_views_per_follower(social: pd.DataFrame) -> pd.DataFrame:
    # Top-1000 lists: a row under a million followers is a parse error upstream, not a small creator.
    rows = social[social.platform.isin(["tiktok", "youtube"]) & (social.followers >= 1e6) & (social.avg_views > 0)]
    latest = rows.sort_values("snapshot").groupby(["platform", "handle"]).last()
    frame = pd.DataFrame({"followers": latest.followers, "views_per_follower": latest.avg_views / latest.followers})
    frame["tier"] = frame.followers.map(tier_of)
    return frame.dropna(subset=["tier"]).reset_index(drop=True)


def follower_growth(social: pd.DataFrame, youtube: pd.DataFrame) -> dict:
    """Monthly growth: June → December 2022 snapshots (6 months) and YouTube's own 30-day figure."""
    snap = social[social.snapshot.isin(["06", "12"]) & (social.followers > 0)]
    wide = snap.pivot_table(index=["platform", "handle"], columns="snapshot", values="followers", aggfunc="max")
    wide = wide.dropna()
    monthly = (wide["12"] / wide["06"]) ** (1 / 6) - 1
    yt = youtube[(youtube.subscribers > 0) & youtube.subscribers_for_last_30_days.notna()]
    yt_growth = yt.subscribers_for_last_30_days / yt.subscribers
    values = np.concatenate([monthly.to_numpy(float), yt_growth.to_numpy(float)])
    values = values[(values > -0.5) & (values < 1)]
    return {"n": len(values), "quantiles": quantiles(values)}


def interest_mix(shared: Path, kim: pd.DataFrame, social: pd.DataFrame, youtube: pd.DataFrame) -> dict:
    """Niche shares per tier; each tier blends its own counts (70 %) with the pooled mix (30 %)."""
    per_dataset: dict[str, list[tuple[str, str]]] = defaultdict(list)  # dataset → [(tier, niche)]
    for _, row in kim.iterrows():
        per_dataset["kim"].append((tier_of(row["#Followers"]), KIM_CATEGORIES.get(row.Category)))
    latest = social[social.platform.isin(["instagram", "youtube"])].sort_values("snapshot")
    latest = latest.groupby(["platform", "handle"]).last()
    for _, row in latest.iterrows():
        per_dataset["social2022"].append((tier_of(row.followers), HYPEAUDITOR_CATEGORIES.get(row.category_1)))
    for _, row in youtube.iterrows():
        per_dataset["global_youtube"].append((tier_of(row.subscribers), YOUTUBE_CATEGORIES.get(row.category)))
    top = pd.read_csv(shared / "tiktok-top-creators-2020/top-250-tiktokers.csv")
    for _, row in top.dropna(subset=["Genre"]).iterrows():
        genre = row.Genre.split(",")[0].strip()
        per_dataset["tiktok_top250"].append((tier_of(parse_count(row.Followers)), TIKTOK_GENRES.get(genre)))

    pooled: Counter = Counter()
    by_tier: dict[str, Counter] = defaultdict(Counter)
    for pairs in per_dataset.values():
        kept = [(t, n) for t, n in pairs if t and n]
        for niche, share in niche_shares(Counter(n for _, n in kept)).items():
            pooled[niche] += share / len(per_dataset)
        for tier, niche in kept:
            by_tier[tier][niche] += 1
    result = {}
    for tier, _ in TIERS:
        own = niche_shares(by_tier[tier])
        mix = {n: 0.7 * own.get(n, 0.0) + 0.3 * pooled[n] for n in pooled}
        result[tier] = {"n": sum(by_tier[tier].values()), "niches": {n: round(v, 5) for n, v in sorted(mix.items())}}
    return result


def parse_count(text) -> float:
    """'78.9m' / '622.6k' / '1500' → a number."""
    if isinstance(text, int | float):
        return float(text)
    value = str(text).strip().lower().replace(",", "")
    scale = {"k": 1e3, "m": 1e6, "b": 1e9}.get(value[-1:], 1)
    return float(value.rstrip("kmb")) * scale


def audience_countries(social: pd.DataFrame, codes: dict[str, str]) -> dict:
    """Instagram top-audience country (one vote per creator, latest snapshot)."""
    insta = social[(social.platform == "instagram") & social.audience_country.notna()].sort_values("snapshot")
    latest = insta.groupby("handle").last()
    counter = Counter(codes.get(c) for c in latest.audience_country)
    counter.pop(None, None)
    total = sum(counter.values())
    return {"n": total, "share": {c: round(n / total, 5) for c, n in counter.most_common() if n / total >= 0.002}}


def creator_countries(shared: Path, social: pd.DataFrame, youtube: pd.DataFrame, codes: dict[str, str]) -> dict:
    """Creators' own country: YouTube channel country (2022 lists and 2023 stats) and the TikTok top 250."""
    yt = social[(social.platform == "youtube") & social.audience_country.notna()].sort_values("snapshot")
    names = list(yt.groupby("handle").last().audience_country) + list(youtube.Country.dropna())
    names += list(pd.read_csv(shared / "tiktok-top-creators-2020/top-250-tiktokers.csv").Country.dropna())
    counter = Counter(codes.get(n) for n in names)
    counter.pop(None, None)
    total = sum(counter.values())
    return {"n": total, "share": {c: round(n / total, 5) for c, n in counter.most_common() if n / total >= 0.002}}


def country_codes() -> dict[str, str]:
    with REGIONS.open(encoding="utf-8") as fh:
        codes = {row["name"]: row["code"] for row in csv.DictReader(fh, delimiter="\t") if row["kind"] == "country"}
    return {**codes, **COUNTRY_ALIASES}


def interest_for(word: str) -> str | None:
    """The interest whose stem the word starts or ends with (first match in VOCAB_STEMS order)."""
    for interest, stems in VOCAB_STEMS.items():
        for stem in stems:
            if len(stem) <= 3:
                if any(word == stem + suffix for suffix in SHORT_STEM_SUFFIXES):
                    return interest
            elif word.startswith(stem) or word.endswith(stem):
                return interest
    return None


def usable_word(word: str, *, blocked: frozenset[str], names: frozenset[str]) -> bool:
    return not (
        word in STOPWORDS
        or word in names
        or word in blocked
        or word in BLOCKED_WORDS
        or any(s in word for s in SEASONAL)
    )


def hashtag_vocabulary(videos: pd.DataFrame, *, blocked: frozenset[str], names: frozenset[str]) -> dict:
    creators_by_tag: dict[str, set[str]] = defaultdict(set)
    videos_by_tag: Counter = Counter()
    ad_videos_by_tag: Counter = Counter()
    for user, raw in zip(videos.user_name, videos.hashtags, strict=True):
        tags = {str(t).lower() for t in ast.literal_eval(raw)} if isinstance(raw, str) else set()
        is_ad = bool(tags & AD_MARKERS) or any("partner" in t for t in tags)
        for tag in tags:
            videos_by_tag[tag] += 1
            ad_videos_by_tag[tag] += is_ad
            if re.fullmatch(r"[a-z][a-z0-9]{2,24}", tag):
                creators_by_tag[tag].add(user)
    usable = {
        tag: len(users)
        for tag, users in creators_by_tag.items()
        if len(users) >= MIN_DISTINCT_CREATORS
        and ad_videos_by_tag[tag] / videos_by_tag[tag] < AD_SHARE_LIMIT
        and usable_word(tag, blocked=blocked, names=names)
    }
    by_interest: dict[str, list] = defaultdict(list)
    for tag, n in sorted(usable.items(), key=lambda x: (-x[1], x[0])):
        interest = interest_for(tag)
        if interest and len(by_interest[interest]) < VOCAB_SIZE:
            by_interest[interest].append([tag, n])
    general = [[t, n] for t, n in sorted(usable.items(), key=lambda x: (-x[1], x[0])) if n >= MIN_GENERAL_CREATORS]
    return {"general": general[:GENERAL_HASHTAGS], "by_interest": dict(sorted(by_interest.items()))}


def title_vocabulary(shared: Path, *, blocked: frozenset[str], names: frozenset[str]) -> dict:
    """Lowercase words from trending titles and tags, per interest, used by enough distinct channels."""
    videos = pd.read_csv(shared / "youtube-trending-us-2017/USvideos.csv").drop_duplicates("video_id")
    categories = json.loads((shared / "youtube-trending-us-2017/US_category_id.json").read_text(encoding="utf-8"))
    category_name = {int(item["id"]): item["snippet"]["title"] for item in categories["items"]}
    channels: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # interest → word → channels
    all_channels: dict[str, set[str]] = defaultdict(set)
    for _, row in videos.iterrows():
        niche = YOUTUBE_CATEGORIES.get(category_name.get(int(row.category_id), ""))
        if niche is None:
            continue
        interest = NICHES[niche][0]
        text = f"{row.title} {'' if row.tags == '[none]' else str(row.tags).replace('|', ' ')}".lower()
        for word in set(re.findall(r"[a-z]{3,20}", text)):
            if not usable_word(word, blocked=blocked, names=names):
                continue
            channels[interest_for(word) or interest][word].add(row.channel_title)
            all_channels[word].add(row.channel_title)
    result = {}
    total = len({c for words in all_channels.values() for c in words}) or 1
    for interest, words in channels.items():
        n_interest = len({c for cs in words.values() for c in cs}) or 1
        scored = []
        for word, chans in words.items():
            if len(chans) < MIN_DISTINCT_CREATORS:
                continue
            lift = (len(chans) / n_interest) / (len(all_channels[word]) / total)
            if lift >= 1.5:
                scored.append((word, len(chans), lift))
        scored.sort(key=lambda x: (-x[1] * math.log1p(x[2]), x[0]))
        result[interest] = [[w, n] for w, n, _ in scored[:VOCAB_SIZE]]
    return dict(sorted(result.items()))


def rate_card_spread(youtube: pd.DataFrame) -> dict:
    """Estimated earnings per 1,000 monthly views (Social Blade's low and high estimates).

    The generator reads the low–high range as the 5th–95th percentile of what same-reach
    creators charge, so ``log_sigma`` is the spread of its log-normal price factor.
    """
    yt = youtube[(youtube.video_views_for_the_last_30_days > 0) & (youtube.lowest_monthly_earnings > 0)]
    per_k_views = yt.video_views_for_the_last_30_days / 1000
    low = float(np.median(yt.lowest_monthly_earnings / per_k_views))
    high = float(np.median(yt.highest_monthly_earnings / per_k_views))
    return {
        "n": len(yt),
        "ad_cpm_usd_low": round(low, 4),
        "ad_cpm_usd_high": round(high, 4),
        "log_sigma": round(math.log(high / low) / (2 * 1.645), 4),
    }


def sponsor_kinds(shared: Path) -> list[dict]:
    domains = pd.read_csv(shared / "youniverse-sponsor-domains/domains_classification.csv")
    sponsored = domains[domains.is_sponsored == 1].domain_category.dropna()
    counter = Counter(k for k in sponsored if k in SPONSOR_KINDS)
    total = sum(counter.values())
    with IAB_AD_PRODUCT.open(encoding="utf-8", newline="") as fh:
        known = {row[0] for row in csv.reader(fh, delimiter="\t") if row}
    missing = {v for v in SPONSOR_KINDS.values() if v not in known}
    if missing:
        raise SystemExit(f"SPONSOR_KINDS points at unknown Ad Product ids: {sorted(missing)}")
    return [
        {"kind": kind, "share": round(n / total, 5), "product_category": SPONSOR_KINDS[kind]}
        for kind, n in counter.most_common()
    ]


def check_niches() -> None:
    with IAB_CONTENT.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))[2:]
    interest_of = {r[0]: r[3] for r in rows if r}
    for niche, (interest, labels) in NICHES.items():
        wrong = [label for label in labels if interest_of.get(label) != interest]
        if wrong:
            raise SystemExit(f"niche {niche}: labels {wrong} are not in {interest}")


# ------------------------------------------------------------------------- main


def derive(shared: Path) -> dict:
    check_niches()
    kim = pd.read_csv(shared / "kim-instagram-influencers/influencers.txt", sep="\t", skiprows=[1])
    social = pd.read_csv(shared / "social-media-influencers-2022/normalized_all_snapshots.csv", dtype={"snapshot": str})
    youtube = pd.read_csv(shared / "global-youtube-stats-2023/global_youtube_statistics_2023.csv", na_values=["nan"])
    videos = tiktok_videos(shared)
    tiktok = tiktok_creator_metrics(videos)
    views = pd.concat([tiktok[["followers", "views_per_follower", "tier"]], social_views_per_follower(social)])
    codes = country_codes()
    blocked, names = known_handles(shared), person_names()
    return {
        "about": "Aggregate figures for the demo generator; see data/demo/README.md. Built by "
        "data/derive/derive_demo_tables.py from the shared datasets; no real handles, names or captions.",
        "tiers": [{"name": t, "min_followers": low} for t, low in TIERS],
        "follower_histogram": follower_histogram(kim, tiktok),
        "engagement_rate": per_tier(tiktok.reset_index(), "engagement"),
        "views_per_follower": per_tier(views.reset_index(drop=True), "views_per_follower"),
        "hit_video_share": {"hit_multiple_of_median": HIT_MULTIPLE, **per_tier(tiktok.reset_index(), "hit_share")},
        "follower_growth_30d": follower_growth(social, youtube),
        "niches": {n: {"interest": i, "labels": list(labels)} for n, (i, labels) in NICHES.items()},
        "niche_mix": interest_mix(shared, kim, social, youtube),
        "audience_country": audience_countries(social, codes),
        "creator_country": creator_countries(shared, social, youtube, codes),
        "hashtags": hashtag_vocabulary(videos, blocked=blocked, names=names),
        "title_words": title_vocabulary(shared, blocked=blocked, names=names),
        "rate_card": rate_card_spread(youtube),
        "sponsor_kinds": sponsor_kinds(shared),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", type=Path, help="the shared data folder (with kim-instagram-influencers/ etc.)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    tables = derive(args.shared)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(tables, indent=1, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

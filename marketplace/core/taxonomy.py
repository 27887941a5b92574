"""The IAB catalogue: parse the files in data/iab/ and load them idempotently.

Content Taxonomy 3.1 becomes Interests (its 37 tier-1 nodes) and Labels (all 704 nodes, tier 1
included); Ad Product Taxonomy 2.0 becomes ProductCategories; IAB's Ad Product 2.0 → Content 1.0
mapping, read through our hand-made Content 1.0 → 3.1 crosswalk, becomes ProductInterestPriors.
data/iab/README.md documents the files and the few places where IAB's own columns disagree.

The tree is taken from the tier columns (a node's parent is the node whose tier path is its own
minus the last step), not from the Parent column: that column points at the wrong node in a few
rows (e.g. Ad Product 1000 and 1037 name themselves as parent).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction

from marketplace.core.models import Interest, Label, ProductCategory, ProductInterestPrior

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "iab"
CONTENT_FILE = "content_taxonomy_3.1.tsv"
AD_PRODUCT_FILE = "ad_product_taxonomy_2.0.tsv"
PRODUCT_MAP_FILE = "map_ad_product_2.0_to_content_1.0.tsv"
CROSSWALK_FILE = "crosswalk_content_1.0_to_3.1.tsv"
# Our Simplified Chinese names for every node of both taxonomies (data/iab/README.md).
NAMES_ZH_HANS_FILE = "names_zh_hans.tsv"
CONTENT_TAXONOMY = "content_3.1"
AD_PRODUCT_TAXONOMY = "ad_product_2.0"
PATH_SEP = " > "
# A label weight below this rounds to 0.000: in an import it means "without this label", as exports
# that list every label with its score write it (docs/import-creators.md, docs/import-history.md).
LABEL_WEIGHT_DROPPED_BELOW = 0.0005
# Content 1.0 tier-1 codes that describe brand safety, not a subject: Uncategorized,
# Non-Standard Content and Illegal Content. Products IAB maps there get no interest prior.
NO_PRIOR_CONTENT_1_0 = frozenset({"IAB24", "IAB25", "IAB26"})


class TaxonomyFileError(ValueError):
    """A taxonomy file does not have the shape this loader expects."""


@dataclass(frozen=True)
class Node:
    """One node of a tiered IAB taxonomy, with its parent resolved from the tier columns."""

    iab_id: str
    name: str
    tiers: tuple[str, ...]
    parent_iab_id: str | None

    @property
    def tier(self) -> int:
        return len(self.tiers)

    @property
    def path(self) -> str:
        return PATH_SEP.join(self.tiers)


@dataclass(frozen=True)
class CrosswalkRow:
    """Content 1.0 code → the best Content 3.1 node, and optionally a weaker second one."""

    content_1_0_id: str
    primary_id: str | None
    secondary_id: str | None = None
    secondary_weight: float | None = None


@dataclass
class SyncCounts:
    total: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


@dataclass
class LoadResult:
    interests: SyncCounts = field(default_factory=SyncCounts)
    labels: SyncCounts = field(default_factory=SyncCounts)
    product_categories: SyncCounts = field(default_factory=SyncCounts)
    priors: SyncCounts = field(default_factory=SyncCounts)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in (self.interests, self.labels, self.product_categories, self.priors))


# ------------------------------------------------------------------ parsing


def _read_tsv(path: Path, *, skip: int) -> Iterator[list[str]]:
    """Rows of a tab-separated file with every cell stripped; blank rows are dropped."""
    with path.open(encoding="utf-8", newline="") as fh:
        for number, row in enumerate(csv.reader(fh, delimiter="\t"), start=1):
            if number <= skip:
                continue
            cells = [cell.strip() for cell in row]
            if any(cells):
                yield cells


def _tree(rows: Iterable[tuple[str, Sequence[str]]], *, source: str) -> list[Node]:
    """Nodes from (id, tier values) pairs, parents linked by tier path, parents before children."""
    by_path: dict[tuple[str, ...], str] = {}
    items: list[tuple[str, tuple[str, ...]]] = []
    for iab_id, tier_values in rows:
        tiers = tuple(t for t in tier_values if t)
        if not iab_id or not tiers:
            raise TaxonomyFileError(f"{source}: row {iab_id!r} has no id or no tier name")
        if tiers in by_path:
            raise TaxonomyFileError(f"{source}: {PATH_SEP.join(tiers)!r} appears twice")
        by_path[tiers] = iab_id
        items.append((iab_id, tiers))
    nodes = []
    for iab_id, tiers in items:
        parent = None
        if len(tiers) > 1:
            parent = by_path.get(tiers[:-1])
            if parent is None:
                raise TaxonomyFileError(f"{source}: no parent node for {PATH_SEP.join(tiers)!r}")
        nodes.append(Node(iab_id=iab_id, name=tiers[-1], tiers=tiers, parent_iab_id=parent))
    return sorted(nodes, key=lambda n: n.tier)


def parse_content_taxonomy(path: Path) -> list[Node]:
    """Content Taxonomy 3.1: two header lines, then `Unique ID, Parent, Name, Tier 1..4, Extension`."""
    return _tree(((row[0], row[3:7]) for row in _read_tsv(path, skip=2)), source=path.name)


def parse_ad_product_taxonomy(path: Path) -> list[Node]:
    """Ad Product Taxonomy 2.0: one header line, then `Unique ID, Parent ID, Name, Tier 1..3`."""
    return _tree(((row[0], row[3:6]) for row in _read_tsv(path, skip=1)), source=path.name)


def parse_product_map(path: Path) -> dict[str, str]:
    """Ad Product 2.0 id → Content 1.0 code (two header lines; id in column 2, code in column 7)."""
    return {row[1]: row[6] for row in _read_tsv(path, skip=2) if row[1] and row[6]}


def parse_crosswalk(path: Path) -> dict[str, CrosswalkRow]:
    """Our Content 1.0 → 3.1 crosswalk (one header line; see data/iab/README.md)."""
    result = {}
    for row in _read_tsv(path, skip=1):
        row = row + [""] * (7 - len(row))
        code, primary, secondary, weight = row[0], row[2], row[4], row[6]
        if secondary and not weight:
            raise TaxonomyFileError(f"{path.name}: {code} has a secondary node without a weight")
        result[code] = CrosswalkRow(
            content_1_0_id=code,
            primary_id=primary or None,
            secondary_id=secondary or None,
            secondary_weight=float(weight) if secondary else None,
        )
    return result


def parse_names_zh_hans(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(taxonomy, iab_id) → (English name, Chinese name); one header line."""
    result = {}
    for row in _read_tsv(path, skip=1):
        if len(row) != 4 or not all(row):
            raise TaxonomyFileError(f"{path.name}: row {row!r} needs taxonomy, iab_id, name, name_zh_hans")
        taxonomy, iab_id, name, name_zh = row
        if (taxonomy, iab_id) in result:
            raise TaxonomyFileError(f"{path.name}: {taxonomy} {iab_id} appears twice")
        result[(taxonomy, iab_id)] = (name, name_zh)
    return result


def chinese_names(
    nodes: Sequence[Node], *, taxonomy: str, names: dict[tuple[str, str], tuple[str, str]]
) -> dict[str, dict[str, str]]:
    """iab_id → {"name_zh_hans", "path_zh_hans"} for ``nodes`` (parents before children).

    A translation is used only while its English name is still the node's name, so a renamed
    node shows its new English name rather than the old translation; its path keeps the
    ancestors' Chinese names.
    """
    result: dict[str, dict[str, str]] = {}
    for node in nodes:
        english, chinese = names.get((taxonomy, node.iab_id), ("", ""))
        name = chinese if english == node.name else ""
        parent_path = result[node.parent_iab_id]["path_zh_hans"] if node.parent_iab_id else ""
        own = name or node.name
        result[node.iab_id] = {
            "name_zh_hans": name,
            "path_zh_hans": f"{parent_path}{PATH_SEP}{own}" if parent_path else own,
        }
    return result


def derive_priors(
    *, product_map: dict[str, str], crosswalk: dict[str, CrosswalkRow], content: Sequence[Node]
) -> dict[tuple[str, str], float]:
    """(product iab_id, interest iab_id) → weight in (0, 1].

    The crosswalk's primary node gives its interest weight 1.0, the secondary node its own
    weight; when both fall in one interest the larger weight wins. Products IAB maps to
    Uncategorized / Non-Standard / Illegal content get nothing.
    """
    interest_of = _interest_of(content)
    priors: dict[tuple[str, str], float] = {}
    for product_id, code in product_map.items():
        if code.split("-")[0] in NO_PRIOR_CONTENT_1_0:
            continue
        row = crosswalk.get(code)
        if row is None:
            raise TaxonomyFileError(f"{CROSSWALK_FILE}: no row for Content 1.0 code {code}")
        for node_id, weight in ((row.primary_id, 1.0), (row.secondary_id, row.secondary_weight)):
            if node_id is None or weight is None:
                continue
            if node_id not in interest_of:
                raise TaxonomyFileError(f"{CROSSWALK_FILE}: {code} points at unknown 3.1 node {node_id}")
            if not 0 < weight <= 1:
                raise TaxonomyFileError(f"{CROSSWALK_FILE}: {code} has weight {weight} outside (0, 1]")
            key = (product_id, interest_of[node_id])
            priors[key] = max(weight, priors.get(key, 0.0))
    return priors


def _interest_of(content: Sequence[Node]) -> dict[str, str]:
    """Content node id → the id of its tier-1 ancestor (the interest)."""
    roots = {node.name: node.iab_id for node in content if node.tier == 1}
    return {node.iab_id: roots[node.tiers[0]] for node in content}


# ------------------------------------------------------------------ loading


@transaction.atomic
def load_taxonomy(*, data_dir: Path = DATA_DIR) -> LoadResult:
    """Upsert the whole catalogue on ``iab_id``; running it again changes nothing.

    Labels and product categories are never deleted (orders and creators point at them with
    PROTECT); priors are derived data, so priors no longer derived are removed.
    """
    content = parse_content_taxonomy(data_dir / CONTENT_FILE)
    products = parse_ad_product_taxonomy(data_dir / AD_PRODUCT_FILE)
    priors = derive_priors(
        product_map=parse_product_map(data_dir / PRODUCT_MAP_FILE),
        crosswalk=parse_crosswalk(data_dir / CROSSWALK_FILE),
        content=content,
    )
    names = parse_names_zh_hans(data_dir / NAMES_ZH_HANS_FILE)
    content_zh = chinese_names(content, taxonomy=CONTENT_TAXONOMY, names=names)
    products_zh = chinese_names(products, taxonomy=AD_PRODUCT_TAXONOMY, names=names)
    result = LoadResult()
    result.interests = _sync(
        Interest,
        {
            n.iab_id: {"name": n.name, "name_zh_hans": content_zh[n.iab_id]["name_zh_hans"]}
            for n in content
            if n.tier == 1
        },
    )
    interest_pk = dict(Interest.objects.values_list("iab_id", "pk"))
    interest_of = _interest_of(content)
    result.labels = _sync_tree(
        Label, content, extra=lambda n: {"interest_id": interest_pk[interest_of[n.iab_id]], **content_zh[n.iab_id]}
    )
    result.product_categories = _sync_tree(ProductCategory, products, extra=lambda n: products_zh[n.iab_id])
    product_pk = dict(ProductCategory.objects.values_list("iab_id", "pk"))
    result.priors = _sync_priors(
        {(product_pk[product], interest_pk[interest]): weight for (product, interest), weight in priors.items()}
    )
    return result


def _sync(model: type[models.Model], wanted: dict[str, dict]) -> SyncCounts:
    """Create missing rows and update differing ones, keyed on ``iab_id``."""
    existing = {obj.iab_id: obj for obj in model.objects.filter(iab_id__in=list(wanted))}
    to_create, to_update = [], []
    for iab_id, values in wanted.items():
        obj = existing.get(iab_id)
        if obj is None:
            to_create.append(model(iab_id=iab_id, **values))
        elif any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            to_update.append(obj)
    model.objects.bulk_create(to_create)
    if to_update:
        model.objects.bulk_update(to_update, fields=list(next(iter(wanted.values()))))
    return SyncCounts(total=len(wanted), created=len(to_create), updated=len(to_update))


def _sync_tree(model: type[models.Model], nodes: Sequence[Node], extra=lambda node: {}) -> SyncCounts:
    """Sync tier by tier, so every parent has its primary key before its children are written."""
    counts = SyncCounts()
    pk: dict[str, int] = {}
    for tier in sorted({n.tier for n in nodes}):
        layer = [n for n in nodes if n.tier == tier]
        wanted = {
            n.iab_id: {
                "name": n.name,
                "path": n.path,
                "tier": n.tier,
                "parent_id": pk[n.parent_iab_id] if n.parent_iab_id else None,
                **extra(n),
            }
            for n in layer
        }
        layer_counts = _sync(model, wanted)
        pk.update(model.objects.filter(iab_id__in=list(wanted)).values_list("iab_id", "pk"))
        counts.total += layer_counts.total
        counts.created += layer_counts.created
        counts.updated += layer_counts.updated
    return counts


def _sync_priors(wanted: dict[tuple[int, int], float]) -> SyncCounts:
    existing = {(row.product_category_id, row.interest_id): row for row in ProductInterestPrior.objects.all()}
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    to_update = []
    to_create = []
    for (product_id, interest_id), weight in wanted.items():
        row = existing.get((product_id, interest_id))
        if row is None:
            to_create.append(
                ProductInterestPrior(product_category_id=product_id, interest_id=interest_id, weight=weight)
            )
        elif row.weight != weight:
            row.weight = weight
            to_update.append(row)
    ProductInterestPrior.objects.filter(pk__in=stale).delete()
    ProductInterestPrior.objects.bulk_create(to_create)
    ProductInterestPrior.objects.bulk_update(to_update, fields=["weight"])
    return SyncCounts(total=len(wanted), created=len(to_create), updated=len(to_update), deleted=len(stale))

"""The feature snapshot the ranker reads: column-major numpy arrays plus sparse label/region matrices.

Built in one pass from plain pandas frames (matching.features reads them from PostgreSQL),
saved as .npy / .npz files under MATCHING_SNAPSHOT_DIR/<version>/ and loaded once per worker.
Creators are rows sorted by id, so new creators append at the end; a ranking shard holds the creators whose
id modulo the shard count is its number (``shards.shard_of``). By concern:

- ``layout``: what a snapshot holds — the raw columns and frames, the Catalogue, the Snapshot arrays,
  the metric rows (METRIC_NAMES) and the saved layout's version;
- ``derive``: every array derived from the frames (percentiles, matrices, the static score part, the
  metric rows) and from a track record (history_view, which training calls as of past dates);
- ``builder``: build, patch (changed creators into a snapshot) and build_rows;
- ``shards``: which shard is a creator's home (shard_of, the one rule) and one shard's part of a
  snapshot (take, shard_rows, shard_frames);
- ``storage``: save (with each shard's part), load, load_shard, load_reference, current_version, prune.

Every name is importable from ``matching.snapshot`` itself; import from a submodule only what is
private to the package.
"""

from matching.snapshot.builder import (
    build,
    build_rows,
    patch,
)
from matching.snapshot.derive import (
    DENSE_REGION_MIN_SHARE,
    DENSE_REGIONS,
    UNKNOWN_PERCENTILE,
    conversion_standing,
    history_view,
    track_prior,
)
from matching.snapshot.layout import (
    BASE_METRICS,
    CREATOR_COLUMNS,
    EVENT_COLUMNS,
    EXPLORATION_ORDERS,
    FORMAT,
    HISTORY_METRICS,
    METRIC_NAMES,
    PERFORMANCE_PARTS,
    QUANTILES,
    Catalogue,
    Frames,
    Snapshot,
    empty_events,
    exploration_boost,
    metric_rows,
    orders_on_record,
)
from matching.snapshot.shards import (
    shard_frames,
    shard_of,
    shard_rows,
    take,
)
from matching.snapshot.storage import (
    current_version,
    date_ordinal,
    load,
    load_reference,
    load_shard,
    prune,
    save,
)

__all__ = [
    "BASE_METRICS",
    "CREATOR_COLUMNS",
    "DENSE_REGIONS",
    "DENSE_REGION_MIN_SHARE",
    "EVENT_COLUMNS",
    "EXPLORATION_ORDERS",
    "FORMAT",
    "HISTORY_METRICS",
    "METRIC_NAMES",
    "PERFORMANCE_PARTS",
    "QUANTILES",
    "UNKNOWN_PERCENTILE",
    "Catalogue",
    "Frames",
    "Snapshot",
    "build",
    "build_rows",
    "conversion_standing",
    "current_version",
    "date_ordinal",
    "empty_events",
    "exploration_boost",
    "history_view",
    "load",
    "load_reference",
    "load_shard",
    "metric_rows",
    "orders_on_record",
    "patch",
    "prune",
    "save",
    "shard_frames",
    "shard_of",
    "shard_rows",
    "take",
    "track_prior",
]

"""The worker's snapshot: built from PostgreSQL, saved under MATCHING_SNAPSHOT_DIR, loaded once per
process and refreshed incrementally from creators edited since its watermark.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from creators.track_record.selectors import PRIOR_CACHE_KEY
from matching import features, scoring, snapshot
from matching.snapshot import Snapshot

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[str, Snapshot] = {}
# Rows are read by updated_at, which is stamped before commit; re-reading a short overlap catches a
# transaction that committed after a newer one was read.
REFRESH_OVERLAP = timedelta(seconds=120)
# Whether this process ranks with the compiled kernels (matching.kernels, numba). Loading them costs about a
# second (numba's import and its on-disk cache); the plain NumPy path (scoring.rank_reference) gives the same
# ranking bit for bit (tests/matching/test_kernels.py) in one to two times the kernels' time per order
# (docs/performance.md). A worker ranks many orders and loads them with its snapshot; a command that ranks a
# few orders in a fresh process is done sooner without them (rank_order, docs/performance.md).
_compiled = True
# Whether loading a snapshot stores its track-record prior in the cache for the profile pages: the process
# that built it did, and every worker does when it loads one; a one-off command need not (nor load Redis's client).
_publishes_prior = True


def root():
    path = settings.MATCHING_SNAPSHOT_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_version() -> str:
    return timezone.now().strftime("%Y%m%dT%H%M%S%fZ")


def rebuild() -> Snapshot:
    """Full rebuild from PostgreSQL; saved and made current for every worker."""
    frames, watermark = features.fetch_frames()
    snap = snapshot.build(frames, features.catalogue(), version=new_version(), watermark=watermark)
    snapshot.save(snap, root(), shards=settings.MATCHING_SHARDS)
    snapshot.prune(root())
    # The profile pages shrink a creator's record toward the same prior the ranker uses.
    cache.set(PRIOR_CACHE_KEY, snapshot.track_prior(snap.reference).as_dict(), None)
    if _compiled:
        scoring.warm(snap)
    with _lock:
        # A shard worker (MATCHING_SHARD set) keeps only its shard in memory, never the whole snapshot.
        if settings.MATCHING_SHARD is None:
            _cache["current"] = snap
    log.info("matching snapshot %s built: %d creators", snap.version, snap.n)
    return snap


def current(*, refresh: bool = True) -> Snapshot:
    """The snapshot this process ranks with: loaded once, rebuilt when none exists, refreshed if asked."""
    return _loaded("current", lambda version: snapshot.load(root(), version), refresh=refresh)


def shard(number: int, shards: int, *, refresh: bool = True) -> Snapshot:
    """Shard ``number`` of ``shards`` of the snapshot (its creators only: matching.snapshot.shards), loaded
    once per process from the shard's own files and refreshed with only its own creators' edits. With one
    shard, the whole snapshot (``current``)."""
    if shards <= 1:
        return current(refresh=refresh)
    return _loaded(
        f"shard {number}/{shards}",
        lambda version: snapshot.load_shard(root(), number, shards, version),
        refresh=refresh,
        only=(number, shards),
    )


def _loaded(key: str, load, *, refresh: bool, only: tuple[int, int] | None = None) -> Snapshot:
    with _lock:
        snap = _cache.get(key)
        disk = snapshot.current_version(root())
        if snap is None or (disk and disk > snap.version.split("+")[0]):
            snap = load(disk) if disk else None
            if snap is not None:
                if _compiled:
                    scoring.warm(snap)  # the ranker's compiled kernels, so the first order is not slow
                if _publishes_prior:
                    cache.set(PRIOR_CACHE_KEY, snapshot.track_prior(snap.reference).as_dict(), None)
                _cache[key] = snap
                log.info("matching %s of snapshot %s loaded: %d creators", key, snap.version, snap.n)
    if snap is None:
        rebuilt = rebuild()
        if only is None:
            return rebuilt
        return _loaded(key, load, refresh=refresh, only=only)
    return refresh_incremental(snap, key=key, only=only) if refresh else snap


@contextmanager
def one_off(*, compiled: bool = False):
    """Within the block, this process is a short one-off that ranks a few orders and exits (rank_order): it
    ranks with the compiled kernels only if ``compiled`` (else with the NumPy path, and loads a snapshot
    without warming them), and loading a snapshot does not republish its prior to the cache."""
    global _compiled, _publishes_prior
    before = _compiled, _publishes_prior
    _compiled, _publishes_prior = compiled, False
    try:
        yield
    finally:
        _compiled, _publishes_prior = before


def rank(snap: Snapshot, query: scoring.OrderQuery, k: int) -> scoring.Ranking:
    """The order's top ``k``: with the compiled kernels, or with the NumPy path where this process goes without
    them (the same ranking, bit for bit)."""
    return (scoring.rank if _compiled else scoring.rank_reference)(snap, query, k)


def refresh_incremental(snap: Snapshot, *, key: str = "current", only: tuple[int, int] | None = None) -> Snapshot:
    """Patch in creators edited since the snapshot's watermark (in memory; the nightly rebuild persists);
    ``only`` (shard, shards): just the creators living in that shard."""
    if not snap.watermark or features.watermark() == snap.watermark:
        return snap
    since = datetime.fromisoformat(snap.watermark) - REFRESH_OVERLAP
    frames, watermark = features.fetch_frames(since=since)
    if only is not None:
        frames = snapshot.shard_frames(frames, *only)
    base = snap.version.split("+")[0]
    patched = snapshot.patch(snap, frames, version=f"{base}+{watermark}", watermark=watermark)
    with _lock:
        _cache[key] = patched
    return patched


def text_index():
    """The TF-IDF search index, rebuilt when creators changed since it was built (cached per process)."""
    return _cached_index("text", features.search_documents)


def post_index():
    """TF-IDF over what creators wrote themselves (bio, posts), for "creators like these"; cached like text_index."""
    return _cached_index("posts", features.post_documents)


def _cached_index(name: str, documents):
    from matching.search import TextIndex

    mark = features.watermark()
    with _lock:
        cached = _cache.get(name)
        if cached is not None and cached[0] == mark:
            return cached[1]
    index = TextIndex.build(*documents())
    with _lock:
        _cache[name] = (mark, index)
    return index


def reset() -> None:
    """Forget the in-process snapshot and search index (tests, and after a rebuild elsewhere)."""
    with _lock:
        _cache.clear()

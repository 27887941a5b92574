"""Save a snapshot as .npy / .npz files under MATCHING_SNAPSHOT_DIR/<version>/ (atomically), load it
whole, one shard of it or only its reference tables, find the current version and prune old ones."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields
from datetime import date
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from matching.snapshot.layout import FORMAT, SCORING_KEY, Catalogue, Snapshot
from matching.snapshot.shards import shard as take_shard

_SPARSE = (
    "labels_csr",
    "labels_csc",
    "labels_unit_csc",
    "interests_csc",
    "interests_unit_csc",
    "regions_csr",
    "regions_csc",
)


def save(snap: Snapshot, root: Path, *, shards: int = 1) -> Path:
    """Write the snapshot to root/<version>/ atomically (temp dir + rename); returns the directory.
    With ``shards`` > 1 each shard's part is written beside it (shards/<k>-of-<shards>/), so a shard
    worker reads only its own creators (load_shard)."""
    target = root / snap.version
    tmp = root / f".{snap.version}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    _write(snap, tmp)
    if shards > 1:
        for k in range(shards):
            _write(take_shard(snap, k, shards), tmp / _shard_dir(k, shards))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    (root / "CURRENT").write_text(snap.version)
    return target


def _shard_dir(shard: int, shards: int) -> str:
    return f"shards/{shard}-of-{shards}"


def _write(snap: Snapshot, path: Path) -> None:
    path.mkdir(parents=True)
    meta = {
        "version": snap.version,
        "built_at": snap.built_at,
        "watermark": snap.watermark,
        "region_codes": snap.catalogue.region_codes,
        "format": FORMAT,
        "scoring": SCORING_KEY,
    }
    arrays = {
        "catalogue_label_ids": snap.catalogue.label_ids,
        "catalogue_label_interest_ids": snap.catalogue.label_interest_ids,
        "catalogue_interest_ids": snap.catalogue.interest_ids,
    }
    for f in fields(snap):
        value = getattr(snap, f.name)
        if isinstance(value, np.ndarray):
            arrays[f.name] = value
        elif f.name in _SPARSE:
            sp.save_npz(path / f"{f.name}.npz", value, compressed=False)
    for name, array in arrays.items():
        np.save(path / f"{name}.npy", array)
    np.savez(path / "reference.npz", **_flatten_reference(snap.reference))
    (path / "meta.json").write_text(json.dumps(meta))


def load(root: Path, version: str | None = None) -> Snapshot | None:
    version = version or current_version(root)
    if version is None:
        return None
    return _read(root / version)


def load_shard(root: Path, shard: int, shards: int, version: str | None = None) -> Snapshot | None:
    """Only the creators of ``shard`` (matching.snapshot.shards): read from the shard's own files when the
    snapshot was saved with this many shards, else cut from the whole snapshot (saved for another count)."""
    version = version or current_version(root)
    if version is None:
        return None
    path = root / version / _shard_dir(shard, shards)
    if shards > 1 and (path / "meta.json").exists():
        return _read(path)
    whole = _read(root / version)
    return None if whole is None else take_shard(whole, shard, shards)


def _read(path: Path) -> Snapshot | None:
    meta = json.loads((path / "meta.json").read_text())
    if not _current(meta):
        return None
    catalogue = Catalogue(
        label_ids=np.load(path / "catalogue_label_ids.npy"),
        label_interest_ids=np.load(path / "catalogue_label_interest_ids.npy"),
        interest_ids=np.load(path / "catalogue_interest_ids.npy"),
        region_codes=meta["region_codes"],
    )
    values: dict = {}
    for f in fields(Snapshot):
        if f.name in _SPARSE:
            values[f.name] = sp.load_npz(path / f"{f.name}.npz")
        elif f.name != "reference" and (path / f"{f.name}.npy").exists():
            values[f.name] = np.load(path / f"{f.name}.npy")
    with np.load(path / "reference.npz") as stored:
        values["reference"] = _unflatten_reference(stored)
    return Snapshot(
        version=meta["version"], built_at=meta["built_at"], watermark=meta["watermark"], catalogue=catalogue, **values
    )


def _flatten_reference(reference: dict) -> dict[str, np.ndarray]:
    """Reference tables as flat arrays, so no pickling is needed."""
    return dict(reference)


def _unflatten_reference(stored) -> dict:
    return {key: stored[key] for key in stored.files}


def load_reference(root: Path, version: str | None = None) -> tuple[Catalogue, dict, np.ndarray] | None:
    """Only the catalogue, reference tables and IDF of a saved snapshot (small): enough to score
    a few creators exactly as the worker does, without loading every creator."""
    version = version or current_version(root)
    if version is None:
        return None
    path = root / version
    meta = json.loads((path / "meta.json").read_text())
    catalogue = Catalogue(
        label_ids=np.load(path / "catalogue_label_ids.npy"),
        label_interest_ids=np.load(path / "catalogue_label_interest_ids.npy"),
        interest_ids=np.load(path / "catalogue_interest_ids.npy"),
        region_codes=meta["region_codes"],
    )
    with np.load(path / "reference.npz") as stored:
        reference = _unflatten_reference(stored)
    return catalogue, reference, np.load(path / "label_idf.npy")


def current_version(root: Path) -> str | None:
    marker = root / "CURRENT"
    if not marker.exists():
        return None
    version = marker.read_text().strip()
    meta = root / version / "meta.json"
    return version if meta.exists() and _current(json.loads(meta.read_text())) else None


def _current(meta: dict) -> bool:
    """A snapshot saved in another layout or under other score weights (an older release) is not
    current: the worker rebuilds it."""
    return meta.get("format") == FORMAT and meta.get("scoring") == SCORING_KEY


def prune(root: Path, keep: int = 2) -> None:
    """Delete all but the newest ``keep`` snapshot directories."""
    current = current_version(root)
    dirs = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for path in dirs[:-keep]:
        if path.name != current:
            shutil.rmtree(path, ignore_errors=True)


def date_ordinal(d: date) -> int:
    return d.toordinal()

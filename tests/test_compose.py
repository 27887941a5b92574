"""docker-compose.yml, the Dockerfile and .dockerignore, read as files: Docker itself does not run in CI."""

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat")
# What an operator puts in .env: the two values compose refuses to start without.
OPERATOR_ENV = {
    "SECRET_KEY": "k" * 50,
    "POSTGRES_PASSWORD": "pg-pass",
    "ALLOWED_HOSTS": "starmap.example.com",
    "SITE_URL": "https://starmap.example.com",
}
SETTINGS_SOURCES = ("marketplace/settings.py", "marketplace/dev/devservers.py", "marketplace/dev/run.py")

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(value, env: dict[str, str]):
    """Compose's ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error} and $$, applied recursively."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        present = name in env and (env[name] != "" or op in (None, "-", "?"))
        if present:
            return env[name]
        if op in (":?", "?"):
            raise MissingVariable(f"{name}: {arg}")
        return arg if op in (":-", "-") else ""

    return _VARIABLE.sub(replace, value.replace("$$", "\0")).replace("\0", "$")


def service(name: str, env: dict[str, str] | None = None) -> dict:
    return interpolate(SERVICES[name], OPERATOR_ENV if env is None else env)


def command(name: str) -> list[str]:
    cmd = service(name).get("command")
    return cmd if isinstance(cmd, list) else cmd.split()


def environment(name: str, env: dict[str, str] | None = None) -> dict[str, str]:
    values = service(name, env).get("environment", {})
    if isinstance(values, list):
        values = dict(item.split("=", 1) for item in values)
    return {k: str(v) for k, v in values.items()}


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (BASE_DIR / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


# ------------------------------------------------------------------ services


def test_web_worker_beat_and_migrate_run_one_image_built_from_this_repo():
    builds = {name: SERVICES[name].get("build") for name in APP_SERVICES}
    images = {SERVICES[name].get("image") for name in APP_SERVICES}

    assert set(builds.values()) == {"."}, builds
    assert len(images) == 1
    assert None not in images


def test_web_serves_the_wsgi_app_with_gunicorn_on_port_8000():
    cmd = command("web")

    assert cmd[0] == "gunicorn"
    assert "marketplace.wsgi:application" in cmd
    assert cmd[cmd.index("--bind") + 1] == "0.0.0.0:8000"
    assert any(str(port).endswith(":8000") for port in service("web")["ports"])


def test_worker_and_beat_run_celery_for_the_marketplace_app():
    assert command("worker")[:4] == ["celery", "-A", "marketplace", "worker"]
    assert command("beat")[:4] == ["celery", "-A", "marketplace", "beat"]


def test_worker_replicas_get_unique_node_names():
    cmd = command("worker")

    assert "%h" in cmd[cmd.index("-n") + 1]


def test_migrate_is_a_one_shot_that_migrates_and_loads_the_taxonomy():
    script = " ".join(command("migrate"))

    assert "manage.py migrate --noinput" in script
    assert "manage.py load_taxonomy" in script
    assert "&&" in script  # the taxonomy loads only after the migration succeeded
    assert SERVICES["migrate"].get("restart") == "no"


def test_workers_scale_out_and_beat_stays_single():
    replicas = int(service("worker")["deploy"]["replicas"])

    assert replicas >= 1
    assert int(service("worker", {**OPERATOR_ENV, "WORKER_REPLICAS": "4"})["deploy"]["replicas"]) == 4
    assert int(SERVICES["beat"].get("deploy", {}).get("replicas", 1)) == 1
    assert "--scale worker=" in (BASE_DIR / "docker-compose.yml").read_text()


# ------------------------------------------------------------------ env wiring


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_in_production_with_the_operator_secret(name):
    env = environment(name)

    assert env["DJANGO_ENV"] == "production"
    assert env["SECRET_KEY"] == OPERATOR_ENV["SECRET_KEY"]
    assert "starmap.example.com" in env["ALLOWED_HOSTS"].split(",")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "POSTGRES_PASSWORD"])
def test_compose_refuses_to_start_without_a_required_secret(missing):
    env = {k: v for k, v in OPERATOR_ENV.items() if k != missing}

    with pytest.raises(MissingVariable, match=missing):
        interpolate(COMPOSE, env)
    with pytest.raises(MissingVariable, match=missing):
        interpolate(COMPOSE, {**env, missing: ""})


@pytest.mark.parametrize("name", APP_SERVICES)
def test_database_url_points_at_the_postgres_service_and_its_credentials(name):
    url = urlparse(environment(name)["DATABASE_URL"])
    postgres = environment("postgres")

    assert url.scheme in ("postgres", "postgresql")
    assert url.hostname == "postgres"
    assert url.hostname in SERVICES
    assert (url.port or 5432) == 5432
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"] == OPERATOR_ENV["POSTGRES_PASSWORD"]
    assert url.path == f"/{postgres['POSTGRES_DB']}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_redis_url_points_at_the_redis_service(name):
    url = urlparse(environment(name)["REDIS_URL"])

    assert url.scheme == "redis"
    assert url.hostname == "redis"
    assert url.hostname in SERVICES
    assert (url.port or 6379) == 6379


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_variable_is_one_the_settings_read(name):
    source = "\n".join((BASE_DIR / path).read_text() for path in SETTINGS_SOURCES)

    unread = [var for var in environment(name) if f'"{var}"' not in source]

    assert unread == []


def test_every_compose_variable_is_documented_in_env_example():
    used = set(_VARIABLE.findall((BASE_DIR / "docker-compose.yml").read_text()))
    names = {match[0] for match in used}
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))

    assert names - documented == set()


def test_production_payments_default_to_the_manual_provider():
    env = environment("web")

    assert env["PAYMENT_PROVIDER"] == "manual"


# ------------------------------------------------------------------ ordering and health


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_app_services_wait_for_healthy_backends_and_a_finished_migration(name):
    depends = SERVICES[name]["depends_on"]

    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_waits_for_a_healthy_postgres():
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_postgres_16_keeps_its_data_in_a_volume_and_reports_health():
    postgres = service("postgres")

    assert postgres["image"] == "postgres:16"
    assert _mounts(postgres)["/var/lib/postgresql/data"] in COMPOSE["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "-U starmap" in " ".join(postgres["healthcheck"]["test"])


def test_redis_7_keeps_its_data_in_a_volume_and_reports_health():
    redis = service("redis")

    assert redis["image"] == "redis:7"
    assert _mounts(redis)["/data"] in COMPOSE["volumes"]
    assert redis["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    assert "--appendonly" in redis["command"]


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_app_state_lives_in_a_shared_volume_at_var_dir(name):
    mounts = _mounts(service(name))

    assert mounts[environment(name)["VAR_DIR"]] in COMPOSE["volumes"]


def _mounts(svc: dict) -> dict[str, str]:
    """{container path: volume name} of a service's short-syntax volumes."""
    return {spec.split(":")[1]: spec.split(":")[0] for spec in svc.get("volumes", [])}


def _web_healthcheck_request() -> tuple[str, dict[str, str]]:
    """The URL and headers of the request the web healthcheck makes."""
    script = " ".join(SERVICES["web"]["healthcheck"]["test"])
    url = re.search(r"'(http://[^']+)'", script)[1]
    headers = json.loads(re.search(r"headers=(\{[^}]*\})", script)[1].replace("'", '"'))
    return url, headers


def test_web_healthcheck_requests_a_page_of_the_app():
    url, headers = _web_healthcheck_request()

    assert urlparse(url).port == 8000
    assert SERVICES["web"]["healthcheck"]["test"][0] == "CMD"
    assert headers["Host"] in environment("web")["ALLOWED_HOSTS"].split(",")


@pytest.mark.django_db
def test_web_healthcheck_page_answers_200_under_production_security(client, settings):
    url, headers = _web_healthcheck_request()
    settings.ALLOWED_HOSTS = environment("web")["ALLOWED_HOSTS"].split(",")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    response = client.get(
        urlparse(url).path, HTTP_HOST=headers["Host"], HTTP_X_FORWARDED_PROTO=headers["X-Forwarded-Proto"]
    )

    assert response.status_code == 200


def test_worker_healthcheck_pings_its_own_node():
    check = " ".join(SERVICES["worker"]["healthcheck"]["test"])

    assert "inspect ping" in check
    assert "worker@$$HOSTNAME" in check  # $$ so the shell, not compose, expands it


# ------------------------------------------------------------------ image


def test_dockerfile_starts_from_python_311_slim():
    assert dockerfile()[0] == ("FROM", "python:3.11-slim")


def test_dockerfile_installs_requirements_before_copying_the_code():
    steps = dockerfile()
    copy_requirements = steps.index(("COPY", "requirements.txt ."))
    install = next(i for i, (op, args) in enumerate(steps) if op == "RUN" and "pip install -r requirements.txt" in args)
    copy_code = steps.index(("COPY", ". ."))

    assert copy_requirements < install < copy_code


def test_dockerfile_collects_static_files_with_production_storage():
    collect = [args for op, args in dockerfile() if op == "RUN" and "collectstatic" in args]

    assert len(collect) == 1
    assert "DJANGO_ENV=production" in collect[0]
    assert "--noinput" in collect[0]


def test_dockerfile_runs_as_a_non_root_user_from_the_last_step():
    steps = dockerfile()
    users = [i for i, (op, _args) in enumerate(steps) if op == "USER"]

    assert users
    assert steps[users[-1]][1] not in ("root", "0")
    assert all(op != "RUN" for op, _args in steps[users[-1] :])
    assert any(op == "RUN" and "chown" in args and "/data" in args for op, args in steps)


def test_dockerfile_runs_gunicorn_by_default():
    cmd = json.loads(next(args for op, args in reversed(dockerfile()) if op == "CMD"))

    assert cmd[:2] == ["gunicorn", "marketplace.wsgi:application"]
    assert ("EXPOSE", "8000") in dockerfile()


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = {line.strip() for line in (BASE_DIR / ".dockerignore").read_text().splitlines()}

    assert {".venv", "var", ".env", ".git"} <= ignored
    assert "data" not in ignored  # the taxonomy the migrate service loads

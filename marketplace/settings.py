"""Starmap settings: one module, every value from the environment.

Every variable is listed in `.env.example` and the README with its default. Nothing set means
development on the embedded PostgreSQL and Redis under ./var/ (see marketplace.dev.devservers, imported
only then: a deployment that sets DATABASE_URL and REDIS_URL loads no development tool).
DJANGO_ENV=production switches on the hardened settings and refuses to start without secrets.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from marketplace.core.logs import LOG_FORMATS, logging_config
from marketplace.core.rates import parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def embedded(name: str) -> str:
    """The URL of an embedded development server (``database`` or ``redis``), for an unset *_URL."""
    from marketplace.dev import devservers

    return {"database": devservers.embedded_database_url, "redis": devservers.embedded_redis_url}[name]()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DJANGO_ENV = env("DJANGO_ENV", "development")
if DJANGO_ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 - development only

DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured(
        "DEBUG must be false when DJANGO_ENV=production: debug pages show settings, SQL and stack traces to anyone"
    )
# Where the site is reached, for the links in e-mails (marketplace.core.site_url): never the request's Host
# header, which a caller chooses. Production refuses to start without it.
SITE_URL = env("SITE_URL", "" if PRODUCTION else "http://localhost:8000").rstrip("/")
if PRODUCTION and not SITE_URL:
    raise ImproperlyConfigured("SITE_URL must be set when DJANGO_ENV=production: e-mails link to it")
if SITE_URL and (urlsplit(SITE_URL).scheme not in ("http", "https") or not urlsplit(SITE_URL).netloc):
    raise ImproperlyConfigured(f"SITE_URL must be an http(s) address such as https://starmap.example, not {SITE_URL!r}")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var"))).resolve()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_prometheus",
    "django_structlog",
    "marketplace.core",
    "brands",
    "creators",
    "invoices",
    "agencies",
    "payouts",
    "orders",
    "programmes",
    "matching",
    "insights",
    "learning",
    "webhooks",
    "marketplace.dev",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first and …
    "marketplace.core.middleware.RequestIdMiddleware",  # a sane X-Request-ID, which …
    "django_structlog.middlewares.RequestMiddleware",  # … binds for log lines, tasks and audit rows
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "marketplace.core.middleware.HtmxLoginRedirectMiddleware",
    "marketplace.core.middleware.TimezoneMiddleware",
    "marketplace.core.middleware.RememberLanguageMiddleware",
    # A login, sign-up or reset asked while Redis is down: 503 "try again shortly" (marketplace/core/throttles.py).
    "marketplace.core.throttles.LimiterUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # … last but axes: requests, latency, status
    # Last, as django-axes asks: it turns a locked-out login into the 429 page (marketplace/core/throttles.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "marketplace.context_processors.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------- database

DATABASE_URL = env("DATABASE_URL") or embedded("database")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL: Starmap relies on its locks and triggers")
# The same PostgreSQL backend, wrapped by django-prometheus to count queries and their time (/metrics).
DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction mode a named (server-side) cursor cannot outlive its transaction:
# set DB_DISABLE_SERVER_SIDE_CURSORS=true there (docs/scaling.md).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS", False)
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME", "test_starmap")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL") or embedded("redis")

# Two views of one Redis (docs/operations.md, "When Redis is down"). "default" is an optimisation (sessions
# read before PostgreSQL, the track-record prior, the ledger-check figure): unreachable, it answers a miss and
# drops writes. "limits" holds the rate-limit counters and raises, so marketplace.core.throttles decides.
_REDIS_OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1}
CACHES = {
    alias: {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "starmap"),
        "OPTIONS": {**_REDIS_OPTIONS, "IGNORE_EXCEPTIONS": alias == "default"},
    }
    for alias in ("default", "limits")
}

# ------------------------------------------------------------------ celery

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "starmap")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A task whose whole worker died (kill -9, a lost machine) goes back to the queue this long after it was
# taken, found by a sweep every 10 s; it must exceed the longest task (a 2M-creator snapshot rebuild).
# A killed pool process's task is requeued at once (CELERY_TASK_REJECT_ON_WORKER_LOST). docs/operations.md.
# One quick retry when a message is published (a web request's outbox send or payout enqueue): kombu's default
# retries the connection for some 6 s inside the request while Redis is down; the outbox relay and the payout
# sweep send what was refused once it is back (docs/operations.md, "When Redis is down").
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    "max_retries": 1,
    "interval_start": 0,
}
CELERY_BEAT_SCHEDULE: dict = {
    # Re-send outbox messages the broker never took (or whose task never started).
    "outbox-relay": {"task": "marketplace.tasks.outbox_relay_task", "schedule": 5.0},
    # Xingtu's value indices, the authenticity signal and growth stages for every creator.
    "creator-indices": {
        "task": "creators.tasks.indices_recompute_task",
        "schedule": crontab(hour=env_int("INDICES_HOUR", 4), minute=0),
    },
    # Offer expiry, automatic acceptance, missed-deadline notices.
    "collaboration-timers": {"task": "marketplace.tasks.collaboration_timers_task", "schedule": 60.0},
    # Full matcher snapshot rebuild; between rebuilds workers patch edited creators in.
    # Webhook deliveries whose next attempt is due (retries with backoff; claims of dead workers).
    "webhook-sweep": {"task": "webhooks.tasks.webhook_sweep_task", "schedule": 10.0},
    "matching-snapshot-rebuild": {
        "task": "matching.tasks.snapshot_rebuild_task",
        "schedule": crontab(hour=env_int("MATCHING_REBUILD_HOUR", 3), minute=0),
    },
}

# ------------------------------------------------------------------- auth

AUTH_USER_MODEL = "marketplace.User"
# One backend: the e-mail/password backend, which is also django-axes' (it refuses a locked-out attempt
# before the password is checked), so axes sees every authenticate() and login() needs no backend name.
AUTHENTICATION_BACKENDS = ["marketplace.core.roles.CallerBackend"]
# Loads a session's or a token's user with their brand seat in one query (marketplace.core.roles.caller_loader).
CALLER_LOADER = "brands.callers"
# What the deal's pages and services read from the matcher, which orders may not import (the plug-in points of
# marketplace/core/plugins.py): an offer's frozen expectation, applicants' component scores, recommended orders.
ORDER_MATCHING = "matching.for_orders"
# Which creators a brand has starred, for the directory and the creator page (creators may not import matching).
CREATOR_LISTS = "matching.for_creators"
# A creator's finished collaborations, ratings and reviews for the creator page (creators may not import orders).
CREATOR_RECORD = "orders.for_creators"
# Who hears of a deal's events outside Starmap: webhooks (marketplace/core/events.py, docs/webhooks.md).
EVENT_SINK = "webhooks.for_events"
# Webhooks to loopback, link-local and private addresses: refused in production (server-side request
# forgery), allowed in development so a receiver on this machine can be tried (docs/webhooks.md).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", not PRODUCTION)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env_list(
    "PASSWORD_HASHERS",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher,django.contrib.auth.hashers.MD5PasswordHasher"
    if env_bool("FAST_PASSWORD_HASHER", False)
    else "django.contrib.auth.hashers.PBKDF2PasswordHasher",
)

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Starmap <noreply@starmap.local>")

# ------------------------------------------------------------ i18n / time

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# ISO dates and 24-hour times in English, thousands separators in Chinese (marketplace/core/formats/).
FORMAT_MODULE_PATH = ["marketplace.core.formats"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_TZ = True
# Taiwan, Hong Kong and Macao are listed once: "country" (TW, HK, MO) or "cn" (CN-TW, CN-HK, CN-MO);
# imports accept the other form, and `manage.py normalise_regions` rewrites stored codes to this one.
REGION_FORM_TW_HK_MO = env("REGION_FORM_TW_HK_MO", "country")

# ---------------------------------------------------------- static / media

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
UPLOAD_VIDEO_MAX_MB = env_int("UPLOAD_VIDEO_MAX_MB", 500)
UPLOAD_EVIDENCE_MAX_MB = env_int("UPLOAD_EVIDENCE_MAX_MB", 20)
UPLOAD_AVATAR_MAX_MB = env_int("UPLOAD_AVATAR_MAX_MB", 2)  # a creator's profile picture (creators/avatars.py)
WHITENOISE_USE_FINDERS = not PRODUCTION  # development serves static files straight from the apps
# Uploads live outside static and are served by views that check the parties.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# manage.py backup writes here; PostgreSQL's client tools from PG_BIN_DIR when set (marketplace.core.backup).
BACKUP_DIR = Path(env("BACKUP_DIR", str(VAR_DIR / "backups")))
# /metrics answers only "Authorization: Bearer <METRICS_TOKEN>"; unset, it is a 404 (marketplace.core.metrics).
METRICS_TOKEN = env("METRICS_TOKEN")
PROMETHEUS_EXPORT_MIGRATIONS = False
PG_BIN_DIR = env("PG_BIN_DIR")

# -------------------------------------------------------------------- API

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.core.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the browser, with CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "marketplace.core.api.common.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["marketplace.core.api.common.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["marketplace.core.api.common.JSONParser", "rest_framework.parsers.MultiPartParser"],
    "EXCEPTION_HANDLER": "marketplace.core.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "money": env("THROTTLE_MONEY", "60/minute"),
        # The doors django-axes does not see (marketplace/core/throttles.py, docs/security.md).
        "token": env("THROTTLE_TOKEN", "20/15m"),
        "password_reset": env("THROTTLE_PASSWORD_RESET", "10/hour"),
        "password_reset_address": env("THROTTLE_PASSWORD_RESET_ADDRESS", "3/hour"),
        "signup": env("THROTTLE_SIGNUP", "10/hour"),
        "rerank": env("THROTTLE_RERANK", "30/hour"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
    # JSON is the only renderer, and ?format= is an order filter (content format), not a renderer choice.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Starmap API",
    "DESCRIPTION": "Everything the Starmap dashboard does, for scripts and agencies. Token or session auth.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CollaborationStatusEnum": "orders.models.Collaboration.Status",
        "DisputeStatusEnum": "orders.models.Dispute.Status",
        "GrowthStageEnum": "creators.models.STAGE_NAMES",
        "ContestStatusEnum": "orders.models.Contest.Status",
        "ContestEntryStatusEnum": "orders.models.ContestEntry.Status",
        "ContestKindEnum": "orders.models.Contest.Kind",
        "DayEnum": "orders.models.ResultSnapshot.Day",
        "FormatEnum": "marketplace.core.models.ContentFormat",
        "RepresentationStatusEnum": "agencies.models.Representation.Status",
        "WebhookDeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
        "WebhookEventTypeEnum": "webhooks.events.EVENT_CHOICES",
    },
}

# -------------------------------------------------------------- business

CURRENCY = env("CURRENCY", "CNY")
PLATFORM_FEE_BPS = env_int("PLATFORM_FEE_BPS", 1000)
# The lowest CPM a brand may set on a CPM submission contest, minor units per 1,000 plays (Xingtu: CNY 5).
CONTEST_MIN_CPM = env_int("CONTEST_MIN_CPM", 500)
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", "sandbox")
if PAYMENT_PROVIDER not in ("sandbox", "manual"):
    raise ImproperlyConfigured(f"PAYMENT_PROVIDER must be sandbox or manual, not {PAYMENT_PROVIDER!r}")
# The sandbox provider's call log (a file) and latency, for the fault tests (payouts/providers.py).
SANDBOX_PROVIDER_LOG = env("SANDBOX_PROVIDER_LOG")
SANDBOX_PROVIDER_DELAY_MS = env_int("SANDBOX_PROVIDER_DELAY_MS", 0)
PAYOUT_MINIMUM = env_int("PAYOUT_MINIMUM", 10_000)  # minor units
PAYOUT_MAX_ATTEMPTS = env_int("PAYOUT_MAX_ATTEMPTS", 5)
# Who issues the invoices and receipts: the operator's legal name and tax id, printed on every document.
INVOICE_ISSUER = env("INVOICE_ISSUER", "Starmap")
INVOICE_ISSUER_TAX_ID = env("INVOICE_ISSUER_TAX_ID")
# Incentive programmes whose period ended: the rule is computed once (programmes.services.close_due).
CELERY_BEAT_SCHEDULE["programmes-close-due"] = {"task": "programmes.tasks.close_due_task", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["payout-sweep"] = {"task": "payouts.tasks.payout_sweep_task", "schedule": 300.0}
# The ledger check's result feeds /metrics (starmap_ledger_differences); `manage.py ledger_verify` is the same check.
CELERY_BEAT_SCHEDULE["ledger-check"] = {"task": "payouts.tasks.ledger_check_task", "schedule": 600.0}
# Growth path (SPEC §6): the highest stage whose every threshold a creator meets. Income is the
# creator's settled share over the last 12 months, in minor units; rating 0 means "not required".
GROWTH_STAGE_THRESHOLDS = {
    "exploration": {"orders": 1, "income": 0, "rating": 0},
    "harvest": {"orders": 10, "income": 5_000_000, "rating": 4.2},
    "on_the_road": {"orders": 40, "income": 40_000_000, "rating": 4.5},
}
MATCHING_SNAPSHOT_DIR = Path(env("MATCHING_SNAPSHOT_DIR", str(VAR_DIR / "snapshots")))
# The ranker's compiled kernels (matching/kernels.py). numba reads this variable itself when it is
# first imported, so the default goes into the environment here, before any ranking.
NUMBA_CACHE_DIR = env("NUMBA_CACHE_DIR", str(VAR_DIR / "numba"))
os.environ.update(NUMBA_CACHE_DIR=NUMBA_CACHE_DIR)
MATCHING_SHARDS = env_int("MATCHING_SHARDS", 1)
# Ranking shards (docs/scaling.md): shard k's tasks go to queue MATCHING_SHARD_QUEUE.format(k). A worker
# started with MATCHING_SHARD=k consumes only that queue and loads only that shard's creators; a worker
# without it consumes the default queue and every shard's.
MATCHING_SHARD_QUEUE = "ranking.shard.{}"
MATCHING_SHARD = env_int("MATCHING_SHARD", -1) if env("MATCHING_SHARD").strip() else None
if MATCHING_SHARD is not None and not 0 <= MATCHING_SHARD < MATCHING_SHARDS:
    raise ImproperlyConfigured(
        f"MATCHING_SHARD={MATCHING_SHARD} is not one of 0..{MATCHING_SHARDS - 1} (MATCHING_SHARDS)"
    )
CELERY_TASK_ROUTES = ("matching.tasks.route_task",)
if MATCHING_SHARDS > 1:
    from kombu import Queue

    CELERY_TASK_QUEUES = (
        [Queue(MATCHING_SHARD_QUEUE.format(MATCHING_SHARD))]
        if MATCHING_SHARD is not None
        else [Queue(CELERY_TASK_DEFAULT_QUEUE)]
        + [Queue(MATCHING_SHARD_QUEUE.format(k)) for k in range(MATCHING_SHARDS)]
    )

# --------------------------------------------------------------- security

SESSION_COOKIE_HTTPONLY = True
# Sessions are read from Redis (written through to PostgreSQL): one query fewer on every signed-in page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
CSRF_FAILURE_VIEW = "marketplace.views.errors.csrf_failure"  # JSON under /api/, as every error there
X_FRAME_OPTIONS = "DENY"
# In every environment, so development sees what production blocks. Pages load scripts and styles
# from this origin only: no inline <script>/<style>, no style="" or on*= attributes, no eval (htmx is
# configured in templates/base.html). The API docs relax style-src for themselves (marketplace/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Client IP for every rate limit (marketplace/core/throttles.py): REMOTE_ADDR, or with N proxies in
# front, the N-th X-Forwarded-For address from the right (the one the outermost trusted proxy saw).
REST_FRAMEWORK["NUM_PROXIES"] = env_int("NUM_PROXIES", 0)

# Failed logins, counted by django-axes in Redis, per account (the NFKC, case-folded e-mail) and per
# client IP: THROTTLE_LOGIN failures lock either out until that long after the last counted failure.
THROTTLE_LOGIN = env("THROTTLE_LOGIN", "10/15m")
AXES_HANDLER = "marketplace.core.throttles.LoginAttempts"
AXES_CACHE = "limits"  # counted where an unreachable Redis raises: logins fail closed (503)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "marketplace.core.throttles.login_identity"
AXES_CLIENT_IP_CALLABLE = "marketplace.core.throttles.client_ip"
AXES_FAILURE_LIMIT = "marketplace.core.throttles.login_failure_limit"
AXES_COOLOFF_TIME = "marketplace.core.throttles.login_cooloff"
AXES_LOCKOUT_CALLABLE = "marketplace.core.throttles.login_locked_out"
# Attempts while locked out are refused without being counted, so Retry-After is when the lock ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False  # the handler clears the account's count, never the IP's
AXES_ENABLE_ADMIN = False  # the cache handler keeps no rows to show
AXES_VERBOSE = False
for _name, _rate in [("THROTTLE_LOGIN", THROTTLE_LOGIN)] + [
    (f"THROTTLE_{scope.upper()}", rate) for scope, rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].items()
]:
    try:
        parse_rate(_rate)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{_name} {exc}") from None

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Benchmarks only (bench/web.py): route /bench/floor/, a constant JSON answer without auth.
BENCH_FLOOR = env_bool("STARMAP_BENCH_FLOOR", False)
if PRODUCTION and BENCH_FLOOR:
    raise ImproperlyConfigured("STARMAP_BENCH_FLOOR is for benchmarks and must not be set when DJANGO_ENV=production")

# Optional error reporting (marketplace.core.error_reporting): unhandled errors of requests and tasks go to
# Sentry, or a compatible server, when SENTRY_DSN is set; off by default.
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    from marketplace.core.error_reporting import init_sentry

    init_sentry(SENTRY_DSN, environment="production" if PRODUCTION else "development")

# Structured logs to stdout (marketplace.core.logs, docs/operations.md "Logs"): JSON lines in production,
# a readable form in development; one request id from the request through the outbox into the worker.
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "console")
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or console, not {LOG_FORMAT!r}")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env("LOG_LEVEL", "INFO"))
DJANGO_STRUCTLOG_CELERY_ENABLED = True  # tasks published during a request carry its id in a header
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True  # RequestIdMiddleware has checked or replaced it
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # RequestIdMiddleware binds the address by NUM_PROXIES instead

import uuid

import pytest

from marketplace.dev import devservers

# Tests run against real PostgreSQL and Redis: the embedded pair under ./var/ unless
# DATABASE_URL / REDIS_URL point elsewhere. pytest-django creates its own test database.
devservers.ensure_started()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Each test counts failed logins and throttled requests from zero: its cache keys (in the same
    Redis, in every cache alias, the limits' too) get a prefix of their own, so a lockout in one test, or
    left over from an earlier run, never reaches another."""
    test = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        alias: {**conf, "KEY_PREFIX": f"{conf.get('KEY_PREFIX', '')}:{test}"} for alias, conf in settings.CACHES.items()
    }


@pytest.fixture
def taxonomy(db):
    """The full IAB catalogue from data/, loaded the way `make run` loads it."""
    from django.core.management import call_command

    call_command("load_taxonomy", verbosity=0)


@pytest.fixture(autouse=True)
def _default_language():
    """A request through LocaleMiddleware leaves its language active in the thread; each test starts
    and ends in the default language, so a Chinese page in one test cannot translate the next one's
    output (the committed OpenAPI schema comparison saw Chinese after the translations test)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()

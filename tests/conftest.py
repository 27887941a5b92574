import pytest

from marketplace import devservers

# Tests run against real PostgreSQL and Redis: the embedded pair under ./var/ unless
# DATABASE_URL / REDIS_URL point elsewhere. pytest-django creates its own test database.
devservers.ensure_started()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def taxonomy(db):
    """The full IAB catalogue from data/, loaded the way `make run` loads it."""
    from django.core.management import call_command

    call_command("load_taxonomy", verbosity=0)

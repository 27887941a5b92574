import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from marketplace.models import ApiToken
from marketplace.services.tokens import api_token_create, api_token_revoke
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash_and_authenticates_as_its_owner():
    member = MembershipFactory()
    row, token = api_token_create(user=member.user, name="script")
    api = APIClient()

    response = api.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {token}")
    bearer = api.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {token}")

    assert token.startswith("smp_") and token not in row.digest
    assert not ApiToken.objects.filter(digest=token).exists()
    assert response.status_code == bearer.status_code == 200
    assert response.json() == {
        "id": member.user.pk,
        "email": member.user.email,
        "role": "brand",
        "brand_role": "owner",
        "brand": member.brand_id,
        "creator": None,
    }


def test_a_revoked_or_wrong_token_gets_401_with_the_error_body():
    user = UserFactory()
    row, token = api_token_create(user=user, name="old")
    api_token_revoke(user=user, token_id=row.pk)

    revoked = APIClient().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {token}")
    wrong = APIClient().get(reverse("api:me"), HTTP_AUTHORIZATION="Token smp_nope")
    missing = APIClient().get(reverse("api:me"))

    assert revoked.status_code == wrong.status_code == missing.status_code == 401
    assert set(revoked.json()) == {"code", "detail", "errors"}


def test_someone_else_cannot_revoke_my_token():
    from marketplace.core import NotFound

    mine, _ = api_token_create(user=UserFactory(), name="mine")

    with pytest.raises(NotFound):
        api_token_revoke(user=UserFactory(), token_id=mine.pk)


def test_the_tokens_page_shows_a_new_token_once(client):
    user = UserFactory()
    client.force_login(user)

    created = client.post(reverse("api_tokens"), {"name": "reporting"})
    later = client.get(reverse("api_tokens"))

    token = created.context["created"]
    assert token and token in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    assert token not in later.content.decode()
    assert ApiToken.objects.get(user=user).prefix == token[:10]


def test_a_logged_in_browser_session_reads_the_api(client):
    user = UserFactory()
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(user)

    assert api.get(reverse("api:me")).status_code == 200


def test_healthz_and_readyz(client, settings, tmp_path):
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "none"
    client.force_login(UserFactory(is_staff=True))

    assert client.get("/healthz").json() == {"status": "ok"}
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["database"]["ok"] and not_ready.json()["checks"]["redis"]["ok"]
    assert not not_ready.json()["checks"]["snapshot"]["ok"]


@pytest.mark.parametrize("who", ["anonymous", "a brand owner"])
def test_readyz_tells_everyone_but_staff_only_the_status(client, settings, tmp_path, who):
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "none"
    if who != "anonymous":
        client.force_login(MembershipFactory().user)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "not ready"}  # no latencies, no error text naming servers or paths


def test_readyz_is_ready_with_a_snapshot(client, settings, tmp_path, taxonomy):
    from matching import engine
    from tests.matching.conftest import make_creators

    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "snaps"
    engine.reset()
    make_creators(5)
    engine.rebuild()

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_the_docs_page_is_served_from_vendored_assets(client):
    html = client.get("/api/docs/").content.decode()

    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_an_unknown_api_url_answers_with_the_json_error_body(client, settings):
    settings.DEBUG = False
    user = UserFactory()
    client.force_login(user)

    response = client.get("/api/v1/collaborations/null,null/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "errors": {}}


@pytest.mark.parametrize("size", ["0", "000", "0" * 5000, "-1", "x", "1.5", "١٢"])
def test_a_bad_page_size_is_a_400_naming_the_parameter(size):
    member = MembershipFactory()
    _row, token = api_token_create(user=member.user, name="s")

    response = APIClient().get("/api/v1/orders/", {"page_size": size}, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]

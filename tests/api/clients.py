"""API clients for tests: an APIClient that sends a fresh personal token of the given user."""

from rest_framework.test import APIClient

from marketplace.core.tokens import api_token_create


def api_for(user) -> APIClient:
    _row, token = api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client

"""What the sign-up tests share: a good password, the forms' data, and the page a new account lands on."""

from django.urls import reverse

GOOD_PASSWORD = "violet-harbour-72"


def brand_signup_data(**overrides):
    data = {
        "email": "Maya@Example.test",
        "full_name": "Maya Chen",
        "brand_name": "Aurora Skin",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    return {**data, **overrides}


def creator_signup_data(**overrides):
    data = {
        "email": "lin@example.test",
        "display_name": "Lin Cooks",
        "handle": "lin-cooks",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    return {**data, **overrides}


def assert_signed_in_dashboard(response, dashboard: str, welcome: str, heading: str, short_name: str) -> None:
    """The page the user lands on is their signed-in dashboard: its heading, their name in the navigation,
    the welcome message and a log-out button, with no log-in link left."""
    body = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == dashboard
    assert heading in body
    assert welcome in body
    assert f'title="Account settings">{short_name}</a>' in body
    assert "Log out" in body
    assert f'href="{reverse("login")}"' not in body

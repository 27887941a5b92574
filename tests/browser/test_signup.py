"""Sign-up in a real browser: a new brand and a new creator each fill in the form from the landing
page, land on their own signed-in dashboard, and are still signed in on the next page they open."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.data import PASSWORD
from tests.browser.pages import expect_message, go_to, screenshot

pytestmark = pytest.mark.browser


def _signed_in_as(page, short_name: str) -> None:
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name=short_name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(navigation.get_by_role("link", name="Log in")).to_have_count(0)


def test_a_new_brand_and_a_new_creator_sign_up_and_are_signed_in(browsers, transactional_db):
    base, artifacts = browsers.base_url, browsers.artifacts

    brand = browsers.open("new-brand")
    brand.goto(base + "/")
    brand.get_by_role("navigation", name="Main").get_by_role("button", name="Sign up", exact=True).click()
    brand.get_by_role("button", name="Sign up as a brand").click()
    brand.locator("#id_email").fill("Maya@Example.test")
    brand.locator("#id_full_name").fill("Maya Chen")
    brand.locator("#id_brand_name").fill("Aurora Skin")
    brand.locator("#id_password1").fill(PASSWORD)
    brand.locator("#id_password2").fill(PASSWORD)
    brand.get_by_role("button", name="Create my brand").click()

    expect(brand).to_have_url(base + "/brand/")
    expect(brand.get_by_role("heading", level=1)).to_have_text("Aurora Skin")
    expect_message(brand, "Welcome to Starmap! Your brand Aurora Skin is ready.")
    _signed_in_as(brand, "Maya")
    screenshot(brand, artifacts, "signup-brand-dashboard")
    go_to(brand, "Orders")  # the next request still carries the new session
    expect(brand.get_by_role("heading", level=1)).to_have_text("Orders")
    _signed_in_as(brand, "Maya")

    creator = browsers.open("new-creator")
    creator.goto(base + "/accounts/signup/")
    creator.get_by_role("button", name="Sign up as a creator").click()
    creator.locator("#id_email").fill("lin@example.test")
    creator.locator("#id_display_name").fill("Lin Cooks")
    creator.locator("#id_handle").fill("lin-cooks")
    creator.locator("#id_password1").fill(PASSWORD)
    creator.locator("#id_password2").fill(PASSWORD)
    creator.get_by_role("button", name="Create my profile").click()

    expect(creator).to_have_url(base + "/creator/")
    expect(creator.get_by_role("heading", level=1)).to_have_text("Hello, Lin Cooks")
    expect_message(creator, "Welcome to Starmap! Complete your profile so brands can find you.")
    _signed_in_as(creator, "Lin")
    screenshot(creator, artifacts, "signup-creator-dashboard")
    go_to(creator, "Profile")
    expect(creator.get_by_role("heading", level=1)).to_have_text("Your profile")
    _signed_in_as(creator, "Lin")

"""Small steps every browser test takes: log in, read the flash messages, save a screenshot."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.browser.data import PASSWORD


def login(page: Page, base_url: str, email: str, *, next_path: str = "") -> None:
    url = f"{base_url}/accounts/login/" + (f"?next={quote(next_path)}" if next_path else "")
    page.goto(url)
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def go_to(page: Page, link: str) -> None:
    """Follow a link of the main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()


def expect_message(page: Page, text: str) -> None:
    """A flash message with ``text`` is shown (on the page or in the fragment htmx just swapped in)."""
    expect(page.locator("ul.messages li").filter(has_text=text).first).to_be_visible()


def status_badge(page: Page):
    """The status badge in the collaboration page's heading."""
    return page.locator("#collaboration h1 .badge")


def screenshot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)

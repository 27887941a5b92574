"""Production hardening as a browser sees it: security headers, the Content-Security-Policy, secure cookies.

The production values are read from the settings module itself in a fresh interpreter with
DJANGO_ENV=production, then applied to this process, so the checks follow the real module. (The
deploy check and the refusals without SECRET_KEY / ALLOWED_HOSTS are in tests/test_settings.py.)
A real browser, when Debian's chromium is installed, loads pages under the policy and drives htmx.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse

from tests.factories import CreatorFactory, CreatorLabelFactory, LabelFactory, MembershipFactory, OrderFactory

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "pw-for-tests-only"
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}  # what the TLS-terminating proxy adds

EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
SECURITY_SETTINGS = (
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
)


def _policy(header: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


@pytest.fixture(scope="module")
def production_values() -> dict:
    """The security settings and middleware of marketplace.settings under DJANGO_ENV=production."""
    names = [*SECURITY_SETTINGS, "MIDDLEWARE"]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=_production_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def production(settings, production_values):
    """This process configured like production (static files aside: there is no collectstatic here)."""
    assert production_values["MIDDLEWARE"] == settings.MIDDLEWARE
    for name in SECURITY_SETTINGS:
        value = production_values[name]
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    return settings


@pytest.fixture
def brand_owner(db):
    return MembershipFactory(user__email=f"owner-{uuid.uuid4().hex[:10]}@example.test").user


# ------------------------------------------------------------------ settings


def test_production_sends_the_content_security_policy_from_the_csp_middleware(production_values):
    directives = production_values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]

    assert "csp.middleware.CSPMiddleware" in production_values["MIDDLEWARE"]
    assert {name: sorted(sources) for name, sources in directives.items()} == {
        name: sorted(sources) for name, sources in EXPECTED_POLICY.items()
    }


def test_production_trusts_the_proxys_https_header_and_sends_hsts_for_a_year(production_values):
    assert production_values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production_values["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True


def _production_env(**extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "starmap.example",
        "SITE_URL": "https://starmap.example",
        **extra,
    }


def test_a_deployment_loads_no_development_tool():
    """Production code never imports the demo generator, the embedded servers or the run script: a
    process set up like the web and worker containers (URLs resolved, Celery tasks discovered, the
    WSGI app built) holds only the dev app's config, which Django loads for its commands."""
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import marketplace.wsgi; from marketplace.celery import app; app.loader.import_default_modules(); "
        "print(sorted(m for m in sys.modules if m.startswith('marketplace.dev')))"
    )
    env = _production_env(DATABASE_URL="postgres://app@db.internal/starmap", REDIS_URL="redis://cache.internal:6379/0")

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['marketplace.dev', 'marketplace.dev.apps']"


def test_production_refuses_the_benchmark_floor_view():
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.DEBUG"],
        cwd=BASE_DIR,
        env=_production_env(STARMAP_BENCH_FLOOR="true"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "STARMAP_BENCH_FLOOR is for benchmarks" in result.stderr


@pytest.mark.django_db
def test_the_benchmark_floor_view_is_not_routed_unless_asked_for(client):
    assert client.get("/bench/floor/").status_code == 404


# ------------------------------------------------------------------- headers


@pytest.mark.django_db
def test_a_page_behind_the_https_proxy_carries_every_security_header(client, production):
    response = client.get(reverse("login"), **HTTPS)

    assert response.status_code == 200
    assert _policy(response["Content-Security-Policy"]) == EXPECTED_POLICY
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_a_signed_in_page_carries_the_policy_too(client, production, brand_owner):
    client.force_login(brand_owner)

    response = client.get(reverse("brands:dashboard"), **HTTPS)

    assert response.status_code == 200
    assert _policy(response["Content-Security-Policy"]) == EXPECTED_POLICY


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_without_hsts(client, production):
    response = client.get(reverse("login"))

    assert response.status_code == 301
    assert response["Location"] == "https://testserver" + reverse("login")
    assert "Strict-Transport-Security" not in response


@pytest.mark.django_db
def test_the_csrf_cookie_is_secure(client, production):
    response = client.get(reverse("login"), **HTTPS)

    assert response.cookies["csrftoken"]["secure"] is True


@pytest.mark.django_db
def test_the_session_cookie_is_secure_and_http_only(client, production, brand_owner):
    response = client.post(reverse("login"), {"username": brand_owner.email, "password": PASSWORD}, **HTTPS)

    cookie = response.cookies["sessionid"]
    assert response.status_code == 302
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["api:docs", "api:redoc"])
def test_the_api_docs_relax_only_their_styles_and_still_render(client, production, name):
    response = client.get(reverse(name), **HTTPS)

    policy = _policy(response["Content-Security-Policy"])
    assert response.status_code == 200
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert {k: v for k, v in policy.items() if k not in ("style-src", "worker-src")} == {
        k: v for k, v in EXPECTED_POLICY.items() if k != "style-src"
    }


@pytest.mark.django_db
def test_the_split_swagger_ui_serves_its_start_script_from_this_origin(client, production):
    page = client.get(reverse("api:docs"), **HTTPS).content.decode()

    script = client.get(reverse("api:docs") + "?script=", **HTTPS)

    assert re.search(r"<script>\s*\S", page) is None
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


# ----------------------------------------------------------------- templates

INLINE = {
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "<style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "on* handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on handler": re.compile(r"\shx-on[:-]", re.IGNORECASE),
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "js: value": re.compile(r"""=\s*['"]\s*js:""", re.IGNORECASE),
}


def test_no_page_template_needs_inline_script_or_style_that_the_policy_blocks():
    templates = BASE_DIR / "templates"
    pages = [p for p in sorted(templates.rglob("*.html")) if not p.is_relative_to(templates / "drf_spectacular")]

    found = [
        f"{path.relative_to(BASE_DIR)}: {kind}"
        for path in pages
        for kind, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]

    assert found == []


@pytest.mark.django_db
def test_htmx_is_told_not_to_eval_or_inject_styles(client, brand_owner):
    client.force_login(brand_owner)

    page = client.get(reverse("brands:dashboard")).content.decode()

    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", page)
    assert config is not None
    # "style" is not settled: htmx would copy style attributes with setAttribute, which the policy refuses.
    assert json.loads(config.group(1)) == {
        "allowEval": False,
        "includeIndicatorStyles": False,
        "attributesToSettle": ["class", "width", "height"],
    }
    assert page.index('name="htmx-config"') < page.index("htmx-2.min.js")
    assert "js/starmap.js" in page


# ------------------------------------------------------------------- browser


@pytest.fixture
def browser(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's loop counts as running, Django keeps this thread's connections in a
            # context-local slot; close them, or the test database cannot be dropped at the end.
            connections.close_all()


class PolicyWatch:
    """A browser page that records console errors, page errors and CSP violation events."""

    RECORD_VIOLATIONS = """
        window.__violations = [];
        document.addEventListener("securitypolicyviolation", (e) => {
          window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
        });
    """

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.violations: list[str] = []
        self.page.add_init_script(self.RECORD_VIOLATIONS)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        # Failed loads are reported with their URL by _response; the console line has none.
        if message.type in ("error", "warning") and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response) -> None:
        # Browsers ask for /favicon.ico on their own; the pages declare no icon.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.errors.append(f"{response.status} {response.url}")

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None
        assert response.status == 200, path
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
        self.page.wait_for_load_state("networkidle")
        self.collect()

    def collect(self) -> None:
        self.violations += self.page.evaluate("window.__violations.splice(0)")

    def log_in(self, email: str) -> None:
        self.visit(reverse("login"))
        self.page.fill("#id_username", email)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        self.collect()


@pytest.fixture
def label_tree(transactional_db):
    return [LabelFactory(name=f"Skin care {i}", path=f"Beauty > Skin care {i}") for i in range(3)]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_creator_pages_run_under_the_policy_and_the_label_picker_works(browser, live_server, label_tree):
    creator = CreatorFactory(user__email=f"creator-{uuid.uuid4().hex[:10]}@example.test")
    CreatorLabelFactory(creator=creator, label=LabelFactory(name="Hiking", path="Outdoors > Hiking"))
    watch = PolicyWatch(browser, live_server.url)

    watch.log_in(creator.user.email)
    watch.visit(reverse("creators:dashboard"))
    watch.visit(reverse("creators:detail", args=[creator.handle]))
    watch.visit(reverse("creators:profile_edit"))
    watch.page.fill("#label-q", "skin care")
    watch.page.wait_for_selector("#label-results input[data-move-row-to]")
    results = watch.page.locator("#label-results input[type=checkbox]").count()
    watch.page.locator("#label-results input[type=checkbox]").first.check()
    watch.collect()

    assert results == 3
    assert watch.page.locator("#label-rows input[type=checkbox]").count() == 2
    assert watch.page.locator("#label-results input[type=checkbox]").count() == 2
    assert watch.violations == []
    assert watch.errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_brand_pages_run_under_the_policy_and_the_order_label_picker_works(browser, live_server, label_tree):
    membership = MembershipFactory(user__email=f"owner-{uuid.uuid4().hex[:10]}@example.test")
    OrderFactory(brand=membership.brand)
    watch = PolicyWatch(browser, live_server.url)

    watch.log_in(membership.user.email)
    watch.visit(reverse("brands:dashboard"))
    watch.visit(reverse("orders:create"))
    watch.page.fill("#label-search", "skin care")
    watch.page.wait_for_selector("#label-results button")
    watch.page.locator("#label-results button").first.click()
    watch.page.wait_for_selector("#picked-labels li")
    picked = watch.page.locator("#picked-labels li").count()
    watch.page.locator("#picked-labels li button[data-remove-closest]").click()
    watch.collect()

    assert picked == 1
    assert watch.page.locator("#picked-labels li").count() == 0
    assert watch.violations == []
    assert watch.errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("name", "ready"), [("api:docs", ".swagger-ui .info"), ("api:redoc", ".api-info")])
def test_the_api_docs_render_in_a_browser_under_their_policy(browser, live_server, name, ready):
    watch = PolicyWatch(browser, live_server.url)

    watch.visit(reverse(name))
    watch.page.wait_for_selector(ready, timeout=20_000)
    watch.collect()

    # Redoc's "by Redocly" logo comes from its CDN; the policy blocks it and Redoc hides the image.
    cdn_logo = [v for v in watch.violations if v.startswith("img-src https://cdn.redoc.ly/")]
    assert "Starmap API" in watch.page.content()
    assert [v for v in watch.violations if v not in cdn_logo] == []
    assert [e for e in watch.errors if "https://cdn.redoc.ly/" not in e] == []

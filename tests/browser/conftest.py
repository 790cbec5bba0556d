"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Where Chromium is missing the tests are skipped with a loud message, except in CI (CI=true),
where a missing browser is a failure. Accessibility: axe-core (vendored from the npm registry)
must report no serious or critical violation.
"""

import os
import shutil
import warnings
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MAILLAGE_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
AXE = (
    Path(__file__).resolve().parents[2]
    / "maillage"
    / "static"
    / "vendor"
    / "axe-core"
    / "axe.min.js"
)

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself
# (factories, assertions on the database) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the markers must be there before pytest-django sorts transactional tests last.
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # The live server needs committed data. The flush at the end of each test empties the
            # reference parameters; the autouse fixture of tests/conftest.py seeds them again.
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session")
def _browser():
    if not Path(CHROMIUM).exists():
        message = (
            f"Chromium introuvable ({CHROMIUM}) : tests navigateur IGNORÉS. Lancez `make test`."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_url(live_server):
    def url(path: str = "/") -> str:
        return f"{live_server.url}{path}"

    return url


def _watch_csp(page) -> list[str]:
    """Console errors of the Content-Security-Policy: every browser test fails on one."""
    violations: list[str] = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return violations


@pytest.fixture
def browser_page(_browser, live_server):
    """A fresh page (phone-sized with `mobile_page`), French locale, no network but localhost."""
    context = _browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations = _watch_csp(page)
    yield page
    context.close()
    assert violations == [], "Violations de la Content-Security-Policy"


@pytest.fixture
def mobile_page(_browser, live_server):
    context = _browser.new_context(
        locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations = _watch_csp(page)
    yield page
    context.close()
    assert violations == [], "Violations de la Content-Security-Policy"


@pytest.fixture
def login(live_url):
    def do_login(page, email: str, password: str) -> None:
        page.goto(live_url("/connexion/"))
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()

    return do_login


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"axe-core absent ({AXE}) : lancez `make setup`.")
    # Evaluated through the DevTools protocol: an injected <script> would break the page's CSP.
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in impacts]


@pytest.fixture
def assert_accessible():
    def check(page) -> None:
        violations = axe_violations(page)
        details = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(n["target"][0] for n in v["nodes"][:5])
            for v in violations
        )
        assert not violations, f"Violations d'accessibilité sur {page.url} :\n{details}"

    return check

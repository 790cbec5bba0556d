"""Pages under the Content-Security-Policy (no violation: see conftest), the API documentation
from local files, and the second factor set up in a real browser."""

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.observatory.factories import load_observatory_demo


def test_api_documentation_loads_swagger_ui_from_our_static_files(browser_page, live_url, db):
    page = browser_page
    external = []
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith(live_url("/")) else None,
    )
    page.goto(live_url("/api/v1/docs/"))
    expect(page.get_by_text("API Maillage").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    assert [u for u in external if not u.startswith("data:")] == []


def test_public_pages_with_maps_and_htmx_respect_the_policy(browser_page, live_url, bassin):
    load_observatory_demo(bassin)  # with the directory's demo structures
    page = browser_page
    for path in [
        "/",
        "/connexion/",
        "/communes/06033/",
        "/territoires/bassin-de-vie-carros/",
        "/annuaire/?commune=Carros+%2806510%29&insee=06033&radius_km=10",
        "/observatoire/",
        "/observatoire/bassin-de-vie-carros/",
        "/observatoire/bassin-de-vie-carros/cartes/",
        "/simulateur/",
    ]:
        response = page.goto(live_url(path))
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")


def test_staff_sets_up_the_second_factor(
    browser_page, live_url, login, assert_accessible, alice, password, settings
):
    settings.MAILLAGE_REQUIRE_2FA = True
    page = browser_page
    login(page, alice.email, password)
    expect(
        page.get_by_role("heading", name="Activer la vérification en deux étapes")
    ).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert_accessible(page)
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.get_by_label("Code de vérification").fill(f"{code:06d}")
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()

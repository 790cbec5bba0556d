"""Login protection: lockout of an (account, address) pair, per-address slow-down that never
locks, failed logins in the audit trail, idle timeout, password length, second factor."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from maillage.accounts.middleware import IdleTimeoutMiddleware
from maillage.accounts.security import LoginSlowdown
from maillage.audit.models import AuditAction, AuditEntry
from maillage.web.admin_site import MaillageAdminSite

LOGIN = "/connexion/"
TOWN_HALL = "192.0.2.10"
ELSEWHERE = "198.51.100.20"


def _login(client, email, password, ip=TOWN_HALL, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip, **extra)


@pytest.fixture
def no_slowdown(settings):
    settings.MAILLAGE_LOGIN_IP_FREE_FAILURES = 1000


def test_ten_failures_lock_the_account_from_that_address_with_a_french_page(
    client, bruno, password, settings, no_slowdown
):
    settings.MAILLAGE_SUPPORT_CONTACT = "le support de la Caf au 04 00 00 00 00"
    for _ in range(9):
        assert _login(client, bruno.email, "mauvais").status_code == 200
    assert _login(client, bruno.email, "mauvais").status_code == 429  # the 10th failure locks
    response = _login(client, bruno.email, password)  # the right password, too late
    content = response.content.decode()
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in content
    assert "Vous pourrez réessayer à partir de" in content and "15 minutes" in content
    assert "le support de la Caf au 04 00 00 00 00" in content
    assert "_auth_user_id" not in client.session
    # Upper case does not open another counter.
    assert _login(client, bruno.email.upper(), password).status_code == 429

    # The lock is on the pair: the same person elsewhere, or someone else at the town hall, logs in.
    assert _login(Client(), bruno.email, password, ip=ELSEWHERE).status_code == 302
    response = _login(Client(), "charlie@maillage.example", "mauvais")
    assert response.status_code == 200  # a colleague at the town hall: a wrong password, no lock


def test_failed_logins_go_to_the_audit_trail_without_the_typed_address(client, bruno, no_slowdown):
    _login(client, bruno.email, "mauvais")
    _login(client, "inconnu.personne@exemple.fr", "mauvais")
    known, unknown = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id")
    assert (known.object_id, known.changes) == (str(bruno.pk), {"ip": TOWN_HALL})
    assert known.actor is None and known.actor_label == "visiteur non authentifié"
    assert unknown.object_id == "" and "aucun compte" in unknown.message
    assert "inconnu.personne" not in str(
        AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).values()
    )


def test_one_address_is_slowed_down_never_locked(client, bruno, password, settings):
    settings.MAILLAGE_LOGIN_IP_FREE_FAILURES = 3
    settings.MAILLAGE_LOGIN_IP_BASE_DELAY = 600  # long enough for a loaded machine
    for i in range(3):
        _login(client, f"agent{i}@mairie.example", "mauvais")
    failures = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count()
    response = _login(client, bruno.email, password)
    content = response.content.decode()
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Trop de tentatives de connexion depuis votre réseau : patientez" in content
    assert "Votre compte n&#x27;est pas bloqué" in content
    assert f'value="{bruno.email}"' in content  # what was typed is kept
    # The refused attempt was not even checked: it is no failure of Bruno's account.
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == failures
    # Another address is not concerned.
    assert _login(Client(), bruno.email, password, ip=ELSEWHERE).status_code == 302


def test_the_slow_down_doubles_then_lets_the_next_attempt_through(db, settings):
    settings.MAILLAGE_LOGIN_IP_FREE_FAILURES = 10
    settings.MAILLAGE_LOGIN_IP_BASE_DELAY = 1
    settings.MAILLAGE_LOGIN_IP_MAX_DELAY = 60
    clock = {"now": 1_000_000.0}
    slowdown = LoginSlowdown(now=lambda: clock["now"])
    for _ in range(9):
        slowdown.failed("192.0.2.1")
    assert slowdown.wait_seconds("192.0.2.1") == 0
    waits = []
    for _ in range(9):
        slowdown.failed("192.0.2.1")
        waits.append(slowdown.wait_seconds("192.0.2.1"))
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    clock["now"] += 59
    assert slowdown.wait_seconds("192.0.2.1") == 1
    clock["now"] += 1
    assert slowdown.wait_seconds("192.0.2.1") == 0  # never a lock
    assert slowdown.wait_seconds("192.0.2.2") == 0


def _age_session(client, minutes):
    session = client.session
    session[IdleTimeoutMiddleware.SESSION_KEY] -= minutes * 60
    session.save()


def test_idle_professionals_are_logged_out_with_a_french_message(client, bruno, settings):
    settings.MAILLAGE_IDLE_TIMEOUT_MINUTES = 30
    client.force_login(bruno)
    assert client.get("/mon-espace/").status_code == 200
    _age_session(client, 29)
    assert client.get("/mon-espace/").status_code == 200
    _age_session(client, 31)
    response = client.get("/mon-espace/", follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("web:login"))
    assert (
        "Votre session a expiré après 30 minutes sans activité : reconnectez-vous."
        in response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor=bruno).exists()


def test_families_are_not_logged_out_when_idle(client, emma):
    client.force_login(emma)
    client.get("/mon-espace/")
    assert IdleTimeoutMiddleware.SESSION_KEY not in client.session
    assert client.get("/mon-espace/").status_code == 200


def test_professionals_need_twelve_characters_families_eight(bruno, emma):
    with pytest.raises(ValidationError) as error:
        validate_password("Kx7-pralin", user=bruno)
    assert "au moins 12 caractères" in " ".join(error.value.messages)
    validate_password("Kx7-pralin-vert", user=bruno)
    validate_password("Kx7-pralin", user=emma)
    with pytest.raises(ValidationError):
        validate_password("Kx7-pra", user=emma)  # Django's 8 characters still apply


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_staff_must_set_up_then_verify_a_second_factor(client, alice, password, settings):
    settings.MAILLAGE_REQUIRE_2FA = True
    # django-otp makes a device wait 1 s, 2 s… after a wrong code; no waiting in a test.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    response = _login(client, alice.email, password)
    assert response.status_code == 302
    # Every page leads to the set-up until a device is confirmed.
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("web:two_factor_setup"))
    page = client.get(response.url)
    content = page.content.decode()
    assert "<svg" in content and "Activer la vérification en deux étapes" in content
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert "".join(page.context["secret"].split()) in device.config_url

    wrong = client.post(reverse("web:two_factor_setup"), {"code": "000000", "next": "/admin/"})
    assert "Code incorrect" in wrong.content.decode()
    codes_page = client.post(
        reverse("web:two_factor_setup"), {"code": _code(device), "next": "/admin/"}
    )
    codes = codes_page.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "ne seront plus jamais affichés" in codes_page.content.decode()
    assert client.get("/admin/").status_code == 200

    # Next login: the password is not enough.
    client.post(reverse("web:logout"))
    _login(client, alice.email, password)
    response = client.get("/admin/")
    assert response.url.startswith(reverse("web:two_factor_verify"))
    assert client.get("/api/v1/conventions/").status_code == 403
    response = client.post(reverse("web:two_factor_verify"), {"code": "123456", "next": "/admin/"})
    assert "Code incorrect ou expiré" in response.content.decode()
    assert AuditEntry.objects.filter(
        action=AuditAction.LOGIN_FAILED, actor=alice, message="Code de vérification incorrect"
    ).exists()
    response = client.post(reverse("web:two_factor_verify"), {"code": codes[0], "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200

    # A recovery code works once.
    client.post(reverse("web:logout"))
    _login(client, alice.email, password)
    response = client.post(reverse("web:two_factor_verify"), {"code": codes[0]})
    assert response.status_code == 200 and "Code incorrect" in response.content.decode()


def test_caf_admins_need_the_second_factor_agents_do_not(client, organisations, settings):
    from maillage.accounts.enums import Role
    from tests.accounts.factories import MembershipFactory, UserFactory

    settings.MAILLAGE_REQUIRE_2FA = True
    caf_admin = UserFactory(email="directrice@caf.example")
    MembershipFactory(user=caf_admin, organisation=organisations["caf"], role=Role.ADMIN)
    agent = UserFactory(email="agent@caf.example")
    MembershipFactory(user=agent, organisation=organisations["caf"], role=Role.AGENT)
    client.force_login(caf_admin)
    assert client.get("/mon-espace/").url.startswith(reverse("web:two_factor_setup"))
    client.force_login(agent)
    assert client.get("/mon-espace/").status_code == 200


def test_the_demo_setting_lets_staff_in_without_second_factor(client, alice, password):
    assert _login(client, alice.email, password).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_site_requires_a_verified_device_when_the_setting_is_on(alice, settings):
    request = RequestFactory().get("/admin/")
    request.user = alice
    alice.is_verified = lambda: False  # as set by django-otp's middleware
    site = MaillageAdminSite()
    assert site.has_permission(request) is True
    settings.MAILLAGE_REQUIRE_2FA = True
    assert site.has_permission(request) is False
    alice.is_verified = lambda: True
    assert site.has_permission(request) is True


def test_admin_login_goes_through_the_site_login(client, db):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url == f"{reverse('web:login')}?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_the_demo_brings_its_published_accounts_back_without_second_factor(bassin):
    import io

    from maillage.accounts import demo
    from maillage.accounts.models import User

    demo.load(io.StringIO())
    admin = User.objects.get(email="admin@maillage.example")
    TOTPDevice.objects.create(user=admin, name="téléphone d'un visiteur", confirmed=True)
    demo.load(io.StringIO())
    assert not TOTPDevice.objects.filter(user=admin).exists()


def test_the_address_behind_a_proxy_is_the_one_it_appends(client, bruno, settings, no_slowdown):
    settings.MAILLAGE_TRUSTED_PROXIES = 1
    _login(client, bruno.email, "mauvais", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5")
    # A forged or broken header gives no address rather than an error page.
    response = _login(client, bruno.email, "mauvais", HTTP_X_FORWARDED_FOR="n'importe quoi")
    assert response.status_code == 200
    first, second = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id")
    assert first.changes == {"ip": "203.0.113.5"}
    assert second.changes == {"ip": "inconnue"}

"""Production settings. Every deployment-specific value comes from the environment
(documented in docs/environment.md); a bad value stops the start with a clear message."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = BASE_DIR / "maillage"


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"La variable d'environnement {name} est obligatoire.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on", "oui"):
        return True
    if raw.lower() in ("0", "false", "no", "off", "non"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} : valeur booléenne attendue (true/false).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} : nombre entier attendu.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = env_str("MAILLAGE_SECRET_KEY")
# True only in config.settings.dev: `load_demo` (published passwords) refuses to run elsewhere.
MAILLAGE_DEMO_SETTINGS = False
DEBUG = env_bool("MAILLAGE_DEBUG", False)
ALLOWED_HOSTS = env_list("MAILLAGE_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("MAILLAGE_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "maillage.web.apps.MaillageAdminConfig",  # django.contrib.admin, our site (2FA)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "maillage.core",
    "maillage.territories",
    "maillage.audit",
    "maillage.accounts",
    "maillage.directory",
    "maillage.applications",
    "maillage.commission",
    "maillage.observatory",
    "maillage.conventions",
    "maillage.api",
    "maillage.web",
    "maillage.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "maillage.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "maillage.accounts.middleware.CurrentOrganisationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "maillage.accounts.middleware.IdleTimeoutMiddleware",
    "maillage.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a locked-out login into the lockout page (maillage.web.core.security.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Django's widget templates, the most frequent ones written out in Python (same output, faster)
FORM_RENDERER = "maillage.web.renderers.FastWidgetRenderer"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "maillage.accounts.context_processors.current_organisation",
                "maillage.web.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'maillage.sqlite3'}"),
        conn_max_age=env_int("MAILLAGE_DB_CONN_MAX_AGE", 60),
    )
}


def tune_sqlite(database: dict) -> dict:
    """SQLite (demo, development): concurrent writers wait instead of failing.

    WAL lets readers work while one writer writes; IMMEDIATE transactions take the write lock at
    BEGIN, so two transactions never deadlock on a lock upgrade; the busy timeout makes a writer
    wait (up to 20 s) for the lock instead of answering "database is locked".
    """
    if database["ENGINE"] == "django.db.backends.sqlite3":
        options = database.setdefault("OPTIONS", {})
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        )
        database["CONN_MAX_AGE"] = 0
    return database


tune_sqlite(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:my_space"
LOGOUT_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {
        "NAME": "maillage.accounts.security.ProfessionalMinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login protection (docs/personal-data.md, section Sécurité) ---
# django-axes: an (account, address) pair is locked after 10 failures for 15 minutes. The
# attempts are rows of the database (shared by every process, visible and removable in the
# administration), forgotten when the cool-off ends or at the next successful login.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("MAILLAGE_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("MAILLAGE_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit trail already
AXES_USERNAME_CALLABLE = "maillage.accounts.security.login_username"
AXES_CLIENT_IP_CALLABLE = "maillage.accounts.security.client_ip"
AXES_LOCKOUT_CALLABLE = "maillage.web.core.security.lockout"
AXES_VERBOSE = False
# Per address: slowed down (delay doubling from 1 s, at most 60 s) after 10 failures, never locked.
MAILLAGE_LOGIN_IP_FREE_FAILURES = env_int("MAILLAGE_LOGIN_IP_FREE_FAILURES", 10)
MAILLAGE_LOGIN_IP_BASE_DELAY = env_int("MAILLAGE_LOGIN_IP_BASE_DELAY", 1)
MAILLAGE_LOGIN_IP_MAX_DELAY = env_int("MAILLAGE_LOGIN_IP_MAX_DELAY", 60)
MAILLAGE_LOGIN_IP_WINDOW = 15 * 60
# Who a locked-out person should call (shown on the lockout page).
MAILLAGE_SUPPORT_CONTACT = env_str(
    "MAILLAGE_SUPPORT_CONTACT",
    "l'administrateur ou l'administratrice Maillage de votre organisation",
)
# Professionals are logged out after this many minutes without a request.
MAILLAGE_IDLE_TIMEOUT_MINUTES = env_int("MAILLAGE_IDLE_TIMEOUT_MINUTES", 30)
# Second factor (TOTP + recovery codes) required for the administration and the Caf admins.
MAILLAGE_REQUIRE_2FA = env_bool("MAILLAGE_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = env_str("MAILLAGE_OTP_ISSUER", "Maillage")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "maillage.core.storage.StaticStorage"},
}
STATIC_ROOT = Path(env_str("MAILLAGE_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MAILLAGE_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"

# --- HTTPS, reverse proxies, security headers (docs/environment.md, docs/personal-data.md) ---
# MAILLAGE_HTTPS=true (production): HTTP is redirected to HTTPS, HSTS for one year, secure cookies.
MAILLAGE_HTTPS = env_bool("MAILLAGE_HTTPS", True)
# Number of reverse proxies in front of Maillage (0: none, X-Forwarded-* headers are ignored).
MAILLAGE_TRUSTED_PROXIES = env_int("MAILLAGE_TRUSTED_PROXIES", 0)
if MAILLAGE_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("MAILLAGE_TRUSTED_PROXIES : nombre positif ou nul attendu.")
SECURE_SSL_REDIRECT = MAILLAGE_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]  # the load balancer's health check may use plain HTTP
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if MAILLAGE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = MAILLAGE_HTTPS
# Preloading is a commitment of the whole domain (hstspreload.org): the domain owner decides.
SECURE_HSTS_PRELOAD = env_bool("MAILLAGE_HSTS_PRELOAD", False)
if MAILLAGE_TRUSTED_PROXIES > 0:
    # The proxy terminates TLS and says so; it must overwrite this header from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("MAILLAGE_SECURE_COOKIES", MAILLAGE_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "maillage.web.core.errors.csrf_failure"
# Browser features the site never uses (maillage.core.middleware.PermissionsPolicyMiddleware).
MAILLAGE_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "maillage.api.parsers.SafeJSONParser",  # French 400 on any unreadable JSON body
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "maillage.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        "public": env_str("MAILLAGE_PUBLIC_API_RATE", "120/minute"),
    },
    # Client address of the rate limits: X-Forwarded-For is trusted only for the number of
    # reverse proxies declared (0: ignored, the address of the connection counts).
    "NUM_PROXIES": MAILLAGE_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Maillage",
    "DESCRIPTION": "API JSON de Maillage : communes, offre d'accueil, observatoire, conventions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI comes from the pinned npm package swagger-ui-dist (scripts/vendor_assets.py),
    # never from a CDN; no call to the public validator either.
    "SWAGGER_UI_DIST": f"{STATIC_URL}vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": f"{STATIC_URL}vendor/swagger-ui/favicon-32x32.png",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# One cache shared by every web process (rate limits, lockouts): the database cache by default
# (`maillage createcachetable`, run by `migrate`'s post-migrate hook), Redis when configured.
if os.environ.get("MAILLAGE_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["MAILLAGE_REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "maillage_cache",
        }
    }
# Derived public figures (coverage and catchment of the observatory), one copy per process:
# keys carry the version of the data they derive from (maillage/core/derived.py), so a change
# is visible at once; never personal data nor per-user pages.
CACHES["derived"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "maillage-derived",
    "TIMEOUT": env_int("MAILLAGE_DERIVED_CACHE_TIMEOUT", 600),
    "OPTIONS": {"MAX_ENTRIES": 500},
}
# The expressed demand of the observatory is recomputed by the worker after each change of the
# guichet's queue and stored in the "default" cache; until it lands, pages show the previous
# figures with their date, if not older than this many seconds (else they recompute).
MAILLAGE_DEMAND_PREVIOUS_MAX_AGE = env_int("MAILLAGE_DEMAND_PREVIOUS_MAX_AGE", 900)

# Background work: Django's task framework (backport django-tasks) with its database backend.
# `maillage worker` runs the tasks, `maillage scheduler` enqueues the periodic ones declared in
# maillage/core/schedule.py. See docs/decisions/0006-background-tasks.md.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A worker that has not said it is alive for this many seconds makes /sante/ answer 503.
MAILLAGE_WORKER_HEARTBEAT_MAX_AGE = env_int("MAILLAGE_WORKER_HEARTBEAT_MAX_AGE", 120)

# E-mail: SMTP in production (MAILLAGE_EMAIL_URL-style variables below); console in the demo.
EMAIL_BACKEND = env_str("MAILLAGE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("MAILLAGE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("MAILLAGE_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("MAILLAGE_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("MAILLAGE_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("MAILLAGE_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("MAILLAGE_FROM_EMAIL", "Maillage <ne-pas-repondre@maillage.localhost>")
# Address of the site, for links in e-mails sent by the worker (no request there).
MAILLAGE_SITE_URL = env_str("MAILLAGE_SITE_URL", "http://localhost:8000").rstrip("/")
# Days a family has to use the link of an invitation to claim an application (guichet unique).
MAILLAGE_GUICHET_INVITATION_DAYS = int(env_str("MAILLAGE_GUICHET_INVITATION_DAYS", "14"))
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Map tiles are a setting: an empty value shows the map without a background layer.
MAILLAGE_MAP_TILES_URL = env_str("MAILLAGE_MAP_TILES_URL", "")
MAILLAGE_MAP_TILES_ATTRIBUTION = env_str("MAILLAGE_MAP_TILES_ATTRIBUTION", "")
# Geocoder adapter: "ban" (national address API) in production, "none" disables geocoding.
# File imports (directory, observatory figures): refused at upload, before any parsing, above
# these limits (maillage/core/imports.py).
MAILLAGE_IMPORT_MAX_BYTES = env_int("MAILLAGE_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
MAILLAGE_IMPORT_MAX_ROWS = env_int("MAILLAGE_IMPORT_MAX_ROWS", 100_000)

MAILLAGE_GEOCODER = env_str("MAILLAGE_GEOCODER", "ban")
MAILLAGE_GEOCODER_URL = env_str("MAILLAGE_GEOCODER_URL", "https://api-adresse.data.gouv.fr/search/")


def tiles_origin(url: str) -> list[str]:
    """The origin of the map tiles for the Content-Security-Policy ({s} subdomains: *)."""
    if not url:
        return []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(
            f"MAILLAGE_MAP_TILES_URL={url!r} : adresse http(s)://… attendue."
        )
    return [f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"]


# Content-Security-Policy (django-csp): scripts and styles come from our own static files only;
# an inline <script> needs the request's nonce (`nonce="{{ request.csp_nonce }}"`). Inline
# `style="…"` attributes (progress bars, legend swatches, Leaflet) are allowed: they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", *tiles_origin(MAILLAGE_MAP_TILES_URL)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Who runs this deployment: shown on the "Mentions légales", "Données personnelles" and
# "Accessibilité" pages and in the register of processing activities (docs/personal-data.md).
MAILLAGE_OPERATOR_NAME = env_str("MAILLAGE_OPERATOR_NAME", "")
MAILLAGE_OPERATOR_ADDRESS = env_str("MAILLAGE_OPERATOR_ADDRESS", "")
MAILLAGE_OPERATOR_CONTACT = env_str("MAILLAGE_OPERATOR_CONTACT", "")
MAILLAGE_PUBLICATION_DIRECTOR = env_str("MAILLAGE_PUBLICATION_DIRECTOR", "")
MAILLAGE_HOST_NAME = env_str("MAILLAGE_HOST_NAME", "")
MAILLAGE_HOST_ADDRESS = env_str("MAILLAGE_HOST_ADDRESS", "")
MAILLAGE_DPO_CONTACT = env_str("MAILLAGE_DPO_CONTACT", "")
ACCESSIBILITY_STATUSES = ("non conforme", "partiellement conforme", "totalement conforme")
MAILLAGE_ACCESSIBILITY_STATUS = env_str("MAILLAGE_ACCESSIBILITY_STATUS", "non conforme")
if MAILLAGE_ACCESSIBILITY_STATUS not in ACCESSIBILITY_STATUSES:
    raise ImproperlyConfigured(
        f"MAILLAGE_ACCESSIBILITY_STATUS={MAILLAGE_ACCESSIBILITY_STATUS!r} : valeurs possibles "
        + ", ".join(f"« {s} »" for s in ACCESSIBILITY_STATUSES)
        + "."
    )
MAILLAGE_ACCESSIBILITY_AUDIT = env_str("MAILLAGE_ACCESSIBILITY_AUDIT", "")
MAILLAGE_ACCESSIBILITY_CONTACT = env_str("MAILLAGE_ACCESSIBILITY_CONTACT", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MAILLAGE_LOG_LEVEL", "INFO")},
    # PDF rendering logs every page and font at INFO: keep only its warnings.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes logs every failed login at INFO; the audit trail records them already.
        "axes": {"level": "WARNING"},
    },
}

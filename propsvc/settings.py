"""propsvc settings — the one settings module, read only from the environment.

With nothing set you get the embedded default: an SQLite file under var/ and a
Celery broker on the local file system, so the app, its worker and beat run on a
bare machine. Production (DEBUG off) needs SECRET_KEY and should set
DATABASE_URL, REDIS_URL and EMAIL_URL. Every variable is listed in README.md.
"""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from propsvc.env import env_bool, env_database, env_int, env_list, env_mailer, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PROPSVC_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (production mode).")
    SECRET_KEY = "django-insecure-propsvc-development-only"  # noqa: S105 — DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "propsvc",
    "archives",
    "reception",
    "complaints",
    "violations",
    "surveys",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "propsvc.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "propsvc.middleware.CurrentCommunityMiddleware",
    "propsvc.middleware.ClientAddressMiddleware",
]

ROOT_URLCONF = "propsvc.urls"
WSGI_APPLICATION = "propsvc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "propsvc.context_processors.workplace",
            ],
        },
    },
]

# -- Database ---------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'propsvc.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: for the short queries of a web app, compiling costs more than it saves (60 ms of JIT
    # on a 50 ms statistics query, docs/PERFORMANCE.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- Auth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = ["propsvc.auth.MembershipBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Lockout (propsvc.lockout): this many failed logins within the window lock the username, and
# separately the client address, for the window.
PROPSVC_LOGIN_FAILURE_LIMIT = 5
PROPSVC_LOGIN_LOCKOUT_MINUTES = 15

# -- Sessions: 30 minutes idle ends one (shared front-desk computers) -------
# propsvc.middleware.IdleTimeoutMiddleware renews the session on real requests only: the
# notification bell's poll (every 60 s) must not keep an abandoned page logged in, which is why
# SESSION_SAVE_EVERY_REQUEST stays off.
PROPSVC_SESSION_IDLE_SECONDS = env_int("PROPSVC_SESSION_IDLE_MINUTES", default=30) * 60
SESSION_COOKIE_AGE = PROPSVC_SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
PROPSVC_POLL_URL_NAMES = {"notification-bell", "export-progress"}

# -- Language and time ------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# -- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"  # private uploads; never served as static (see archives)

# -- Mail (Django 6.1 MAILERS) ----------------------------------------------
MAILERS = {"default": env_mailer("EMAIL_URL", default="console://" if DEBUG else "smtp://localhost:25")}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "propsvc@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# -- Celery -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 3}
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# -- Security (production values when DEBUG is off) -------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# https only in production; /healthz stays on plain http for the container's and a load balancer's
# health check. A TLS-terminating proxy that redirects itself may set SECURE_SSL_REDIRECT=false.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# The preload directive only takes effect once the domain's owner submits it to hstspreload.org;
# set SECURE_HSTS_PRELOAD=false if subdomains of this domain must stay reachable over http.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy, enforced when DEBUG is off (CSP=report-only only reports; CSP=off drops
# it). Scripts: our own files, and the nonce for the one inline <script> (templates write
# {% csp_nonce_attr %}); no inline handler at all (print buttons are <button data-print>, handled in
# static/js/propsvc.js). Styles:
# 'unsafe-inline' because templates use style="" attributes and htmx adds its indicator <style>;
# inline styles cannot run code, so scripts stay strict. Images: data: for Bootstrap's SVG icons
# in CSS; the QR codes are inline <svg>.
CONTENT_SECURITY_POLICY = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
_csp_mode = env_str("CSP", "off" if DEBUG else "enforce")
if _csp_mode not in {"enforce", "report-only", "off"}:
    raise ImproperlyConfigured(f"CSP must be enforce, report-only or off, not {_csp_mode!r}.")
SECURE_CSP = CONTENT_SECURITY_POLICY if _csp_mode == "enforce" else {}
SECURE_CSP_REPORT_ONLY = CONTENT_SECURITY_POLICY if _csp_mode == "report-only" else {}

# -- Front end --------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_TAGS = {40: "danger"}

# -- propsvc ----------------------------------------------------------------
PROPSVC_COMPANY_NAME = env_str("PROPSVC_COMPANY_NAME", "示范物业服务有限公司")
PROPSVC_PAGE_SIZE = 50
PROPSVC_NOTIFICATION_KEEP_DAYS = env_int("PROPSVC_NOTIFICATION_KEEP_DAYS", default=180)
# Deadlines (DESIGN.md "Deadlines and reminders"): how long before the due time the reminder goes
# out, per kind; kinds not listed get 4 h before a deadline at least 24 h away, else a sixth of the time left.
PROPSVC_DEADLINE_WARN_BEFORE = {
    "reception.first_response": timedelta(hours=4),  # R-REC-3: 4 h before the 24-hour deadline
    "complaints.first_response": timedelta(hours=4),  # R-REC-3
    "complaints.resolve": timedelta(hours=8),  # R-CMP-4: 8 h before the 48-hour limit
    "complaints.callback": timedelta(hours=2),  # the call-back is on the caller's list 2 h before
    "violations.rectification": timedelta(days=1),  # R-VIO-4: the re-inspection is due tomorrow
}
# R-CB-2: how long after the owner accepts the solution the call-back is due, per complaint
# category ("default" for the others). A time that falls between 22:00 and 08:00 moves to 09:00.
PROPSVC_CALLBACK_DELAY = {
    "default": timedelta(days=3),
    "facilities": timedelta(days=3),  # a repair: does it still work after a few days?
    "cleaning": timedelta(days=2),
    "security": timedelta(days=2),
    "service": timedelta(days=1),
    "fees": timedelta(days=1),
    "renovation": timedelta(days=7),  # renovation fixes need a week to show
    "neighbours": timedelta(days=7),  # has the dispute really calmed down?
    "company": timedelta(days=3),
}
# Violations (R-VIO-*): photos (images only, checked by content) up to this size and number; days
# for the CS center to reach out to the owner after a penalty (R-VIO-6); days to decide what follows
# a failed re-inspection; days for a superior to sign a proposed penalty.
PROPSVC_VIOLATION_PHOTO_MAX_BYTES = env_int("PROPSVC_VIOLATION_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
PROPSVC_VIOLATION_PHOTOS_MAX = 9
PROPSVC_VIOLATION_FOLLOW_UP_DAYS = env_int("PROPSVC_VIOLATION_FOLLOW_UP_DAYS", default=7)
PROPSVC_VIOLATION_NEXT_STEP_DAYS = 3
PROPSVC_VIOLATION_SIGN_DAYS = 3
# Confidential archives (R-ARC-4): how long a registered look-up stays open (minutes; the requester may
# ask for less, up to the maximum), and the largest archive document accepted.
PROPSVC_ARCHIVE_WINDOW_MINUTES = env_int("PROPSVC_ARCHIVE_WINDOW_MINUTES", default=120)
PROPSVC_ARCHIVE_WINDOW_MAX_MINUTES = 8 * 60
PROPSVC_ARCHIVE_DOCUMENT_MAX_BYTES = env_int("PROPSVC_ARCHIVE_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
# The roster import (业户信息导入): the largest .xlsx and the most rows in one upload.
PROPSVC_ROSTER_MAX_BYTES = env_int("PROPSVC_ROSTER_MAX_BYTES", default=5 * 1024 * 1024)
PROPSVC_ROSTER_MAX_ROWS = 20_000
# R-ARC-5 (PIPL Art. 19, 47): a former owner's personal fields are anonymised this many years after
# their last ownership ended (archives.privacy, beat nightly), at most this many owners a run.
PROPSVC_FORMER_OWNER_ANONYMISE_YEARS = env_int("PROPSVC_FORMER_OWNER_ANONYMISE_YEARS", default=3)
if PROPSVC_FORMER_OWNER_ANONYMISE_YEARS < 1:
    raise ImproperlyConfigured("PROPSVC_FORMER_OWNER_ANONYMISE_YEARS must be at least 1.")
PROPSVC_FORMER_OWNER_ANONYMISE_BATCH = 500
# Celery beat runs the deadline sweep this often (seconds).
PROPSVC_SWEEP_SECONDS = env_int("PROPSVC_SWEEP_SECONDS", default=60)
# Prefixed to notification links in emails, e.g. https://kf.example.com (empty: the path only).
PROPSVC_SITE_URL = env_str("PROPSVC_SITE_URL", "").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

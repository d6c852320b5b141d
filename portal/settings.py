"""Settings, read from the environment (and a local .env in development) by portal.env."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from portal.env import (
    default_storage,
    env_bool,
    env_date,
    env_int,
    env_list,
    env_str,
    load_dotenv,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# PORTAL_DOTENV="" disables the file (production, and the check --deploy test).
_dotenv = os.environ.get("PORTAL_DOTENV", str(BASE_DIR / ".env"))
if _dotenv:
    load_dotenv(Path(_dotenv))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
# Former keys, still accepted for what they signed (sessions, links) during a rotation.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The vault's keys: "k2:base64,k1:base64", the first one encrypts, all of them decrypt.
MYNUMBER_KEYS = env_str("MYNUMBER_KEYS")
MYNUMBER_HMAC_KEY = env_str("MYNUMBER_HMAC_KEY")
# Only while rotating the hash key: the key `manage.py rotate_mynumber_hmac_key` rotates to.
MYNUMBER_HMAC_KEY_NEXT = env_str("MYNUMBER_HMAC_KEY_NEXT", "")
# The second factors' secrets (TOTP, recovery codes), sealed apart from SECRET_KEY:
# "m2:base64,m1:base64", the first one seals, all of them open (portal.keys.mfa).
MFA_SECRET_KEYS = env_str("MFA_SECRET_KEYS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "pgtrigger",
    "django_tasks_db",
    "portal",
    "members",
    "eligibility",
    "notices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.PrivacyHeadersMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.languages.PortalLanguageMiddleware",  # after auth: staff and employers get ja
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.sessions.SessionLimitsMiddleware",
    "portal.middleware.RequireMFAMiddleware",
    "portal.keys.middleware.KeyCheckFailedMiddleware",
    "portal.responses.StoredFileUnavailableMiddleware",  # a stored PDF unreadable: a 503 page
]

if not DEBUG:
    # Production serves collected static files itself; development lets runserver do it.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Django's cached loader, one copy per language with the fixed text worked out
            # once (portal.templating).
            "loaders": [
                (
                    "portal.templating.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "portal.pages.context.member_name",
            ],
            # i18n everywhere: member templates mark their text without a {% load %} each.
            "builtins": ["portal.templatetags.wareki", "django.templatetags.i18n"],
        },
    },
]

# Every form's fields name themselves in their messages (「氏名を入力してください。」).
FORM_RENDERER = "portal.formrender.PortalFormRenderer"
# A stale form gets the portal's own page with a way back, not Django's English one.
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

# The running portal connects as DATABASE_URL's role, which owns nothing and may only read and
# append the audit log (portal.database_roles). Schema commands (migrate, createcachetable) run
# with DATABASE_AS_OWNER=1 as DATABASE_OWNER_URL's role, which owns the tables and grants the
# portal's role its privileges after each migrate. Without DATABASE_OWNER_URL one role does both
# (check --deploy warns).
_portal_database = parse_database_url(env_str("DATABASE_URL"))
DATABASE_APP_ROLE = _portal_database["USER"]
DATABASE_OWNER = parse_database_url(env_str("DATABASE_OWNER_URL", env_str("DATABASE_URL")))
if env_bool("DATABASE_AS_OWNER", False):
    _where = ("HOST", "PORT", "NAME")
    if [DATABASE_OWNER[k] for k in _where] != [_portal_database[k] for k in _where]:
        raise ImproperlyConfigured("DATABASE_OWNER_URL and DATABASE_URL name different databases")
    _portal_database = {**DATABASE_OWNER, "OPTIONS": dict(DATABASE_OWNER["OPTIONS"])}
DATABASES = {"default": _portal_database}
# Persistent connections roughly triple throughput; health checks drop broken ones.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# pgtrigger's ignore check reads this setting inside an exception block; left unset, every
# guarded write aborts a subtransaction whose cost grows with what the transaction has written
# (audit inserts ten times slower by 60,000 rows in one import). An empty list ignores nothing.
# Every migrate makes it the database's default (portal.database_roles); the startup parameter
# covers a database whose owner may not (check --deploy warns behind a pooler, portal.W011).
# DATABASE_POOLER=session|transaction: DATABASE_URL is a PgBouncer (README "Behind PgBouncer").
DATABASE_POOLER = env_str("DATABASE_POOLER", "none")
if DATABASE_POOLER not in {"none", "session", "transaction"}:
    raise ImproperlyConfigured("DATABASE_POOLER must be none, session or transaction")
_options = DATABASES["default"].setdefault("OPTIONS", {})
if DATABASE_POOLER == "none":
    _options["options"] = "-c pgtrigger.ignore={}"  # PgBouncer refuses this startup parameter
if DATABASE_POOLER == "transaction":
    # Each transaction may run on another server connection: nothing may outlive one. psycopg
    # would prepare a statement on one server and execute it on another (off by Django's
    # default; pinned here), and QuerySet.iterator() outside a transaction fetches from a WITH
    # HOLD cursor that only the server which declared it holds.
    _options["prepare_threshold"] = None
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
            # The default culls at 300 entries: a flood of keys could evict the rate limits'
            # counters (portal.ratelimit) and reset them.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    )
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Staff, auditors and employer users are logged out after this long without a request;
# everyone is logged out this long after the login (portal/sessions.py).
SESSION_IDLE_SECONDS_STAFF = env_int("SESSION_IDLE_SECONDS_STAFF", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 8 * 60 * 60)
# The stored session outlives the absolute limit by an hour, so that it is the middleware
# that ends it, with its message and audit row.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", SESSION_ABSOLUTE_SECONDS + 60 * 60)

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "notices", "certificates"],
    }
}

# Django's and allauth's backends, loading each request's user with its roles in one query.
AUTHENTICATION_BACKENDS = [
    "portal.auth_backends.PortalModelBackend",
    "portal.auth_backends.PortalAuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: e-mail login, mandatory verification, TOTP with recovery codes.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "portal.pages.context.display_name"  # the member's name
# allauth's forms with the portal's refusal of full numbers (portal.forms).
ACCOUNT_FORMS = {
    "login": "portal.forms.LoginForm",
    "signup": "portal.forms.SignupForm",
    "reset_password": "portal.forms.ResetPasswordForm",
    "add_email": "portal.forms.AddEmailForm",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_ADAPTER = "portal.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "MY HEALTH WEB")
# One 30-second step either side: phones drift, and a code typed at the turn still counts.
MFA_TOTP_TOLERANCE = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "landing"

# E-mail (Django 6.1's MAILERS). EMAIL_BACKEND picks the backend; SMTP reads EMAIL_HOST etc.
_email_backend = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": (
            {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            }
            if _email_backend.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Member pages speak four languages (portal.languages picks one per request); staff and
# employer pages, the notices and the 資格確認書 stay Japanese. Each language is named in itself.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English"), ("pt-br", "Português"), ("vi", "Tiếng Việt")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Stored PDFs: on an S3-compatible object store when OBJECT_STORE_BUCKET is set (OBJECT_STORE_*,
# portal.env.default_storage), else under MEDIA_ROOT, which then must be one disk every web
# process and worker shares: MEDIA_ROOT_SHARED=1 says so to `check --deploy` (portal.checks).
OBJECT_STORE_BUCKET = env_str("OBJECT_STORE_BUCKET", "")
MEDIA_ROOT_SHARED = env_bool("MEDIA_ROOT_SHARED", False)
STORAGES = {
    "default": default_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Roster CSV uploads (members.import_views): larger files are refused before reading.
ROSTER_UPLOAD_MAX_BYTES = env_int("ROSTER_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)

# 資格情報のお知らせ: members enrolled on the cut-off date get the first notice, with the last
# four digits; members see notices from the availability date. The base URL goes into QR codes.
NOTICE_CUTOFF_DATE = env_date("NOTICE_CUTOFF_DATE", date(2024, 9, 30))
NOTICES_AVAILABLE_FROM = env_date("NOTICES_AVAILABLE_FROM", date(2024, 10, 15))
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# 登録コード: how long a mailed code works, and how many wrong attempts an account or an IP
# address may make in an hour before linking is refused outright.
REGISTRATION_CODE_VALID_DAYS = env_int("REGISTRATION_CODE_VALID_DAYS", 90)
LINK_MAX_FAILURES_PER_ACCOUNT = env_int("LINK_MAX_FAILURES_PER_ACCOUNT", 5)
LINK_MAX_FAILURES_PER_IP = env_int("LINK_MAX_FAILURES_PER_IP", 20)
LINK_FAILURE_WINDOW_SECONDS = env_int("LINK_FAILURE_WINDOW_SECONDS", 60 * 60)
# QR verification lookups per address per window: plenty for people, little for a scan.
VERIFY_MAX_PER_IP = env_int("VERIFY_MAX_PER_IP", 60)
VERIFY_WINDOW_SECONDS = env_int("VERIFY_WINDOW_SECONDS", 10 * 60)
# Mismatch reports per account per window: plenty for a household, little for a script.
MISMATCH_REPORTS_PER_ACCOUNT = env_int("MISMATCH_REPORTS_PER_ACCOUNT", 10)
MISMATCH_REPORT_WINDOW_SECONDS = env_int("MISMATCH_REPORT_WINDOW_SECONDS", 24 * 60 * 60)
# Correction proposals per staff account per window, made or refused: each asks the vault
# whether a number is held, so plenty for casework, little for a script trying numbers.
MISMATCH_PROPOSALS_PER_ACCOUNT = env_int("MISMATCH_PROPOSALS_PER_ACCOUNT", 20)
MISMATCH_PROPOSAL_WINDOW_SECONDS = env_int("MISMATCH_PROPOSAL_WINDOW_SECONDS", 60 * 60)
# How long a password re-entry stands for a supervisor's approval.
STEP_UP_SECONDS = env_int("STEP_UP_SECONDS", 5 * 60)
# Up to this many new notices after a roster change are issued at once; more go to a batch.
NOTICE_REISSUE_NOW_LIMIT = env_int("NOTICE_REISSUE_NOW_LIMIT", 20)
# 資格確認書: the insurer's default validity in years (the law allows at most 5).
CERTIFICATE_DEFAULT_YEARS = env_int("CERTIFICATE_DEFAULT_YEARS", 5)

# Security. Strict CSP: no inline script or style anywhere; QR codes come as data: images.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the portal append to X-Forwarded-For (1 behind the documented TLS
# proxy). The client's address, for the audit log and the per-address limits, is the entry that
# many from the right (portal.audit.client_ip); 0: the connection's own address.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
if TRUSTED_PROXY_HOPS < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_HOPS must be 0 or more")
# The health endpoints are probed over plain HTTP from inside the deployment.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# One line per event on stdout.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "()": "portal.logformat.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"handlers": ["stdout"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # runserver's request lines carry query strings (a search typed into a GET form):
        # through the portal's formatter, which masks full numbers, not Django's own.
        "django.server": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
    },
}

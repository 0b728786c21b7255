"""Django settings for Scoop BYOK, read from the environment.

The defaults run the embedded demo: SQLite and a Celery broker that needs no
server. Production sets ``DATABASE_URL`` and ``CELERY_BROKER_URL`` (see
``docker-compose.yml``) and leaves ``DEBUG`` off, which makes secrets
mandatory and the site HTTPS-only.
"""

import base64
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

from scoop_byok.env import Env, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# The test suite sets its own environment; a developer's .env stays out.
if not os.environ.get("SCOOP_IGNORE_DOTENV"):
    load_dotenv(BASE_DIR / ".env")
env = Env()

DEBUG = env.bool("DEBUG", False)

if DEBUG:
    # A throwaway key keeps a bare development checkout usable; sessions
    # simply do not survive a restart.
    SECRET_KEY = env.str("SECRET_KEY", secrets.token_urlsafe(50))
else:
    SECRET_KEY = env.str("SECRET_KEY")
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "aiprovider",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "scoop_byok.middleware.ContentSecurityPolicyMiddleware",
    "scoop_byok.middleware.PrivateAPIResponsesMiddleware",
    "scoop_byok.middleware.APIBodyLengthRequiredMiddleware",
]

ROOT_URLCONF = "scoop_byok.urls"
WSGI_APPLICATION = "scoop_byok.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # Small display filters every template may use without {% load %}.
            "builtins": ["scoop_byok.templatetags.relative_time"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.current_account",
                "aiprovider.context_processors.key_alerts",
            ],
        },
    },
]

# Database ----------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env.str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'scoop_byok.sqlite3'}"),
        conn_max_age=env.int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # The web server and the worker share one file: WAL lets readers run
    # beside a writer, the busy timeout waits out short locks instead of
    # failing with "database is locked", and IMMEDIATE transactions take
    # the write lock up front so two writers never deadlock on upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The cache holds throttle counters only, never key material. Production
# points it at Redis so every web worker shares the counts.
CACHE_URL = env.str("CACHE_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        }
        if CACHE_URL
        # Without a server, a folder still lets every web process share the
        # throttling counters.
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}

# Uploaded datasets are parsed in memory and stored in the database.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATASET_MAX_BYTES = env.int("DATASET_MAX_BYTES", 5 * 1024 * 1024)
# A background summary not finished this long after it was requested is
# failed, whatever happened to its worker or message; longer than any call.
DATASET_SUMMARY_DEADLINE_S = env.int("DATASET_SUMMARY_DEADLINE_S", 300)

# Security ----------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Crash reports (and the DEBUG error page) redact anything key-shaped, on
# top of the variables views and services mark as sensitive.
DEFAULT_EXCEPTION_REPORTER_FILTER = (
    "scoop_byok.logging.RedactingExceptionReporterFilter"
)
DEFAULT_EXCEPTION_REPORTER = "scoop_byok.logging.RedactingExceptionReporter"
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
# Swagger UI, which draws the interactive API docs, sets inline styles.
CONTENT_SECURITY_POLICY_EXCEPTIONS = {
    "/api/v1/docs/": {"style-src": "'self' 'unsafe-inline'"},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP inside the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Encryption of stored provider keys ---------------------------------------

# Newest first: the first key encrypts, every key decrypts. Kept apart from
# SECRET_KEY so that either can be rotated without touching the other.
BYOK_ENCRYPTION_KEYS = env.list("BYOK_ENCRYPTION_KEYS")
for _position, _encoded in enumerate(BYOK_ENCRYPTION_KEYS, start=1):
    try:
        _valid = len(base64.urlsafe_b64decode(_encoded.encode("ascii"))) == 32
    except (ValueError, UnicodeEncodeError):
        _valid = False
    if not _valid:
        raise ImproperlyConfigured(
            f"BYOK_ENCRYPTION_KEYS entry {_position} is not a url-safe base64 "
            "encoding of 32 bytes."
        )
if not BYOK_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "Set BYOK_ENCRYPTION_KEYS to one or more comma-separated url-safe "
        "base64 32-byte keys (newest first). Generate one with: python -c "
        '"import base64, os; print(base64.urlsafe_b64encode(os.urandom(32))'
        '.decode())"'
    )

# AI providers -------------------------------------------------------------

ANTHROPIC_BASE_URL = env.str("ANTHROPIC_BASE_URL", "https://api.anthropic.com")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", "https://api.openai.com/v1")
SYSTEM_AI_PROVIDER = env.str("SYSTEM_AI_PROVIDER", "anthropic")
if SYSTEM_AI_PROVIDER not in ("anthropic", "openai"):
    raise ImproperlyConfigured(
        f"SYSTEM_AI_PROVIDER must be 'anthropic' or 'openai', "
        f"not {SYSTEM_AI_PROVIDER!r}."
    )
SYSTEM_ANTHROPIC_API_KEY = env.str("SYSTEM_ANTHROPIC_API_KEY", "")
SYSTEM_OPENAI_API_KEY = env.str("SYSTEM_OPENAI_API_KEY", "")

AI_TASKS = ("query", "why", "ml_analysis", "predictive", "summary", "chart", "canvas")
DEFAULT_AI_MODELS = {
    "anthropic": {
        "query": "claude-sonnet-4-5",
        "why": "claude-sonnet-4-5",
        "ml_analysis": "claude-sonnet-4-5",
        "predictive": "claude-sonnet-4-5",
        "summary": "claude-haiku-4-5",
        "chart": "claude-haiku-4-5",
        "canvas": "claude-sonnet-4-5",
        "key_test": "claude-haiku-4-5",
    },
    "openai": {
        "query": "gpt-4.1",
        "why": "gpt-4.1",
        "ml_analysis": "gpt-4.1",
        "predictive": "gpt-4.1",
        "summary": "gpt-4.1-mini",
        "chart": "gpt-4.1-mini",
        "canvas": "gpt-4.1",
        "key_test": "gpt-4.1-mini",
    },
}
# AI_MODEL_<PROVIDER>_<TASK>, e.g. AI_MODEL_OPENAI_SUMMARY, overrides one id.
AI_MODELS = {
    provider: {
        task: env.str(f"AI_MODEL_{provider.upper()}_{task.upper()}", model)
        for task, model in models.items()
    }
    for provider, models in DEFAULT_AI_MODELS.items()
}
# US dollars per million input and output tokens.
AI_MODEL_PRICES = env.json(
    "AI_MODEL_PRICES",
    {
        "claude-opus-4-1": {"input": 15, "output": 75},
        "claude-sonnet-4-5": {"input": 3, "output": 15},
        "claude-haiku-4-5": {"input": 1, "output": 5},
        "gpt-4.1": {"input": 2, "output": 8},
        "gpt-4.1-mini": {"input": 0.4, "output": 1.6},
        "gpt-4o-mini": {"input": 0.15, "output": 0.6},
    },
)
AI_COST_CURRENCY = "USD"
AI_CALL_TIMEOUT_S = env.float("AI_CALL_TIMEOUT_S", 60.0)
AI_MAX_OUTPUT_TOKENS = env.int("AI_MAX_OUTPUT_TOKENS", 1024)
# Scoop credits debited per thousand tokens of a System Default call.
AI_CREDITS_PER_1K_TOKENS = env.str("AI_CREDITS_PER_1K_TOKENS", "1")
AI_STARTING_CREDITS = env.str("AI_STARTING_CREDITS", "1000")

KEY_TEST_TIMEOUT_S = env.float("KEY_TEST_TIMEOUT_S", 20.0)
# A test not finished this long after it was requested is failed as
# incomplete, whatever happened to its worker or message.
KEY_TEST_DEADLINE_S = env.int("KEY_TEST_DEADLINE_S", 60)
KEY_TEST_THROTTLE_COUNT = env.int("KEY_TEST_THROTTLE_COUNT", 10)
KEY_TEST_THROTTLE_WINDOW_S = env.int("KEY_TEST_THROTTLE_WINDOW_S", 60)
# Database connections one worker process may hold at once for key tests;
# the tests themselves can run on many more threads than this.
WORKER_DB_CONNECTIONS = env.int("WORKER_DB_CONNECTIONS", 10)
# How many proxies sit in front of the app; their X-Forwarded-For entries
# name the real client. 0 trusts none: the connecting address is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0)
# Failed sign-ins allowed in a window, per email from one client address and
# per client address.
SIGN_IN_MAX_FAILURES_PER_EMAIL = env.int("SIGN_IN_MAX_FAILURES_PER_EMAIL", 5)
SIGN_IN_MAX_FAILURES_PER_IP = env.int("SIGN_IN_MAX_FAILURES_PER_IP", 20)
# For one email from any number of addresses: high, so that a stranger
# cannot lock a user out with a handful of wrong passwords.
SIGN_IN_MAX_FAILURES_PER_EMAIL_ANYWHERE = env.int(
    "SIGN_IN_MAX_FAILURES_PER_EMAIL_ANYWHERE", 50
)
SIGN_IN_FAILURE_WINDOW_S = env.int("SIGN_IN_FAILURE_WINDOW_S", 300)
# Saved keys older than this many days get a rotation reminder.
KEY_ROTATION_DAYS = env.int("KEY_ROTATION_DAYS", 90)

# Celery -------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # The transport polls; the default second would make every key
        # test feel sluggish.
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
        "max_retries": 1,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"aiprovider.tasks.run_key_test": {"queue": "key_tests"}}
CELERY_BEAT_SCHEDULE = {
    "sweep-key-tests": {
        "task": "aiprovider.tasks.sweep_key_tests",
        "schedule": 30.0,
    },
    "sweep-dataset-summaries": {
        "task": "analytics.tasks.sweep_dataset_summaries",
        "schedule": 60.0,
    },
    "prune-expired-api-tokens": {
        "task": "accounts.tasks.prune_expired_api_tokens",
        "schedule": 3600.0,
    },
}

# Email --------------------------------------------------------------------

_email = dj_email_url.parse(env.str("EMAIL_URL", "console:"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Scoop <noreply@localhost>")
# Where users reach the web app; links in emails start with it.
SITE_URL = env.str("SITE_URL", "http://127.0.0.1:8000")

# REST API -----------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "scoop_byok.parsers.SafeJSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "scoop_byok.api_errors.exception_handler",
    # The client address for throttling comes from TRUSTED_PROXY_COUNT
    # entries of X-Forwarded-For, never from what any client sends.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {"sign_in": env.str("SIGN_IN_THROTTLE_RATE", "10/min")},
    "UNAUTHENTICATED_USER": None,
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", 30)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Scoop BYOK API",
    "DESCRIPTION": "Bring Your Own Key: AI provider settings, key tests, "
    "datasets, AI queries and usage for Scoop accounts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Group operations by what they act on (ai-provider, datasets, ai, ...)
    # rather than all under "accounts".
    "SCHEMA_PATH_PREFIX": r"/api/v1(/accounts/\{account_id\})?",
}

# Logging ------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "scoop_byok.logging.RedactSecretsFilter"},
        "skip_provider_refusals": {"()": "scoop_byok.logging.SkipProviderRefusals"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["redact_secrets", "skip_provider_refusals"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The SDKs and their HTTP layer log request details at DEBUG.
        "anthropic": {"level": "WARNING"},
        "openai": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
        "httpcore2": {"level": "WARNING"},
        # Django's own defaults would mail and print unfiltered; here its
        # records go through the redacting handlers above instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Also reaches the console through root; mails only when ADMINS is set.
        "django.request": {"handlers": ["mail_admins"], "level": "ERROR"},
    },
}

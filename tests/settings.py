"""Settings for the test suite: the real settings with test secrets.

``DATABASE_URL`` and ``CELERY_BROKER_URL`` from the environment still win,
which is how CI runs the same suite on PostgreSQL and Redis.
"""

import os
import tempfile
from pathlib import Path

os.environ["SCOOP_IGNORE_DOTENV"] = "1"
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault(
    "SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef"
)
os.environ.setdefault(
    "BYOK_ENCRYPTION_KEYS", "dGVzdC1rZXlyaW5nLWtleS0wMDAwMDAwMDAwMDAwMDA="
)
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SYSTEM_AI_PROVIDER", "anthropic")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from scoop_byok.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Serve static files straight from the source folders, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A file database, so the Celery worker's threads and the test share it with
# SQLite's ordinary locking (WAL) rather than an in-memory shared cache's
# table locks. One file per test process keeps parallel runs apart.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(
            Path(tempfile.gettempdir()) / f"scoop-byok-test-{os.getpid()}.sqlite3"
        )
    }

# Each test process keeps its own throttling counters.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

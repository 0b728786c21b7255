"""Settings for benchmark runs: the production settings on their own database.

The runner (``python -m benchmarks``) puts the secrets, the PostgreSQL URL of
the ``scoop_bench`` database and Redis database 11 into the environment
before anything imports this module, so the web server and the worker it
starts read exactly what the measuring process reads. The only change to
the product's own settings is the URL configuration, which adds the bare
endpoint that the ``GET …/ai-provider/`` figure is compared with.
"""

from django.core.exceptions import ImproperlyConfigured

from scoop_byok.settings import *  # noqa: F403
from scoop_byok.settings import DATABASES

BENCH_DATABASE_NAME = "scoop_bench"

ROOT_URLCONF = "benchmarks.bench_urls"

# The runner drops this database at the end of a run, so it must never be
# pointed at anybody else's.
if DATABASES["default"].get("NAME") != BENCH_DATABASE_NAME:
    raise ImproperlyConfigured(
        f"benchmarks.settings only runs on the {BENCH_DATABASE_NAME!r} database; "
        "start benchmarks with `benchmarks/run` (or `python -m benchmarks`)."
    )

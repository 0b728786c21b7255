"""The services a benchmark run starts for itself, and tears down again.

A run owns the ``scoop_bench`` PostgreSQL database (created empty, dropped at
the end) and Redis database 11 (emptied before and after), so it never
touches the data of the test suite or of anybody else on the same servers.
Everything else it needs — the fake provider, the web server, the key-test
worker — it starts as child processes on loopback ports and stops by their
process ids.
"""

import base64
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

REPO_ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = REPO_ROOT / "var" / "benchmarks"
HOST = "127.0.0.1"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE_NAME = "scoop_bench"
REDIS_URL = "redis://127.0.0.1:6379/11"
SETTINGS_MODULE = "benchmarks.settings"

# pg_stat_activity tells the processes apart by these names.
DRIVER_APP_NAME = "scoop_bench_driver"
WEB_APP_NAME = "scoop_bench_web"
WORKER_APP_NAME = "scoop_bench_worker"


def database_url(application_name: str) -> str:
    return f"{POSTGRES_SERVER}/{DATABASE_NAME}?application_name={application_name}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def configure_environment(fake_provider_port: int) -> None:
    """Put production-style settings for this run into the environment.

    DEBUG stays off, so the app runs as in production: mandatory secrets
    (fresh ones every run), HTTPS-only behind a proxy that sends
    ``X-Forwarded-Proto: https`` (the clients here send it), PostgreSQL and
    Redis. The child processes inherit all of it.
    """
    from fakeprovider.keys import demo_key

    provider_url = f"http://{HOST}:{fake_provider_port}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "BYOK_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "DATABASE_URL": database_url(DRIVER_APP_NAME),
            "CELERY_BROKER_URL": REDIS_URL,
            "CACHE_URL": REDIS_URL,
            "ANTHROPIC_BASE_URL": provider_url,
            "OPENAI_BASE_URL": f"{provider_url}/v1",
            "SYSTEM_AI_PROVIDER": "anthropic",
            "SYSTEM_ANTHROPIC_API_KEY": demo_key("anthropic", "valid", salt="system"),
            "SYSTEM_OPENAI_API_KEY": demo_key("openai", "valid", salt="system"),
            "LOG_LEVEL": "INFO",
        }
    )
    # An SDK must never pick these up; the product ignores them anyway.
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "HTTP_PROXY", "HTTPS_PROXY"):
        os.environ.pop(name, None)


def _postgres_admin():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True)


def database_create() -> None:
    """Create an empty ``scoop_bench`` database (dropping a leftover one)."""
    with _postgres_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def database_drop() -> None:
    with _postgres_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')


def redis_flush() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass
class ChildProcess:
    name: str
    process: subprocess.Popen
    log_path: Path

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, grace_s: float = 10.0) -> None:
        """Stop the process group this run started for the child."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


@dataclass
class Children:
    """The processes of one run; stopped in reverse order of starting."""

    started: list[ChildProcess] = field(default_factory=list)

    def start(
        self, name: str, argv: list[str], env: dict[str, str] | None = None
    ) -> ChildProcess:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log_path = LOG_DIR / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - argv built here
                argv,
                cwd=REPO_ROOT,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child = ChildProcess(name, process, log_path)
        self.started.append(child)
        return child

    def stop(self, child: ChildProcess) -> None:
        child.stop()
        if child in self.started:
            self.started.remove(child)

    def stop_all(self) -> None:
        while self.started:
            self.stop(self.started[-1])


def bin_path(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def wait_for_port(port: int, child: ChildProcess, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(
                f"{child.name} exited early:\n{child.log_text()[-3000:]}"
            )
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{child.name} did not listen on {port} in {timeout_s} s")


def wait_for_log(child: ChildProcess, needle: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if needle in child.log_text():
            return
        if child.process.poll() is not None:
            raise RuntimeError(
                f"{child.name} exited early:\n{child.log_text()[-3000:]}"
            )
        time.sleep(0.1)
    raise RuntimeError(f"{child.name} never logged {needle!r} in {timeout_s} s")


def start_fake_provider(children: Children, port: int) -> ChildProcess:
    child = children.start(
        "fakeprovider",
        [
            sys.executable,
            "-m",
            "fakeprovider",
            "--host",
            HOST,
            "--port",
            str(port),
            "--quiet",
        ],
    )
    wait_for_port(port, child)
    return child


@dataclass(frozen=True)
class WebServerConfig:
    workers: int
    threads: int

    def describe(self) -> str:
        return (
            f"gunicorn {self.workers} workers × {self.threads} threads (gthread), "
            "DEBUG off"
        )


def start_web_server(
    children: Children, port: int, config: WebServerConfig
) -> ChildProcess:
    """Start gunicorn as bin/demo does, with keep-alive for the clients."""
    child = children.start(
        "gunicorn",
        [
            bin_path("gunicorn"),
            "scoop_byok.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(config.workers),
            "--threads",
            str(config.threads),
            "--worker-class",
            "gthread",
            "--keep-alive",
            "30",
            "--timeout",
            "90",
        ],
        env={"DATABASE_URL": database_url(WEB_APP_NAME)},
    )
    wait_for_port(port, child)
    _wait_for_http(f"http://{HOST}:{port}/healthz", child)
    return child


def _wait_for_http(url: str, child: ChildProcess, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        if child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited:\n{child.log_text()[-3000:]}")
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 in {timeout_s} s")


def start_key_test_worker(children: Children, concurrency: int) -> ChildProcess:
    """Start the key-test worker the way a production node runs it."""
    child = children.start(
        "celery-key-tests",
        [
            bin_path("celery"),
            "-A",
            "scoop_byok",
            "worker",
            "-Q",
            "key_tests",
            "--pool",
            "threads",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
            "--hostname",
            f"bench-key-tests-{os.getpid()}@%h",
        ],
        env={"DATABASE_URL": database_url(WORKER_APP_NAME)},
    )
    wait_for_log(child, " ready.")
    return child


def listen_overflows() -> dict[str, int]:
    """Return the kernel's counters of connections a full listen queue refused."""
    counters: dict[str, int] = {}
    lines = Path("/proc/net/netstat").read_text().splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if not names.startswith("TcpExt:"):
            continue
        for name, value in zip(names.split()[1:], values.split()[1:], strict=True):
            if name in ("ListenOverflows", "ListenDrops"):
                counters[name] = int(value)
    return counters

"""Shared fixtures: personas, the fake provider, and a real Celery worker.

Personas make every permission test short: ``owner`` and ``admin`` manage
the account, ``member`` only uses it, ``outsider`` belongs to another
account, ``staff`` is a Django staff user who is not a member.

The Celery worker is real either way. By default it runs in a thread of the
test process on an in-memory broker; with ``SCOOP_TEST_WORKER=process`` (CI
on PostgreSQL and Redis) it is a separate ``celery worker`` process reading
the same test database through ``CELERY_BROKER_URL``.
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from accounts.models import Account, Membership, Role, User
from fakeprovider import FakeProviderServer, demo_key
from tests.factories import AccountFactory, MembershipFactory, UserFactory

PASSWORD = "correct horse battery staple"
REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fake_provider_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _route_providers_to_fake(
    request: pytest.FixtureRequest, fake_provider_server: FakeProviderServer
) -> Iterator[None]:
    """Aim every provider call of every test at the local fake provider."""
    if request.node.get_closest_marker("no_fake_provider"):
        yield
        return
    saved = {
        name: getattr(django_settings, name)
        for name in (
            "ANTHROPIC_BASE_URL",
            "OPENAI_BASE_URL",
            "SYSTEM_ANTHROPIC_API_KEY",
            "SYSTEM_OPENAI_API_KEY",
        )
    }
    django_settings.ANTHROPIC_BASE_URL = fake_provider_server.anthropic_base_url
    django_settings.OPENAI_BASE_URL = fake_provider_server.openai_base_url
    django_settings.SYSTEM_ANTHROPIC_API_KEY = demo_key(
        "anthropic", "valid", salt="scoop"
    )
    django_settings.SYSTEM_OPENAI_API_KEY = demo_key("openai", "valid", salt="scoop")
    fake_provider_server.clear()
    yield
    for name, value in saved.items():
        setattr(django_settings, name, value)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Start every test with empty throttling counters."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def fake_provider(fake_provider_server: FakeProviderServer) -> FakeProviderServer:
    """The fake provider, with this test's recorded requests only."""
    fake_provider_server.clear()
    return fake_provider_server


@pytest.fixture
def key() -> Callable[..., str]:
    """Build a demo key: ``key("openai", "nocredit")``."""

    def build(
        provider: str = "anthropic", behaviour: str = "valid", salt: str = ""
    ) -> str:
        return demo_key(provider, behaviour, salt=salt)

    return build


# Personas -----------------------------------------------------------------


@pytest.fixture
def account(db: None) -> Account:
    return AccountFactory(name="Acme Analytics")


@pytest.fixture
def owner(account: Account) -> User:
    return MembershipFactory(
        account=account, role=Role.OWNER, user__email="owner@acme.test"
    ).user


@pytest.fixture
def admin(account: Account) -> User:
    return MembershipFactory(
        account=account, role=Role.ADMIN, user__email="admin@acme.test"
    ).user


@pytest.fixture
def member(account: Account) -> User:
    return MembershipFactory(
        account=account, role=Role.MEMBER, user__email="member@acme.test"
    ).user


@pytest.fixture
def other_account(db: None) -> Account:
    return AccountFactory(name="Other Corp")


@pytest.fixture
def outsider(other_account: Account) -> User:
    """The owner of another account."""
    return MembershipFactory(
        account=other_account, role=Role.OWNER, user__email="owner@other.test"
    ).user


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(email="staff@scoop.test", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    """Return a web client signed in as ``user`` (anonymous for None)."""

    def build(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return build


@pytest.fixture
def membership_of() -> Callable[[User, Account], Membership]:
    def get(user: User, account: Account) -> Membership:
        return Membership.objects.get(user=user, account=account)

    return get


# Celery -------------------------------------------------------------------


@pytest.fixture(scope="session")
def _celery_worker_session(
    django_db_setup: None,
    django_db_blocker: object,
    fake_provider_server: FakeProviderServer,
) -> Iterator[None]:
    """One real Celery worker for the session, started when first needed.

    With ``SCOOP_TEST_WORKER=process`` it is a separate ``celery worker``
    process on PostgreSQL and Redis; otherwise a worker in threads of this
    process. Messages that earlier tests queued are dropped first.
    """
    # The worker opens its own connections, outside any test.
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        if os.environ.get("SCOOP_TEST_WORKER") == "process":
            yield from _worker_process(fake_provider_server)
        else:
            _purge_queues()
            yield from _worker_thread()


@pytest.fixture
def celery_worker(_celery_worker_session: None) -> None:
    """A real Celery worker runs tasks while the test runs.

    Tests that rely on it must commit their data, i.e. use
    ``@pytest.mark.django_db(transaction=True)``.
    """


WORKER_QUEUES = ["default", "key_tests"]
WORKER_LOG = REPO_ROOT / "var" / "test-worker.log"


@pytest.fixture
def worker_log() -> Callable[[], str]:
    """Return what a separate worker process logged during this test.

    A worker running in threads logs through this process, where ``caplog``
    and friends see it; then this returns an empty string.
    """
    if os.environ.get("SCOOP_TEST_WORKER") != "process" or not WORKER_LOG.exists():
        return lambda: ""
    start = WORKER_LOG.stat().st_size

    def read() -> str:
        with WORKER_LOG.open("rb") as log:
            log.seek(start)
            return log.read().decode("utf-8", "replace")

    return read


def _purge_queues() -> None:
    from scoop_byok.celery import app

    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in WORKER_QUEUES:
            channel.queue_declare(queue=queue, durable=True, auto_delete=False)
            channel.queue_purge(queue)


def _worker_thread() -> Iterator[None]:
    from celery.contrib.testing.worker import start_worker

    from scoop_byok.celery import app

    with start_worker(
        app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        queues=WORKER_QUEUES,
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        yield


def _worker_process(server: FakeProviderServer) -> Iterator[None]:
    database = connection.settings_dict
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError(
            "SCOOP_TEST_WORKER=process needs DATABASE_URL on PostgreSQL."
        )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "ANTHROPIC_BASE_URL": server.anthropic_base_url,
        "OPENAI_BASE_URL": server.openai_base_url,
        "SYSTEM_ANTHROPIC_API_KEY": demo_key("anthropic", "valid", salt="scoop"),
        "SYSTEM_OPENAI_API_KEY": demo_key("openai", "valid", salt="scoop"),
        "DATABASE_CONN_MAX_AGE": "0",
        # Everything the worker logs is kept, so tests can search it.
        "LOG_LEVEL": "DEBUG",
    }
    log_path = WORKER_LOG
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "scoop_byok",
                "worker",
                "-Q",
                "default,key_tests",
                "--pool",
                "threads",
                "-c",
                "8",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_worker(worker, log_path)
            yield
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


def _wait_for_worker(worker: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"Celery worker exited:\n{log_path.read_text()}")
        if "ready." in log_path.read_text():
            return
        time.sleep(0.2)
    raise RuntimeError(f"Celery worker did not start:\n{log_path.read_text()}")


@pytest.fixture
def wait_for() -> Callable[..., object]:
    """Poll ``check`` until it returns something truthy (bounded)."""

    def poll(check: Callable[[], object], *, timeout: float = 30.0) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"Condition not met within {timeout} s")

    return poll

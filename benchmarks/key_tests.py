"""Bar 3: 200 slow key tests on one worker node, within 10 s and 20 connections.

The worker is started as a production key-test node runs it::

    celery -A scoop_byok worker -Q key_tests --pool threads --concurrency 200

The measuring process then requests ``count`` key tests through
``aiprovider.services.key_test_request`` — the same service the web and API
views call — with keys the fake provider answers only after ``delay_s``
seconds. The tests are spread over as many accounts as the per-account
throttle needs, so the throttle keeps its production value. Wall time runs
from just before the first request to the moment the last test is seen
finished; a sampler reads ``pg_stat_activity`` every 20 ms meanwhile and
keeps the peak number of connections to the benchmark database, per
process kind.

Before that, the fake provider alone is checked with the same number of
concurrent slow requests made straight through the SDK, so a slow result
can be told apart from a provider that cannot keep up.
"""

import math
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.db.models import Max, Min

from accounts.services import account_create
from aiprovider.models import FINISHED_STATUSES, AuditSource, KeyTest
from aiprovider.services import key_test_request
from benchmarks import environment
from benchmarks.direct import direct_call, direct_client
from benchmarks.environment import Children
from benchmarks.fixtures import bench_user
from benchmarks.report import BarResult
from benchmarks.stats import DISTRIBUTION_HEADER, BarVerdict, Distribution
from fakeprovider.keys import demo_key

PROVIDERS = ("anthropic", "openai")
WALL_LIMIT_S = 10.0
CONNECTION_LIMIT = 20
SAMPLE_INTERVAL_S = 0.02
POLL_INTERVAL_S = 0.05


@dataclass
class ConnectionSampler:
    """Samples connections to the benchmark database from a thread of its own."""

    peaks: Counter = field(default_factory=Counter)
    peak_total: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "ConnectionSampler":
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _sample(self) -> None:
        # Connected to the maintenance database, so it never counts itself.
        with psycopg.connect(
            f"{environment.POSTGRES_SERVER}/postgres", autocommit=True
        ) as monitor:
            while not self._stop.is_set():
                rows = monitor.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity "
                    "WHERE datname = %s GROUP BY application_name",
                    (environment.DATABASE_NAME,),
                ).fetchall()
                total = 0
                for name, count in rows:
                    self.peaks[name] = max(self.peaks[name], count)
                    total += count
                self.peak_total = max(self.peak_total, total)
                self.samples += 1
                self._stop.wait(SAMPLE_INTERVAL_S)


def provider_alone(count: int, delay_s: int) -> dict[str, object]:
    """Send ``count`` slow calls at once straight to the fake provider.

    Clients are built first and the calls released together by a barrier,
    so the wall time is the provider's alone.
    """
    calls = []
    for index in range(count):
        provider = PROVIDERS[index % 2]
        key = demo_key(provider, f"slow{delay_s}", salt=f"alone-{index}")
        calls.append((provider, direct_client(provider, key)))
    barrier = threading.Barrier(count + 1)

    def one(call: tuple[str, object]) -> tuple[str, float]:
        provider, client = call
        barrier.wait()
        started = time.monotonic()
        try:
            direct_call(
                provider,
                client,
                model=settings.AI_MODELS[provider]["key_test"],
                system="",
                prompt="Reply with the single word OK.",
            )
            outcome = "ok"
        except Exception as error:  # noqa: BLE001 - every failure is counted
            cause = error.__cause__ or error.__context__
            outcome = type(error).__name__ + (
                f" ({type(cause).__name__})" if cause else ""
            )
        return outcome, time.monotonic() - started

    before = environment.listen_overflows()
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(one, call) for call in calls]
        barrier.wait()
        started = time.monotonic()
        outcomes = [future.result() for future in futures]
        wall = time.monotonic() - started
    after = environment.listen_overflows()
    for _, client in calls:
        client.close()  # type: ignore[attr-defined]
    return {
        "wall_s": wall,
        "ok": sum(outcome == "ok" for outcome, _ in outcomes),
        "outcomes": dict(Counter(outcome for outcome, _ in outcomes)),
        "slowest_s": max(seconds for _, seconds in outcomes),
        "listen_overflows": {k: after[k] - before.get(k, 0) for k in after},
    }


def _accounts_for(count: int) -> list[tuple[object, object]]:
    per_account = settings.KEY_TEST_THROTTLE_COUNT
    accounts = []
    for index in range(math.ceil(count / per_account)):
        owner = bench_user(f"key-tests-{index}@bench.invalid")
        accounts.append((account_create(name=f"key-tests-{index}", owner=owner), owner))
    return accounts


def _request_tests(
    accounts: list[tuple[object, object]], count: int, behaviour: str, salt: str
) -> list[object]:
    per_account = settings.KEY_TEST_THROTTLE_COUNT
    ids = []
    for index in range(count):
        account, owner = accounts[index // per_account]
        provider = PROVIDERS[index % 2]
        test = key_test_request(
            account=account,
            actor=owner,
            source=AuditSource.API,
            provider=provider,
            api_key=demo_key(provider, behaviour, salt=f"{salt}-{index}"),
        )
        ids.append(test.pk)
    return ids


def _wait_finished(ids: list[object], timeout_s: float) -> float | None:
    """Return time.time() when every test is seen finished, None on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = KeyTest.objects.filter(pk__in=ids, status__in=FINISHED_STATUSES)
        if done.count() == len(ids):
            return time.time()
        time.sleep(POLL_INTERVAL_S)
    return None


def _seconds(delta: object) -> float:
    return delta.total_seconds()  # type: ignore[attr-defined]


def run(children: Children, *, count: int, delay_s: int, concurrency: int) -> BarResult:
    result = BarResult("Bar 3 — key tests on one worker node")
    alone = provider_alone(count, delay_s)
    worker = environment.start_key_test_worker(children, concurrency)
    try:
        warm = _accounts_for(1)
        warm_ids = _request_tests(warm, 2, "valid", "warmup")
        _wait_finished(warm_ids, 30)

        accounts = _accounts_for(count)
        overflows_before = environment.listen_overflows()
        with ConnectionSampler() as sampler:
            started = time.time()
            ids = _request_tests(accounts, count, f"slow{delay_s}", "bench")
            requested = time.time()
            finished = _wait_finished(ids, timeout_s=delay_s * 10 + 60)
            time.sleep(SAMPLE_INTERVAL_S * 3)
        overflows_after = environment.listen_overflows()
    finally:
        children.stop(worker)

    tests = KeyTest.objects.filter(pk__in=ids)
    results = Counter(tests.values_list("result", flat=True))
    span = tests.aggregate(first=Min("created_at"), last=Max("finished_at"))
    durations = [d for d in tests.values_list("duration_ms", flat=True) if d]
    waits = [
        _seconds(t.started_at - t.created_at) * 1000
        for t in tests.only("created_at", "started_at")
        if t.started_at
    ]
    wall = (finished - started) if finished else math.inf
    worker_peak = sampler.peaks[environment.WORKER_APP_NAME]
    overflows = {
        name: overflows_after[name] - overflows_before.get(name, 0)
        for name in overflows_after
    }

    result.add(
        f"Fake provider alone: {count} `slow{delay_s}` SDK calls released at "
        f"once from {count} threads took {alone['wall_s']:.2f} s, "
        f"{alone['ok']} answered (outcomes {alone['outcomes']}), "
        f"slowest {alone['slowest_s']:.2f} s, kernel listen-queue overflows "
        f"during it: {alone['listen_overflows']}."
    )
    result.add(
        f"Worker: `celery -A scoop_byok worker -Q key_tests --pool threads "
        f"--concurrency {concurrency}`, WORKER_DB_CONNECTIONS="
        f"{settings.WORKER_DB_CONNECTIONS}. {count} tests over {len(accounts)} "
        f"accounts (throttle {settings.KEY_TEST_THROTTLE_COUNT} per account "
        f"unchanged), half Anthropic, half OpenAI, each answered after {delay_s} s."
        f"\n\n| figure | value |\n| --- | --- |\n"
        f"| wall time, first request → last test seen finished | {wall:.2f} s |\n"
        f"| time to request all {count} tests | {requested - started:.2f} s |\n"
        f"| database span, first created → last finished | "
        f"{_seconds(span['last'] - span['first']) if span['last'] else math.nan:.2f}"
        " s |\n"
        f"| results | {dict(results)} |\n"
        f"| peak connections, worker | {worker_peak} |\n"
        f"| peak connections, all to scoop_bench (worker + this process) | "
        f"{sampler.peak_total} |\n"
        f"| connection samples taken | {sampler.samples} |\n"
        f"| kernel listen-queue overflows during the run | {overflows} |"
    )
    if durations and waits:
        result.add(
            f"{DISTRIBUTION_HEADER}\n"
            + Distribution.of(waits).row("queue wait, created → started")
            + "\n"
            + Distribution.of(durations).row("provider call (duration_ms)")
        )
    result.verdicts += [
        BarVerdict(
            f"{count} key tests ({delay_s} s each), wall time",
            f"{wall:.2f} s",
            f"≤ {WALL_LIMIT_S:.0f} s",
            wall <= WALL_LIMIT_S and results.get("valid", 0) == count,
        ),
        BarVerdict(
            "key tests, peak worker database connections",
            str(worker_peak),
            f"≤ {CONNECTION_LIMIT}",
            worker_peak <= CONNECTION_LIMIT,
        ),
    ]
    result.data = {
        "provider_alone": alone,
        "wall_s": wall,
        "request_s": requested - started,
        "results": dict(results),
        "peak_connections": dict(sampler.peaks),
        "peak_total": sampler.peak_total,
        "listen_overflows": overflows,
        "queue_wait_ms": Distribution.of(waits).__dict__ if waits else None,
        "duration_ms": Distribution.of(durations).__dict__ if durations else None,
    }
    return result

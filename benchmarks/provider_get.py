"""Bar 4: ``GET …/ai-provider/`` against a bare authenticated DRF endpoint.

Both endpoints are served by the same gunicorn in the same run and loaded
the same way, in alternating rounds: ``wrk`` (Debian's package) with
keep-alive connections when it is installed, else a threaded Python client
(slower, so its figures are not comparable with wrk's; the report says which
ran). The bare endpoint (``benchmarks.bench_urls``) authenticates with the
same classes and permission and does nothing else.

Queries per request are counted in this process with Django's test client
and ``CaptureQueriesContext``, once for a configuration without key tests
and once after many, to show the count does not grow with the data.
"""

import re
import shutil
import statistics
import subprocess
import threading
import time
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aiprovider.models import KeyTest, KeyTestResult, KeyTestStatus
from benchmarks.bench_urls import BARE_PATH
from benchmarks.environment import HOST
from benchmarks.fixtures import BenchAccount, api_token_for, byok_account
from benchmarks.http_client import ApiClient
from benchmarks.report import BarResult
from benchmarks.stats import BarVerdict

RATIO_LIMIT = 0.60
SMALL_QUERY_COUNT = 5
EXTRA_KEY_TESTS = 25


def _in_process_queries(path: str, token: str) -> tuple[int, list[str]]:
    client = Client(
        HTTP_HOST=HOST,
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_X_FORWARDED_PROTO="https",
    )
    client.get(path)  # first request warms caches (content types, URL resolver)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return len(captured), [query["sql"][:120] for query in captured]


def _add_finished_tests(bench: BenchAccount, count: int) -> None:
    """Give the saved key a history of finished tests, as a busy account has."""
    config = bench.account.provider_config
    now = timezone.now()
    KeyTest.objects.bulk_create(
        KeyTest(
            account=bench.account,
            provider=bench.provider,
            uses_saved_key=True,
            key_hint=config.key_hint,
            key_fingerprint=config.key_fingerprint,
            status=KeyTestStatus.SUCCEEDED,
            result=KeyTestResult.VALID,
            message="API key is valid and working",
            created_at=now - timedelta(minutes=index + 1),
            finished_at=now - timedelta(minutes=index + 1) + timedelta(seconds=5),
            created_by=bench.owner,
        )
        for index in range(count)
    )


def _wrk(
    wrk: str, url: str, token: str, seconds: int, connections: int
) -> dict[str, float]:
    output = subprocess.run(  # noqa: S603 - wrk against our own loopback server
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-H",
            f"Authorization: Token {token}",
            "-H",
            "X-Forwarded-Proto: https",
            "-H",
            "Accept: application/json",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    if rps is None:
        raise RuntimeError(f"could not read wrk output:\n{output}")
    return {
        "rps": float(rps.group(1)),
        "non_2xx": float(bad.group(1)) if bad else 0.0,
        "socket_errors": 1.0 if errors else 0.0,
    }


def _python_load(
    port: int, path: str, token: str, seconds: int, connections: int
) -> dict[str, float]:
    stop_at = time.monotonic() + seconds
    counts = [0] * connections
    bad = [0] * connections

    def loop(slot: int) -> None:
        client = ApiClient(port, token)
        while time.monotonic() < stop_at:
            status, _ = client.request("GET", path)
            counts[slot] += 1
            if status != 200:
                bad[slot] += 1
        client.close()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"rps": sum(counts) / elapsed, "non_2xx": float(sum(bad))}


def _rounds(runs: list[dict[str, float]]) -> str:
    return ", ".join(f"{figure['rps']:.0f}" for figure in runs)


def run(port: int, *, seconds: int, rounds: int, connections: int) -> BarResult:
    result = BarResult("Bar 4 — GET …/ai-provider/ vs a bare authenticated endpoint")
    bench = byok_account("provider-get", provider="anthropic")
    token = api_token_for(bench.owner)
    paths = {
        "bare": f"/{BARE_PATH}",
        "ai-provider": f"/api/v1/accounts/{bench.account.pk}/ai-provider/",
    }

    bare_queries, bare_sql = _in_process_queries(paths["bare"], token)
    fresh_queries, fresh_sql = _in_process_queries(paths["ai-provider"], token)
    _add_finished_tests(bench, EXTRA_KEY_TESTS)
    busy_queries, _ = _in_process_queries(paths["ai-provider"], token)

    probe = ApiClient(port, token)
    for name, path in paths.items():
        status, body = probe.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{name} answered {status}: {body[:200]!r}")
    probe.close()

    wrk = shutil.which("wrk")
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
    for round_index in range(rounds):
        order = list(paths) if round_index % 2 == 0 else list(reversed(paths))
        for name in order:
            if wrk:
                figure = _wrk(
                    wrk,
                    f"http://{HOST}:{port}{paths[name]}",
                    token,
                    seconds,
                    connections,
                )
            else:
                figure = _python_load(port, paths[name], token, seconds, connections)
            figures[name].append(figure)

    median = {
        name: statistics.median(f["rps"] for f in runs)
        for name, runs in figures.items()
    }
    ratio = median["ai-provider"] / median["bare"]
    bad = {name: sum(f["non_2xx"] for f in runs) for name, runs in figures.items()}
    generator = (
        f"wrk, 1 thread, {connections} keep-alive connections"
        if wrk
        else f"Python threads, {connections} keep-alive connections (wrk not found)"
    )
    result.add(
        f"Load: {generator}, {rounds} alternating rounds of {seconds} s per "
        "endpoint, median taken. The load generator shares the 2 cores with "
        "gunicorn and PostgreSQL.\n\n"
        "| endpoint | rps per round | median rps | non-2xx |\n"
        "| --- | --- | ---: | ---: |\n"
        + "\n".join(
            f"| {name} | {_rounds(figures[name])} | {median[name]:.0f} | "
            f"{bad[name]:.0f} |"
            for name in paths
        )
        + f"\n\nRatio ai-provider / bare: **{ratio:.2f}**."
    )
    result.add(
        "Queries per request (in-process, Django test client):\n\n"
        "| request | queries |\n| --- | ---: |\n"
        f"| bare endpoint | {bare_queries} |\n"
        f"| GET ai-provider, no key tests yet | {fresh_queries} |\n"
        f"| GET ai-provider, after {EXTRA_KEY_TESTS} finished key tests | "
        f"{busy_queries} |\n\n"
        "GET ai-provider queries:\n\n"
        + "\n".join(f"- `{sql}`" for sql in fresh_sql)
        + "\n\nBare endpoint queries:\n\n"
        + "\n".join(f"- `{sql}`" for sql in bare_sql)
    )
    result.verdicts += [
        BarVerdict(
            "GET ai-provider rps / bare authenticated rps",
            f"{ratio:.2f} ({median['ai-provider']:.0f} / {median['bare']:.0f})",
            f"≥ {RATIO_LIMIT:.2f}",
            ratio >= RATIO_LIMIT and not any(bad.values()),
        ),
        BarVerdict(
            "GET ai-provider queries per request (fixed, small)",
            f"{fresh_queries} → {busy_queries}",
            f"same count, ≤ {SMALL_QUERY_COUNT}",
            fresh_queries == busy_queries <= SMALL_QUERY_COUNT,
        ),
    ]
    result.data = {
        "rps": figures,
        "median_rps": median,
        "ratio": ratio,
        "queries": {
            "bare": bare_queries,
            "ai_provider_fresh": fresh_queries,
            "ai_provider_busy": busy_queries,
        },
        "generator": generator,
    }
    return result

"""Bar 2: the query endpoint end to end under gunicorn, over a direct SDK call.

``POST /api/v1/accounts/{id}/ai/queries/`` with an API token, on a keep-alive
connection to gunicorn, against the same fake provider as a direct SDK call
made from this process. Calls are made in pairs, alternating which goes
first; the overhead is each endpoint call minus the direct call beside it.
The endpoint figure is everything a client sees: HTTP, token check,
account lookup, routing, the provider call from the server, the usage row
and the stored question.
"""

import json
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aiprovider.routing import DEFAULT_SYSTEM_PROMPT
from analytics.services import build_prompt
from benchmarks.direct import direct_call, direct_client
from benchmarks.environment import HOST
from benchmarks.fixtures import api_token_for, byok_account
from benchmarks.http_client import ApiClient
from benchmarks.report import BarResult
from benchmarks.stats import (
    DISTRIBUTION_HEADER,
    BarVerdict,
    Distribution,
    paired_differences,
)

PROVIDER = "anthropic"
TASK = "query"
QUESTION = "Show me a summary of this data"
P50_LIMIT_MS = 5.0
IN_PROCESS_SHARE = 5


def in_process_pass(
    token: str, path: str, body: dict[str, str], direct, calls: int
) -> tuple[Distribution, int, list[str]]:  # type: ignore[no-untyped-def]
    """The same request through Django's test client, without HTTP or gunicorn.

    Splits the end-to-end overhead into what the app does per request and
    what the HTTP server and the client add, and counts the queries.
    """
    client = Client(
        HTTP_HOST=HOST,
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_X_FORWARDED_PROTO="https",
    )
    payload = json.dumps(body)

    def post() -> float:
        started = time.perf_counter_ns()
        response = client.post(path, payload, content_type="application/json")
        elapsed = _ms_since(started)
        if response.status_code != 200:
            raise RuntimeError(f"in-process POST answered {response.status_code}")
        return elapsed

    post()
    with CaptureQueriesContext(connection) as captured:
        post()
    # Read now: every request start empties the connection's query log.
    statements = [query["sql"][:100] for query in captured]
    differences = []
    for index in range(calls):
        if index % 2:
            posted = post()
            differences.append(posted - direct())
        else:
            baseline = direct()
            differences.append(post() - baseline)
    return Distribution.of(differences), len(statements), statements


def _ms_since(started_ns: int) -> float:
    return (time.perf_counter_ns() - started_ns) / 1e6


def run(port: int, *, calls: int, warmup: int) -> BarResult:
    result = BarResult("Bar 2 — query endpoint end to end under gunicorn")
    bench = byok_account("query-endpoint", provider=PROVIDER)
    client = ApiClient(port, api_token_for(bench.owner))
    path = f"/api/v1/accounts/{bench.account.pk}/ai/queries/"
    body = {"question": QUESTION, "task": TASK}
    sdk = direct_client(PROVIDER, bench.api_key)
    model = settings.AI_MODELS[PROVIDER][TASK]
    prompt = build_prompt(task=TASK, question=QUESTION, dataset=None)
    failures: dict[int, int] = {}

    def endpoint() -> float:
        started = time.perf_counter_ns()
        status, _ = client.request("POST", path, body)
        elapsed = _ms_since(started)
        if status != 200:
            failures[status] = failures.get(status, 0) + 1
        return elapsed

    def direct() -> float:
        started = time.perf_counter_ns()
        direct_call(
            PROVIDER, sdk, model=model, system=DEFAULT_SYSTEM_PROMPT, prompt=prompt
        )
        return _ms_since(started)

    def measure(count: int) -> tuple[list[float], list[float]]:
        directs, endpoints = [], []
        for index in range(count):
            if index % 2:
                endpoints.append(endpoint())
                directs.append(direct())
            else:
                directs.append(direct())
                endpoints.append(endpoint())
        return directs, endpoints

    measure(warmup)
    failures.clear()
    directs, endpoints = measure(calls)
    client.close()
    in_process, query_count, statements = in_process_pass(
        api_token_for(bench.owner),
        path,
        body,
        direct,
        max(calls // IN_PROCESS_SHARE, 20),
    )
    overhead = Distribution.of(paired_differences(endpoints, directs))
    direct_d, endpoint_d = Distribution.of(directs), Distribution.of(endpoints)
    result.add(
        f"{calls} pairs ({PROVIDER}, BYOK account) after {warmup} warm-up pairs; "
        "one keep-alive connection (Python http.client), sequential requests; "
        f"non-200 answers: {failures or 'none'}.\n\n"
        f"{DISTRIBUTION_HEADER}\n"
        + "\n".join(
            [
                direct_d.row("direct SDK call"),
                endpoint_d.row("POST …/ai/queries/"),
                overhead.row("overhead (paired difference)"),
            ]
        )
        + f"\n\nDifference of percentiles: p50 {endpoint_d.p50 - direct_d.p50:.3f} "
        f"ms, p99 {endpoint_d.p99 - direct_d.p99:.3f} ms."
    )
    result.add(
        f"Same request in-process (Django test client, no HTTP server), "
        f"{in_process.count} pairs: overhead p50 {in_process.p50:.3f} ms, p99 "
        f"{in_process.p99:.3f} ms; so gunicorn, HTTP and the client add about "
        f"{overhead.p50 - in_process.p50:.3f} ms at p50. {query_count} SQL "
        "statements per request:\n\n" + "\n".join(f"- `{sql}`" for sql in statements)
    )
    result.verdicts.append(
        BarVerdict(
            "query endpoint overhead p50",
            f"{overhead.p50:.3f} ms",
            f"≤ {P50_LIMIT_MS} ms",
            overhead.p50 <= P50_LIMIT_MS and not failures,
        )
    )
    result.data = {
        "direct": direct_d.__dict__,
        "endpoint": endpoint_d.__dict__,
        "overhead": overhead.__dict__,
        "failures": failures,
        "in_process_overhead": in_process.__dict__,
        "queries_per_request": query_count,
    }
    return result

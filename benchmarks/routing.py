"""Bar 1: routing overhead over a direct SDK call, on PostgreSQL.

For each provider, ``calls`` direct SDK calls and ``calls`` calls of
``aiprovider.routing.route_ai_call`` for a BYOK account are made in pairs,
alternating which goes first, against the same fake provider. Routing
includes everything the product does around the call: reading the
configuration, decrypting the key, choosing the model, the SDK call through
the product's client, and writing the usage row (plus the key-health write
it makes at most once a minute).

The overhead is each routed call minus the direct call made beside it; the
bar is judged on the percentiles of those paired differences, and the
difference of the two percentiles is shown too. A second, separate pass
times each stage of the routed call, and a cProfile of the routed call is
added when a bar is missed.
"""

import cProfile
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection

from aiprovider import routing
from benchmarks.direct import direct_call, direct_client
from benchmarks.fixtures import BenchAccount, byok_account
from benchmarks.report import BarResult
from benchmarks.stats import (
    DISTRIBUTION_HEADER,
    BarVerdict,
    Distribution,
    paired_differences,
)

PROVIDERS = ("anthropic", "openai")
TASK = "query"
PROMPT = "Show me a summary of this data."
P50_LIMIT_MS = 1.0
P99_LIMIT_MS = 5.0
BREAKDOWN_CALLS = 200
PROFILE_CALLS = 200


def _ms_since(started_ns: int) -> float:
    return (time.perf_counter_ns() - started_ns) / 1e6


class Pair:
    """One direct call and one routed call for the same account."""

    def __init__(self, bench: BenchAccount) -> None:
        self.bench = bench
        self.client = direct_client(bench.provider, bench.api_key)
        self.model = settings.AI_MODELS[bench.provider][TASK]

    def direct(self) -> float:
        started = time.perf_counter_ns()
        direct_call(
            self.bench.provider,
            self.client,
            model=self.model,
            system=routing.DEFAULT_SYSTEM_PROMPT,
            prompt=PROMPT,
        )
        return _ms_since(started)

    def routed(self) -> float:
        started = time.perf_counter_ns()
        self.route()
        return _ms_since(started)

    def route(self) -> routing.AIAnswer:
        return routing.route_ai_call(
            account=self.bench.account,
            user=self.bench.owner,
            task=TASK,
            prompt=PROMPT,
        )


def measure_pairs(pair: Pair, calls: int) -> tuple[list[float], list[float]]:
    direct: list[float] = []
    routed: list[float] = []
    for index in range(calls):
        if index % 2:
            routed.append(pair.routed())
            direct.append(pair.direct())
        else:
            direct.append(pair.direct())
            routed.append(pair.routed())
    return direct, routed


@contextmanager
def _timed(module: Any, name: str, sink: dict[str, float]) -> Iterator[None]:
    original = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter_ns()
        try:
            return original(*args, **kwargs)
        finally:
            sink[name] += _ms_since(started)

    setattr(module, name, timed)
    try:
        yield
    finally:
        setattr(module, name, original)


@contextmanager
def _timed_adapters(sink: dict[str, float]) -> Iterator[None]:
    """Time the adapter's SDK call (client lookup, header filter, SDK)."""
    original_adapter_for = routing.adapter_for

    class TimedAdapter:
        def __init__(self, adapter: Any) -> None:
            self._adapter = adapter

        def complete(self, **kwargs: Any) -> Any:
            started = time.perf_counter_ns()
            try:
                return self._adapter.complete(**kwargs)
            finally:
                sink["adapter.complete (SDK call)"] += _ms_since(started)

    routing.adapter_for = lambda provider: TimedAdapter(  # type: ignore[assignment]
        original_adapter_for(provider)
    )
    try:
        yield
    finally:
        routing.adapter_for = original_adapter_for


def stage_breakdown(pair: Pair, calls: int) -> dict[str, object]:
    """Median milliseconds per stage of a routed call, and its queries."""
    per_call: dict[str, list[float]] = defaultdict(list)
    queries: list[int] = []
    query_ms: list[float] = []

    def count_queries(execute: Callable, sql: str, params: Any, many: bool, ctx: Any):  # type: ignore[no-untyped-def]
        started = time.perf_counter_ns()
        try:
            return execute(sql, params, many, ctx)
        finally:
            database[0] += 1
            database[1] += _ms_since(started)

    for _ in range(calls):
        sink: dict[str, float] = defaultdict(float)
        database = [0, 0.0]
        direct_ms = pair.direct()
        with (
            _timed(routing, "resolve_route", sink),
            _timed(routing, "record_successful_call", sink),
            _timed(routing, "key_outcome_record", sink),
            _timed_adapters(sink),
            connection.execute_wrapper(count_queries),
        ):
            started = time.perf_counter_ns()
            pair.route()
            total = _ms_since(started)
        staged = sum(sink.values())
        sink["rest (config query, checks, answer)"] = total - staged
        sink["total routed call"] = total
        sink["direct SDK call beside it"] = direct_ms
        for name, value in sink.items():
            per_call[name].append(value)
        queries.append(int(database[0]))
        query_ms.append(database[1])
    medians = {name: Distribution.of(values).p50 for name, values in per_call.items()}
    return {
        "stage_p50_ms": medians,
        "queries_per_call": sorted(set(queries)),
        "database_ms": Distribution.of(query_ms),
    }


@contextmanager
def commits_without_flush_wait() -> Iterator[None]:
    """Let this process's commits return before the WAL reaches the disk.

    A what-if only, on the measuring connection: it shows how much of the
    overhead is PostgreSQL waiting for the commit to be durable.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def profile_routed(pair: Pair, calls: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        pair.route()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(30)
    return out.getvalue()


def run(*, calls: int, warmup: int) -> BarResult:
    result = BarResult("Bar 1 — routing overhead over a direct SDK call")
    result.add(
        f"{calls} direct SDK calls and {calls} `route_ai_call` calls per provider, "
        "in pairs alternating which goes first, after "
        f"{warmup} warm-up pairs; in-process on PostgreSQL, usage row written "
        "by every routed call. Overhead = routed − direct, pair by pair."
    )
    for provider in PROVIDERS:
        pair = Pair(byok_account(f"routing-{provider}", provider=provider))
        measure_pairs(pair, warmup)
        direct, routed = measure_pairs(pair, calls)
        overhead = Distribution.of(paired_differences(routed, direct))
        direct_d, routed_d = Distribution.of(direct), Distribution.of(routed)
        result.add(
            f"**{provider}**\n\n{DISTRIBUTION_HEADER}\n"
            + "\n".join(
                [
                    direct_d.row("direct SDK call"),
                    routed_d.row("routed call"),
                    overhead.row("overhead (paired difference)"),
                ]
            )
            + f"\n\nDifference of percentiles: p50 {routed_d.p50 - direct_d.p50:.3f} "
            f"ms, p99 {routed_d.p99 - direct_d.p99:.3f} ms."
        )
        result.verdicts += [
            BarVerdict(
                f"routing overhead p50 ({provider})",
                f"{overhead.p50:.3f} ms",
                f"≤ {P50_LIMIT_MS} ms",
                overhead.p50 <= P50_LIMIT_MS,
            ),
            BarVerdict(
                f"routing overhead p99 ({provider})",
                f"{overhead.p99:.3f} ms",
                f"≤ {P99_LIMIT_MS} ms",
                overhead.p99 <= P99_LIMIT_MS,
            ),
        ]
        with commits_without_flush_wait():
            fast_direct, fast_routed = measure_pairs(pair, calls // 2)
        what_if = Distribution.of(paired_differences(fast_routed, fast_direct))
        result.add(
            f"What-if, {calls // 2} more pairs with `synchronous_commit = off` on "
            f"this connection only: overhead p50 {what_if.p50:.3f} ms, p99 "
            f"{what_if.p99:.3f} ms (the product's own setting is unchanged)."
        )
        breakdown = stage_breakdown(pair, BREAKDOWN_CALLS)
        stages = breakdown["stage_p50_ms"]
        database_ms: Distribution = breakdown["database_ms"]  # type: ignore[assignment]
        result.add(
            f"Where a routed {provider} call spends its time (separate pass of "
            f"{BREAKDOWN_CALLS} calls, median per stage):\n\n"
            "| stage | p50 ms |\n| --- | ---: |\n"
            + "\n".join(
                f"| {name} | {value:.3f} |"
                for name, value in stages.items()  # type: ignore[union-attr]
            )
            + f"\n\nDatabase: {breakdown['queries_per_call']} queries per call, "
            f"p50 {database_ms.p50:.3f} ms / p99 {database_ms.p99:.3f} ms in queries."
        )
        result.data[provider] = {
            "direct": direct_d.__dict__,
            "routed": routed_d.__dict__,
            "overhead": overhead.__dict__,
            "stages_p50_ms": stages,
            "queries_per_call": breakdown["queries_per_call"],
            "what_if_async_commit_overhead": what_if.__dict__,
        }
        if overhead.p50 > P50_LIMIT_MS or overhead.p99 > P99_LIMIT_MS:
            result.add(
                f"cProfile of {PROFILE_CALLS} routed {provider} calls "
                f"(bar missed):\n\n```\n{profile_routed(pair, PROFILE_CALLS)}```"
            )
    return result

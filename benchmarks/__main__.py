"""Run the speed benchmarks: ``python -m benchmarks`` (or ``benchmarks/run``).

One run measures every selected bar on this machine against one local fake
provider, prints a Markdown report and writes it, with the raw figures as
JSON, to ``var/benchmarks/``. It exits 0 whether or not the bars are met
(``--strict`` makes a missed bar exit 1), because timings are reported,
never asserted.
"""

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import environment
from benchmarks.environment import Children, WebServerConfig
from benchmarks.report import BarResult
from benchmarks.stats import VERDICT_HEADER

BARS = ("routing", "key_tests", "query", "provider_get")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--bars",
        default=",".join(BARS),
        help=f"comma-separated subset of {', '.join(BARS)} (default: all)",
    )
    parser.add_argument("--calls", type=int, default=500, help="calls per figure")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up calls")
    parser.add_argument("--key-tests", type=int, default=200)
    parser.add_argument("--key-test-delay", type=int, default=5, help="seconds")
    parser.add_argument("--worker-concurrency", type=int, default=200)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--load-seconds", type=int, default=8)
    parser.add_argument("--load-rounds", type=int, default=3)
    parser.add_argument("--load-connections", type=int, default=8)
    parser.add_argument("--strict", action="store_true", help="exit 1 on a miss")
    args = parser.parse_args(argv)
    args.bars = [bar.strip() for bar in args.bars.split(",") if bar.strip()]
    unknown = set(args.bars) - set(BARS)
    if unknown:
        parser.error(f"unknown bars: {', '.join(sorted(unknown))}")
    return args


def machine_notes(web: WebServerConfig, load_before: tuple[float, ...]) -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    postgres = _first_line(["psql", "--version"])
    redis = _first_line(["redis-server", "--version"])
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB, "
        f"{platform.system()} {platform.release()}; Python "
        f"{platform.python_version()}; {postgres}; {redis}; web server: "
        f"{web.describe()}; database and Redis on loopback. Load average "
        f"(1 min) {load_before[0]:.2f} before the run, {os.getloadavg()[0]:.2f} "
        "after it: other work on the machine adds noise."
    )


def _first_line(argv: list[str]) -> str:
    try:
        output = subprocess.run(  # noqa: S603 - fixed local tool names
            argv, capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except OSError:
        return f"{argv[0]} not found"
    return output.strip().splitlines()[0] if output.strip() else argv[0]


def run_bars(args: argparse.Namespace, children: Children) -> list[BarResult]:
    # Imported here: Django is set up only after the environment is ready.
    from benchmarks import key_tests, provider_get, query_endpoint, routing

    results: list[BarResult] = []
    if "routing" in args.bars:
        results.append(routing.run(calls=args.calls, warmup=args.warmup))
    if "key_tests" in args.bars:
        results.append(
            key_tests.run(
                children,
                count=args.key_tests,
                delay_s=args.key_test_delay,
                concurrency=args.worker_concurrency,
            )
        )
    if "query" in args.bars or "provider_get" in args.bars:
        web = WebServerConfig(args.web_workers, args.web_threads)
        port = environment.free_port()
        server = environment.start_web_server(children, port, web)
        try:
            if "query" in args.bars:
                results.append(
                    query_endpoint.run(port, calls=args.calls, warmup=args.warmup)
                )
            if "provider_get" in args.bars:
                results.append(
                    provider_get.run(
                        port,
                        seconds=args.load_seconds,
                        rounds=args.load_rounds,
                        connections=args.load_connections,
                    )
                )
        finally:
            children.stop(server)
    return results


def write_report(results: list[BarResult], notes: str, started: datetime) -> str:
    verdicts = [verdict for result in results for verdict in result.verdicts]
    lines = [
        f"## Benchmark run {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {notes}",
        "",
        VERDICT_HEADER,
        *(verdict.row() for verdict in verdicts),
        "",
        *(result.markdown() + "\n" for result in results),
    ]
    text = "\n".join(lines)
    environment.LOG_DIR.mkdir(parents=True, exist_ok=True)
    stamp = f"{started:%Y%m%dT%H%M%S}"
    (environment.LOG_DIR / f"results-{stamp}.md").write_text(text)
    (environment.LOG_DIR / f"results-{stamp}.json").write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "machine": notes,
                "verdicts": [verdict.__dict__ for verdict in verdicts],
                "bars": {result.title: result.data for result in results},
            },
            indent=2,
            default=str,
        )
    )
    return text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    children = Children()
    fake_port = environment.free_port()
    environment.configure_environment(fake_port)
    environment.database_create()
    try:
        environment.redis_flush()
        environment.start_fake_provider(children, fake_port)

        import django
        from django.core.management import call_command

        django.setup()
        # The product logs at INFO; in the measuring process that is only
        # noise on the report (the child processes keep INFO in their logs).
        logging.getLogger().setLevel(logging.WARNING)
        call_command("migrate", interactive=False, verbosity=0)
        began = time.monotonic()
        results = run_bars(args, children)
        web = WebServerConfig(args.web_workers, args.web_threads)
        notes = machine_notes(web, load_before)
        report = write_report(results, notes, started)
    finally:
        children.stop_all()
        _close_django_connections()
        environment.database_drop()
        environment.redis_flush()
    print(report)
    print(
        f"\n(benchmarks took {time.monotonic() - began:.0f} s; logs and results in "
        f"{environment.LOG_DIR.relative_to(environment.REPO_ROOT)}/)"
    )
    missed = [v for r in results for v in r.verdicts if not v.met]
    return 1 if args.strict and missed else 0


def _close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    sys.exit(main())

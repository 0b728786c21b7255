"""Run the fake provider in the foreground: ``python -m fakeprovider``.

Used by the local demo and docker-compose. It binds to loopback only unless
``--allow-non-loopback`` is given, because anyone who can reach it can make it
pose as a provider.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from fakeprovider.server import FakeProviderServer

DEFAULT_PORT = 8765


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m fakeprovider",
        description="Fake Anthropic + OpenAI endpoint for offline demos and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow binding to a non-loopback address (e.g. 0.0.0.0 in a container)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="do not print one line per request"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        server = FakeProviderServer(
            args.host,
            args.port,
            allow_non_loopback=args.allow_non_loopback,
            log_requests=not args.quiet,
        )
        server.start()
    except (ValueError, OSError) as error:
        print(f"fakeprovider: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print(
        f"Fake provider listening on {server.base_url} "
        f"(Anthropic base URL {server.anthropic_base_url}, "
        f"OpenAI base URL {server.openai_base_url})",
        flush=True,
    )
    try:
        # A timed wait keeps the main thread responsive to signals.
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Server mechanics: concurrency, shutdown, loopback-only binding, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import anthropic
import openai
import pytest

from fakeprovider import FakeProviderServer, demo_key

ROOT = Path(__file__).resolve().parents[2]


def test_slow_key_delays_without_blocking_others(
    claude: Callable[..., anthropic.Anthropic],
) -> None:
    finished: dict[str, float] = {}

    def slow_call() -> None:
        started = time.monotonic()
        claude("slow1").models.list()
        finished["slow"] = time.monotonic() - started

    worker = threading.Thread(target=slow_call)
    worker.start()
    time.sleep(0.1)
    started = time.monotonic()
    claude().models.list()
    fast = time.monotonic() - started
    worker.join(timeout=5)
    assert fast < 0.5
    assert 1.0 <= finished["slow"] < 3.0


def test_stop_wakes_hanging_requests_promptly() -> None:
    outcome: list[BaseException] = []
    with FakeProviderServer() as fake:
        client = openai.OpenAI(
            api_key=demo_key("openai", "hang"),
            base_url=fake.openai_base_url,
            max_retries=0,
            timeout=10,
        )

        def hanging_call() -> None:
            try:
                client.models.list()
            except openai.APIError as error:
                outcome.append(error)

        worker = threading.Thread(target=hanging_call)
        worker.start()
        deadline = time.monotonic() + 2
        while not fake.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        fake.stop()
        worker.join(timeout=5)
        assert time.monotonic() - started < 2
    assert isinstance(outcome[0], openai.APIConnectionError)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com"])
def test_non_loopback_bind_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        FakeProviderServer(host)


def test_base_urls() -> None:
    with FakeProviderServer(port=0) as fake:
        assert fake.base_url == f"http://127.0.0.1:{fake.port}"
        assert fake.anthropic_base_url == fake.base_url
        assert fake.openai_base_url == fake.base_url + "/v1"


def test_cli_serves_until_sigterm_and_logs_no_key() -> None:
    key = demo_key("openai", "valid", salt="cli")
    process = subprocess.Popen(
        [sys.executable, "-m", "fakeprovider", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        base_url = banner.split()[4]
        assert base_url.startswith("http://127.0.0.1:")
        client = openai.OpenAI(
            api_key=key, base_url=base_url + "/v1", max_retries=0, timeout=5
        )
        assert client.models.list().data
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=5)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "GET /v1/models 200" in out
    assert key not in banner + out + err


def test_cli_refuses_non_loopback_without_flag() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fakeprovider", "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        check=False,
        text=True,
        timeout=10,
    )
    assert result.returncode == 2
    assert "non-loopback" in result.stderr


def test_a_table_described_with_more_rows_than_shown_is_counted_whole():
    from fakeprovider.answers import describe_table

    reply = describe_table(
        ["city", "temp"], [["Oslo", "4"], ["Lima", "19"]], total_rows=1461
    )

    assert "and 1461 data rows (2 shown to me)." in reply

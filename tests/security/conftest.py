"""Canary keys and the places a leaked key would show up.

Each canary is a key whose plaintext must never appear anywhere the product
writes or answers: responses, pages, logs, broker messages, database dumps.
A leak is also caught when only the middle of a key shows, which is what
survives truncation or a partial mask.
"""

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from kombu.messaging import Producer

from fakeprovider import demo_key
from scoop_byok.logging import RedactSecretsFilter
from tests.api.conftest import (  # noqa: F401 - shared fixtures
    _fresh_throttles,
    api_for,
    queued_key_tests,
)

CANARY_SALT = "leak-canary"
# Shaped like an Anthropic key but refused by the format checks (a space in
# the middle), so it travels only through error paths.
MALFORMED_CANARY = (
    "sk-ant-api03-LeakCanaryMalformed0123456789 abcdefghijklmnopqrstuvwxyzAB"
)


def canary(provider: str, behaviour: str = "valid") -> str:
    return demo_key(provider, behaviour, salt=CANARY_SALT)


def fragments(secret: str) -> list[str]:
    """Return the whole secret and its middle, which alone still leaks it."""
    return [secret, secret[8:-4]]


def assert_no_secret(text: object, secrets: list[str], where: str) -> None:
    rendered = text if isinstance(text, str) else repr(text)
    for secret in secrets:
        for fragment in fragments(secret):
            assert fragment not in rendered, f"key material leaked in {where}"


@pytest.fixture
def canaries() -> dict[str, str]:
    return {
        "anthropic": canary("anthropic"),
        "openai": canary("openai"),
        "malformed": MALFORMED_CANARY,
    }


@dataclass
class LogCapture:
    """Raw log records and the text the product's redacting handler wrote."""

    raw: list[str] = field(default_factory=list)
    handled: io.StringIO = field(default_factory=io.StringIO)

    def raw_text(self) -> str:
        return "\n".join(self.raw)


class _RawRecords(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(level=logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name} {record.getMessage()}"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.sink.append(text)


NOISY_LOGGERS = (
    "anthropic",
    "openai",
    "httpx2",
    "httpcore2",
    "celery",
    "kombu",
    "django",
    "django.request",
    "django.server",
    "aiprovider",
    "accounts",
    "analytics",
    "scoop_byok",
)


@pytest.fixture
def debug_logs() -> Iterator[LogCapture]:
    """Turn every logger to DEBUG and capture what it says, two ways.

    ``raw`` sees each record before any filter: product code must never put
    a key there. ``handled`` is a handler set up like the product's console
    handler, with the redacting filter: nothing there may hold a key even
    when a third-party library logs one.
    """
    capture = LogCapture()
    raw = _RawRecords(capture.raw)
    handled = logging.StreamHandler(capture.handled)
    handled.setLevel(logging.DEBUG)
    handled.addFilter(RedactSecretsFilter())
    root = logging.getLogger()
    names = NOISY_LOGGERS + tuple(logging.root.manager.loggerDict)
    saved = {name: logging.getLogger(name).level for name in names}
    saved_root = root.level
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.setLevel(logging.DEBUG)
    # The raw handler must run before any redacting filter rewrites the
    # record, so it goes first on every logger that has handlers of its own.
    with_handlers = [root] + [
        logging.getLogger(name) for name in names if logging.getLogger(name).handlers
    ]
    for logger in with_handlers:
        logger.handlers.insert(0, raw)
    root.addHandler(handled)
    try:
        yield capture
    finally:
        root.removeHandler(handled)
        for logger in with_handlers:
            logger.removeHandler(raw)
        root.setLevel(saved_root)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@dataclass
class PublishedMessage:
    body: object
    headers: dict
    routing_key: str


@pytest.fixture
def published_messages(monkeypatch: pytest.MonkeyPatch) -> list[PublishedMessage]:
    """Record every message handed to the broker, then send it as usual."""
    sent: list[PublishedMessage] = []
    original = Producer.publish

    def record(self: Producer, body: object, *args: object, **kwargs: object):
        sent.append(
            PublishedMessage(
                body=body,
                headers=dict(kwargs.get("headers") or {}),  # type: ignore[arg-type]
                routing_key=str(kwargs.get("routing_key", "")),
            )
        )
        return original(self, body, *args, **kwargs)

    monkeypatch.setattr(Producer, "publish", record)
    return sent


@pytest.fixture
def secrets_absent() -> Callable[[object, list[str], str], None]:
    return assert_no_secret


@pytest.fixture
def save_key(owner):  # type: ignore[no-untyped-def]
    """Save a provider and key for an account as its owner would."""
    from aiprovider.models import AuditSource
    from aiprovider.services import provider_config_update

    def save(account, provider: str, api_key: str | None):  # type: ignore[no-untyped-def]
        return provider_config_update(
            account=account,
            actor=owner,
            source=AuditSource.WEB,
            provider=provider,
            api_key=api_key,
        ).config

    return save

"""Fixtures: one fake provider per test session, and SDK clients aimed at it.

Every client gets the loopback base URL explicitly and no retries, so no test
can reach a real provider or wait out the SDKs' back-off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import anthropic
import openai
import pytest

from fakeprovider import FakeProviderServer, demo_key

CLIENT_TIMEOUT = 5.0


@pytest.fixture(scope="session")
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _offline_env(
    server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    # The SDKs read these silently; point them at the fake as a second guard.
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    server.clear()
    yield


@pytest.fixture
def claude(server: FakeProviderServer) -> Callable[..., anthropic.Anthropic]:
    """Build an Anthropic client for a behaviour (or an explicit key)."""

    def build(
        behaviour: str = "valid", *, key: str | None = None, timeout: float = 0
    ) -> anthropic.Anthropic:
        return anthropic.Anthropic(
            api_key=key or demo_key("anthropic", behaviour),
            base_url=server.anthropic_base_url,
            max_retries=0,
            timeout=timeout or CLIENT_TIMEOUT,
        )

    return build


@pytest.fixture
def gpt(server: FakeProviderServer) -> Callable[..., openai.OpenAI]:
    """Build an OpenAI client for a behaviour (or an explicit key)."""

    def build(
        behaviour: str = "valid", *, key: str | None = None, timeout: float = 0
    ) -> openai.OpenAI:
        return openai.OpenAI(
            api_key=key or demo_key("openai", behaviour),
            base_url=server.openai_base_url,
            max_retries=0,
            timeout=timeout or CLIENT_TIMEOUT,
        )

    return build

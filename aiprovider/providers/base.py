"""The small interface every provider adapter implements.

Each adapter turns "complete this prompt with this key" into one call of its
provider's official SDK, and an SDK exception into a
:class:`~aiprovider.failures.ProviderAnswer`. Clients are built so that
nothing from the server's environment shapes a customer's call: the key,
base URL, timeout and retries are passed explicitly, the HTTP layer ignores
proxy variables and never follows redirects (which would carry the key to
another host), and only an allowlist of headers leaves the process.
"""

import hashlib
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import httpx2

from aiprovider.failures import ProviderAnswer, classify, retry_after_seconds

# Headers the SDKs need; anything else (organisation or project ids,
# headers injected through *_CUSTOM_HEADERS variables) is dropped.
ALLOWED_HEADERS = frozenset(
    {
        "host",
        "accept",
        "accept-encoding",
        "connection",
        "content-type",
        "content-length",
        "user-agent",
        "authorization",
        "x-api-key",
        "anthropic-version",
    }
)
ALLOWED_HEADER_PREFIXES = ("x-stainless-",)
CLIENT_CACHE_SIZE = 256


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    input_tokens: int
    output_tokens: int
    request_id: str


class ProviderCallFailed(Exception):
    """A provider call failed; ``category`` is one of the stable codes."""

    def __init__(self, category: str, answer: ProviderAnswer) -> None:
        super().__init__(category)
        self.category = category
        self.answer = answer


def _drop_unlisted_headers(request: httpx2.Request) -> None:
    for name in list(request.headers.keys()):
        lowered = name.lower()
        if lowered in ALLOWED_HEADERS or lowered.startswith(ALLOWED_HEADER_PREFIXES):
            continue
        del request.headers[name]


def build_http_client() -> httpx2.Client:
    """Return an HTTP client that carries no credentials or settings of its own."""
    return httpx2.Client(
        trust_env=False,
        follow_redirects=False,
        limits=httpx2.Limits(max_connections=200, max_keepalive_connections=50),
        event_hooks={"request": [_drop_unlisted_headers]},
    )


class ProviderAdapter(ABC):
    """One provider, reached through its official SDK."""

    name: str

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._http_clients: dict[str, httpx2.Client] = {}
        self._sdk_clients: OrderedDict[Hashable, Any] = OrderedDict()

    def client(self, *, api_key: str, base_url: str, max_retries: int) -> Any:
        """Return an SDK client for this key, reusing pooled connections.

        Clients are cached in process memory by a digest of the key, so a
        replaced key gets a new client and the old one ages out.
        """
        digest = hashlib.sha256(api_key.encode()).hexdigest()
        cache_key = (base_url, digest, max_retries)
        with self._lock:
            cached = self._sdk_clients.get(cache_key)
            if cached is not None:
                self._sdk_clients.move_to_end(cache_key)
                return cached
            http_client = self._http_clients.get(base_url)
            if http_client is None:
                http_client = self._http_clients[base_url] = build_http_client()
            cached = self.build_client(
                api_key=api_key,
                base_url=base_url,
                max_retries=max_retries,
                http_client=http_client,
            )
            self._sdk_clients[cache_key] = cached
            if len(self._sdk_clients) > CLIENT_CACHE_SIZE:
                self._sdk_clients.popitem(last=False)
            return cached

    def complete(
        self,
        *,
        api_key: str,
        base_url: str,
        model: str,
        system: str,
        prompt: str,
        max_tokens: int,
        timeout: float,
        max_retries: int = 0,
    ) -> Completion:
        """Send one prompt; raise :class:`ProviderCallFailed` on any failure."""
        client = self.client(
            api_key=api_key, base_url=base_url, max_retries=max_retries
        )
        try:
            return self.create_completion(
                client,
                model=model,
                system=system,
                prompt=prompt,
                max_tokens=max_tokens,
                timeout=timeout,
            )
        except Exception as exc:  # noqa: BLE001 - every SDK failure is classified
            answer = self.describe_exception(exc, model=model)
            if answer is None:
                raise
            raise ProviderCallFailed(classify(answer), answer) from None

    @abstractmethod
    def build_client(
        self,
        *,
        api_key: str,
        base_url: str,
        max_retries: int,
        http_client: httpx2.Client,
    ) -> Any:
        """Return a new SDK client that takes nothing from the environment."""

    @abstractmethod
    def create_completion(
        self,
        client: Any,
        *,
        model: str,
        system: str,
        prompt: str,
        max_tokens: int,
        timeout: float,
    ) -> Completion:
        """Make one inference call with ``client``."""

    @abstractmethod
    def describe_exception(
        self, exc: Exception, *, model: str
    ) -> ProviderAnswer | None:
        """Return what a provider error said, or None if it is not one."""


def answer_from_status_error(
    *,
    status: int,
    body: object,
    headers: dict[str, str],
    request_id: str,
    model: str,
) -> ProviderAnswer:
    """Build a :class:`ProviderAnswer` from an HTTP error response.

    Both providers wrap errors as ``{"error": {"type", "message", ...}}``;
    the SDKs sometimes hand over the inner object only.
    """
    inner = body.get("error", body) if isinstance(body, dict) else None
    if not isinstance(inner, dict):
        inner = {}
    message = str(inner.get("message") or "")
    return ProviderAnswer(
        status=status,
        error_type=str(inner.get("type") or ""),
        error_code=str(inner.get("code") or ""),
        message=message,
        request_id=request_id,
        retry_after_s=retry_after_seconds(headers, message),
        from_provider=bool(inner.get("type") or inner.get("message")),
        model=model,
    )

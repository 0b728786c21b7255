"""The small interface every provider adapter implements.

Each adapter turns "complete this prompt with this key" into one call of its
provider's official SDK, and an SDK exception into a
:class:`~aiprovider.failures.ProviderAnswer`. Clients are built so that
nothing from the server's environment shapes a customer's call: the key,
base URL, timeout and retries are passed explicitly, headers the SDKs read
from ``*_CUSTOM_HEADERS`` variables are discarded, the HTTP layer ignores
proxy variables and never follows redirects (which would carry the key to
another host), and only an allowlist of headers leaves the process.
"""

import hashlib
import re
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import httpx2

from aiprovider import failures
from aiprovider.failures import ProviderAnswer, classify, retry_after_seconds

# Headers the SDKs need; anything else (organisation or project ids,
# headers injected through *_CUSTOM_HEADERS variables) is dropped. Both
# SDKs authenticate with ``Authorization: Bearer``, so an ``x-api-key``
# header can only have come from somewhere else and never leaves.
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
        "anthropic-version",
    }
)
ALLOWED_HEADER_PREFIXES = ("x-stainless-",)
CLIENT_CACHE_SIZE = 256
# Request ids are shown to users and stored (128 characters at most); one
# that is not a plain token is not the provider's and is dropped.
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    input_tokens: int
    output_tokens: int
    request_id: str


# The cheapest call that proves a key can be used for real work: one
# inference with a one-token answer. Listing models would authenticate but
# says nothing about model permissions or billing.
KEY_CHECK_PROMPT = "Reply with the single word OK."
KEY_CHECK_MAX_TOKENS = 1


@dataclass(frozen=True)
class KeyCheck:
    """The outcome of :meth:`ProviderAdapter.verify_key`."""

    result: str
    message: str
    model: str
    duration_ms: int
    request_id: str = ""
    retry_after_s: int | None = None
    status: int | None = None


class ProviderCallFailed(Exception):
    """A provider call failed; ``category`` is one of the stable codes."""

    def __init__(self, category: str, answer: ProviderAnswer) -> None:
        super().__init__(category)
        self.category = category
        self.answer = answer


class UnreadableReply(Exception):
    """A 200 answer that is not the provider's reply to the request."""


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
            _forget_environment_headers(cached)
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
        except UnreadableReply:
            answer = ProviderAnswer(status=200, unreadable_reply=True, model=model)
            raise ProviderCallFailed(classify(answer), answer) from None
        except Exception as exc:  # noqa: BLE001 - every SDK failure is classified
            answer = self.describe_exception(exc, model=model)
            if answer is None:
                raise
            raise ProviderCallFailed(classify(answer), answer) from None

    def verify_key(
        self, *, api_key: str, base_url: str, model: str, timeout: float
    ) -> KeyCheck:
        """Prove ``api_key`` can call ``model`` and is paid for.

        One inference call, never retried, bounded by ``timeout``; every
        outcome comes back as a :class:`KeyCheck` with a message that says
        what to do next and never contains the key.
        """
        started = time.monotonic()
        try:
            completion = self.complete(
                api_key=api_key,
                base_url=base_url,
                model=model,
                system="",
                prompt=KEY_CHECK_PROMPT,
                max_tokens=KEY_CHECK_MAX_TOKENS,
                timeout=timeout,
                max_retries=0,
            )
        except ProviderCallFailed as failure:
            return _failed_check(failure, provider=self.name, started=started)
        return KeyCheck(
            result=failures.VALID,
            message=failures.describe(failures.VALID, provider=self.name),
            model=model,
            duration_ms=_elapsed_ms(started),
            request_id=completion.request_id,
        )

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


def _failed_check(
    failure: ProviderCallFailed, *, provider: str, started: float
) -> KeyCheck:
    answer = failure.answer
    retry_after_s = None
    if failure.category == failures.RATE_LIMITED:
        retry_after_s = answer.retry_after_s or failures.DEFAULT_RETRY_AFTER_S
    return KeyCheck(
        result=failure.category,
        message=failures.describe_answer(
            failure.category, answer, provider=provider, during="test"
        ),
        model=answer.model,
        duration_ms=_elapsed_ms(started),
        request_id=answer.request_id,
        retry_after_s=retry_after_s,
        status=answer.status,
    )


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def clean_request_id(raw: object) -> str:
    """Return the provider's request id if it is a plain token, else ""."""
    if isinstance(raw, str) and REQUEST_ID.fullmatch(raw):
        return raw
    return ""


def _forget_environment_headers(client: Any) -> None:
    """Discard the headers an SDK read from ``*_CUSTOM_HEADERS``.

    Both SDKs parse ANTHROPIC_CUSTOM_HEADERS / OPENAI_CUSTOM_HEADERS when a
    client is built and send them with every request, after the key: an
    ``Authorization`` line there would replace the customer's key with the
    server's. The SDKs offer no switch to ignore the variable, and passing
    ``default_headers`` only adds to it, so the parsed headers are dropped
    from the client; the adapter contract tests notice if that ever stops
    working.
    """
    client._custom_headers = {}


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
        request_id=clean_request_id(request_id),
        retry_after_s=retry_after_seconds(headers, message),
        model=model,
    )

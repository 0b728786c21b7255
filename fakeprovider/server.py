"""A local HTTP server that speaks the Anthropic and OpenAI wire formats.

The product's demo and test suite must run offline, yet still go through the
real official SDKs so that headers, retries, timeouts and error classes are
the genuine ones. This server is that endpoint: one loopback address serves
both providers (``/v1/messages`` for Anthropic, ``/v1/chat/completions`` for
OpenAI, ``/v1/models`` for both, told apart by the ``anthropic-version``
header), and the API key picks the scenario (see ``fakeprovider.behaviours``).

It never logs headers or bodies, because they carry API keys.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from fakeprovider.dispatch import INVALID_JSON, decode_body, respond
from fakeprovider.reply import Reply

MAX_BODY_BYTES = 10 * 1024 * 1024
# Idle keep-alive connections are dropped after this many seconds.
IDLE_TIMEOUT_SECONDS = 30
# Anthropic's "overloaded" status is not in the IANA registry.
EXTRA_REASONS = {529: "Overloaded"}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it reached the fake provider, kept for test assertions.

    ``headers`` has lowercase names; ``body`` is the decoded JSON, or None when
    the body was empty or not JSON.
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: object


class _BodyError(Exception):
    """The request body could not be read as declared."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_SECONDS
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Without TCP_NODELAY, Nagle's algorithm meets the client's delayed ACK
        # and every call stalls about 40 ms, which makes latency figures noise.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: object) -> None:
        # The default log writes request lines and parse errors to stderr;
        # only method, path and status are ever logged (FakeProviderServer.log).
        return

    def _handle(self) -> None:
        split = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            raw = self._read_body()
        except _BodyError as error:
            self.close_connection = True
            self._send(Reply(error.status, {"detail": error.detail}))
            return
        payload = decode_body(raw)
        recorded_body = None if payload is INVALID_JSON else payload
        owner = self.server.owner
        owner.record(
            RecordedRequest(
                self.command, split.path, split.query, headers, recorded_body
            )
        )
        reply = self._reply(split.path, headers, payload)
        if reply is None:
            self.close_connection = True
            return
        owner.log(self.command, split.path, reply.status)
        self._send(reply)

    def _reply(
        self, path: str, headers: dict[str, str], payload: object
    ) -> Reply | None:
        try:
            return respond(self.command, path, headers, payload, self.server.owner.wait)
        except Exception as error:  # noqa: BLE001 - a fake must answer, not hang
            # Only the type name: an exception message could quote a header.
            print(
                f"fakeprovider: internal error {type(error).__name__}", file=sys.stderr
            )
            return Reply(500, {"detail": "Internal error in the fake provider"})

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _BodyError(400, "Invalid Content-Length") from None
        if length < 0:
            raise _BodyError(400, "Invalid Content-Length")
        if length > MAX_BODY_BYTES:
            raise _BodyError(413, "Request body too large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise _BodyError(400, "Invalid chunked body") from None
            if size == 0:
                # Skip optional trailers up to the blank line that ends them.
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise _BodyError(413, "Request body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(self, reply: Reply) -> None:
        body = reply.body_bytes()
        lines = [
            f"HTTP/1.1 {reply.status} {_reason(reply.status)}",
            f"date: {self.date_time_string()}",
            "content-type: application/json",
            f"content-length: {len(body)}",
            *(f"{name}: {value}" for name, value in reply.headers.items()),
        ]
        if self.close_connection:
            lines.append("connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # One write: a separate header write would reintroduce the Nagle stall.
        self.wfile.write(head + body)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return EXTRA_REASONS.get(status, "Unknown")


class _HTTPServer(ThreadingHTTPServer):
    """Threaded server that can close idle keep-alive connections on stop."""

    daemon_threads = True
    block_on_close = False
    # Hundreds of key tests may connect at once; the default backlog of 5
    # makes the kernel drop connections that would retry a second later.
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], owner: FakeProviderServer) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hanging up (timeouts, closed pools) are normal for a test
        # server; anything else gets one line without request details.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        print(f"fakeprovider: connection error {type(error).__name__}", file=sys.stderr)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback IP literals (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class FakeProviderServer:
    """A fake Anthropic + OpenAI endpoint on one loopback address.

    Use ``base_url``/``anthropic_base_url`` for the Anthropic SDK and
    ``openai_base_url`` (which ends in ``/v1``) for the OpenAI SDK. Requests
    are recorded in ``requests`` so tests can check what reached the provider.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        allow_non_loopback: bool = False,
        log_requests: bool = False,
    ) -> None:
        if not allow_non_loopback and not is_loopback(host):
            raise ValueError(
                f"refusing to bind to non-loopback address {host!r}; "
                "pass allow_non_loopback=True (--allow-non-loopback) to override"
            )
        self.host = host
        self._requested_port = port
        self._log_requests = log_requests
        self._stopping = threading.Event()
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------

    def start(self) -> FakeProviderServer:
        """Bind and serve in a daemon thread; returns self for chaining."""
        if self._httpd is not None:
            raise RuntimeError("FakeProviderServer is already started")
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fakeprovider-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping requests and close connections."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        # Wake "slow"/"hang" requests first so they release their threads.
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self if self._httpd is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeProviderServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def anthropic_base_url(self) -> str:
        """The Anthropic SDK appends /v1/... itself."""
        return self.base_url

    @property
    def openai_base_url(self) -> str:
        """The OpenAI SDK expects the /v1 prefix in its base URL."""
        return self.base_url + "/v1"

    # -- recording -------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received since start or ``clear()``."""
        with self._requests_lock:
            return list(self._requests)

    def clear(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    def record(self, request: RecordedRequest) -> None:
        with self._requests_lock:
            self._requests.append(request)

    # -- used by request handlers ---------------------------------------

    def wait(self, seconds: float) -> bool:
        """Sleep for a behaviour's delay; False if the server stopped meanwhile."""
        return not self._stopping.wait(seconds)

    def log(self, method: str, path: str, status: int) -> None:
        # Method, path and status only: headers and bodies carry keys.
        if self._log_requests:
            print(f"{method} {path} {status}", flush=True)

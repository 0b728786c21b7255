"""A keep-alive HTTP client for the web server under test.

Every request says ``X-Forwarded-Proto: https``, as the TLS-terminating
proxy in front of a production deployment does; without it the app (DEBUG
off) would redirect to HTTPS instead of answering.
"""

import http.client
import json

from benchmarks.environment import HOST


class ApiClient:
    def __init__(self, port: int, token: str) -> None:
        self._connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.headers = {
            "Host": HOST,
            "Authorization": f"Token {token}",
            "X-Forwarded-Proto": "https",
            "Accept": "application/json",
        }

    def request(
        self, method: str, path: str, body: object | None = None
    ) -> tuple[int, bytes]:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self._connection.request(method, path, body=payload, headers=headers)
        response = self._connection.getresponse()
        data = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self._connection.close()
        return response.status, data

    def close(self) -> None:
        self._connection.close()

"""Assertions about the API's JSON error envelope."""

from typing import Any


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is the error envelope with this status and code."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert {"code", "detail", "errors"} <= body.keys()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], dict)
    return body

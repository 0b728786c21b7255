"""Decide how the fake provider answers one request.

This is the provider-blind policy: which path belongs to which provider, which
behaviour the key selects, and in which order the checks run (auth, delay,
errors that hit any endpoint, then inference-only errors). It never touches
sockets, so the whole policy is a plain function of the request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from fakeprovider.anthropic_wire import AnthropicWire
from fakeprovider.behaviours import (
    ANY_ENDPOINT,
    NOT_PROVIDER_ANSWERS,
    Behaviour,
    behaviour_for_key,
)
from fakeprovider.openai_wire import OpenAIWire
from fakeprovider.reply import (
    Reply,
    foreign_service_answer,
    new_request_id,
    not_found,
    redirect_elsewhere,
)
from fakeprovider.wire import Problem, Wire

ANTHROPIC: Wire = AnthropicWire()
OPENAI: Wire = OpenAIWire()

MODELS_PATH = "/v1/models"
# Errors that belong to the key or account and so win over the model check.
KEY_ERRORS = (
    "restricted",
    "restricted403",
    "nocredit",
    "badrequest",
    "toolarge",
    "billinglimit",
)

# Sleeps for ``seconds``; returns False if the server is shutting down instead.
Waiter = Callable[[float], bool]


@dataclass(frozen=True)
class Route:
    """Which provider a request addresses and what it asks for."""

    wire: Wire
    action: str  # "inference", "list_models" or "get_model"
    model_id: str | None = None


def find_route(method: str, path: str, headers: Mapping[str, str]) -> Route | None:
    """Map method and path to a provider endpoint; None means "no such path"."""
    if method == "POST" and path == "/v1/messages":
        return Route(ANTHROPIC, "inference")
    if method == "POST" and path == "/v1/chat/completions":
        return Route(OPENAI, "inference")
    if method != "GET":
        return None
    # Both providers serve /v1/models; only Anthropic clients send this header.
    wire = ANTHROPIC if "anthropic-version" in headers else OPENAI
    if path == MODELS_PATH:
        return Route(wire, "list_models")
    model_id = unquote(path.removeprefix(MODELS_PATH + "/"))
    if path.startswith(MODELS_PATH + "/") and model_id and "/" not in model_id:
        return Route(wire, "get_model", model_id)
    return None


def respond(
    method: str,
    path: str,
    headers: Mapping[str, str],
    payload: object,
    wait: Waiter,
) -> Reply | None:
    """Answer one request; None means "drop the connection" (server stopping).

    ``payload`` is the decoded JSON body, or ``INVALID_JSON``.
    """
    route = find_route(method, path, headers)
    if route is None:
        return not_found()
    behaviour = behaviour_for_key(route.wire.key_from(headers) or "")
    if behaviour is not None and behaviour.name in NOT_PROVIDER_ANSWERS:
        return _not_provider_answer(behaviour.name)
    reply = _provider_reply(route, headers, payload, wait)
    if reply is None:
        return None
    return route.wire.stamp(reply, new_request_id())


def _not_provider_answer(name: str) -> Reply | None:
    """What something other than the provider sends; None drops the connection."""
    if name == "redirect":
        return redirect_elsewhere()
    if name == "garbled":
        return foreign_service_answer()
    return None


def _provider_reply(
    route: Route, headers: Mapping[str, str], payload: object, wait: Waiter
) -> Reply | None:
    wire = route.wire
    key = wire.key_from(headers)
    if not key:
        return wire.error("missing_key")
    behaviour = behaviour_for_key(key)
    if behaviour is None or behaviour.name == "invalid":
        return wire.error("invalid", key=key)
    if behaviour.delay_seconds and not wait(behaviour.delay_seconds):
        return None
    model = _model_of(payload) or route.model_id
    if behaviour.name in ANY_ENDPOINT:
        return wire.error(behaviour.name, model=model)
    if route.action == "list_models":
        return wire.model_list()
    if route.action == "get_model":
        return _model_info(wire, route.model_id or "")
    return _inference(wire, behaviour, payload, headers)


def _inference(
    wire: Wire, behaviour: Behaviour, payload: object, headers: Mapping[str, str]
) -> Reply:
    if payload is INVALID_JSON:
        return wire.error(
            "invalid_request", problem=Problem("The request body is not valid JSON.")
        )
    problem = wire.validate(payload, headers)
    if problem is not None:
        return wire.error("invalid_request", problem=problem)
    assert isinstance(payload, dict)  # validate() guarantees an object
    model = str(payload["model"])
    if behaviour.name in KEY_ERRORS:
        return wire.error(behaviour.name, model=model)
    if is_unknown_model(model):
        return wire.error("model_not_found", model=model)
    if behaviour.name == "overloaded":
        return wire.error("overloaded", model=model)
    return wire.completion(payload)


def _model_info(wire: Wire, model_id: str) -> Reply:
    if is_unknown_model(model_id):
        return wire.error("model_not_found", model=model_id)
    return wire.model_info(model_id)


def is_unknown_model(model: str) -> bool:
    """Model ids the fake treats as retired or never existing."""
    return model.startswith("retired-") or "does-not-exist" in model


def _model_of(payload: object) -> str | None:
    if isinstance(payload, dict) and isinstance(payload.get("model"), str):
        return payload["model"] or None
    return None


class _InvalidJSON:
    """Marks a body that was sent but could not be decoded."""

    def __repr__(self) -> str:
        return "INVALID_JSON"


INVALID_JSON = _InvalidJSON()


def decode_body(raw: bytes) -> object:
    """Decode a JSON body; None for an empty body, INVALID_JSON for garbage."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return INVALID_JSON

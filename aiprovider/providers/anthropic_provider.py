"""Claude, through the official ``anthropic`` SDK."""

from typing import Any

import anthropic
import httpx2

from aiprovider.failures import ProviderAnswer
from aiprovider.providers.base import (
    Completion,
    ProviderAdapter,
    UnreadableReply,
    answer_from_status_error,
    clean_request_id,
)


class AnthropicAdapter(ProviderAdapter):
    name = "anthropic"

    def build_client(
        self,
        *,
        api_key: str,
        base_url: str,
        max_retries: int,
        http_client: httpx2.Client,
    ) -> anthropic.Anthropic:
        # An explicit api_key stops the SDK reading ANTHROPIC_API_KEY,
        # ANTHROPIC_AUTH_TOKEN, profiles or federation settings.
        return anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            http_client=http_client,
            open_telemetry=False,
        )

    def create_completion(
        self,
        client: anthropic.Anthropic,
        *,
        model: str,
        system: str,
        prompt: str,
        max_tokens: int,
        timeout: float,
    ) -> Completion:
        extra: dict[str, Any] = {"system": system} if system else {}
        message = client.messages.create(
            model=model,
            max_tokens=max_tokens,
            messages=[{"role": "user", "content": prompt}],
            timeout=timeout,
            **extra,
        )
        # The SDK builds a Message from any JSON it gets; something else
        # answering at the base URL must not pass for Claude.
        if message.type != "message" or not isinstance(message.content, list):
            raise UnreadableReply()
        text = "".join(
            block.text
            for block in message.content
            if getattr(block, "type", "") == "text"
        )
        usage = message.usage
        return Completion(
            text=text,
            model=message.model or model,
            input_tokens=getattr(usage, "input_tokens", 0) or 0,
            output_tokens=getattr(usage, "output_tokens", 0) or 0,
            request_id=clean_request_id(getattr(message, "_request_id", None)),
        )

    def describe_exception(
        self, exc: Exception, *, model: str
    ) -> ProviderAnswer | None:
        if isinstance(exc, anthropic.APIStatusError):
            headers = {k.lower(): v for k, v in exc.response.headers.items()}
            body = exc.body
            return answer_from_status_error(
                status=exc.status_code,
                body=body,
                headers=headers,
                request_id=exc.request_id
                or (body.get("request_id", "") if isinstance(body, dict) else ""),
                model=model,
            )
        if isinstance(exc, anthropic.APIConnectionError):
            return ProviderAnswer(status=None, connection_failed=True, model=model)
        if isinstance(exc, anthropic.APIResponseValidationError):
            return ProviderAnswer(status=200, unreadable_reply=True, model=model)
        return None

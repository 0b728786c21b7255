"""Claude, through the official ``anthropic`` SDK."""

from typing import Any

import anthropic
import httpx2

from aiprovider.failures import ProviderAnswer
from aiprovider.providers.base import (
    Completion,
    ProviderAdapter,
    answer_from_status_error,
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
        # An explicit api_key stops the SDK reading credentials, profiles
        # or federation settings; the header allowlist of the HTTP client
        # removes anything ANTHROPIC_CUSTOM_HEADERS would add.
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
        text = "".join(
            block.text
            for block in message.content
            if getattr(block, "type", "") == "text"
        )
        return Completion(
            text=text,
            model=message.model or model,
            input_tokens=message.usage.input_tokens,
            output_tokens=message.usage.output_tokens,
            request_id=getattr(message, "_request_id", None) or "",
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
        return None

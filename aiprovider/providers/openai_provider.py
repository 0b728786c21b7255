"""OpenAI, through the official ``openai`` SDK."""

import httpx2
import openai

from aiprovider.failures import ProviderAnswer
from aiprovider.providers.base import (
    Completion,
    ProviderAdapter,
    answer_from_status_error,
)


class OpenAIAdapter(ProviderAdapter):
    name = "openai"

    def build_client(
        self,
        *,
        api_key: str,
        base_url: str,
        max_retries: int,
        http_client: httpx2.Client,
    ) -> openai.OpenAI:
        client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            http_client=http_client,
        )
        # The SDK fills these from OPENAI_ORG_ID and OPENAI_PROJECT_ID; a
        # customer's key must never be sent on behalf of Scoop's organisation.
        client.organization = None
        client.project = None
        return client

    def create_completion(
        self,
        client: openai.OpenAI,
        *,
        model: str,
        system: str,
        prompt: str,
        max_tokens: int,
        timeout: float,
    ) -> Completion:
        messages = [{"role": "user", "content": prompt}]
        if system:
            messages.insert(0, {"role": "system", "content": system})
        completion = client.chat.completions.create(
            model=model,
            messages=messages,
            max_completion_tokens=max_tokens,
            timeout=timeout,
        )
        usage = completion.usage
        choice = completion.choices[0] if completion.choices else None
        return Completion(
            text=(choice.message.content or "") if choice else "",
            model=completion.model or model,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            request_id=getattr(completion, "_request_id", None) or "",
        )

    def describe_exception(
        self, exc: Exception, *, model: str
    ) -> ProviderAnswer | None:
        if isinstance(exc, openai.APIStatusError):
            headers = {k.lower(): v for k, v in exc.response.headers.items()}
            return answer_from_status_error(
                status=exc.status_code,
                body=exc.body,
                headers=headers,
                request_id=exc.request_id or headers.get("x-request-id", ""),
                model=model,
            )
        if isinstance(exc, openai.APIConnectionError):
            return ProviderAnswer(status=None, connection_failed=True, model=model)
        return None

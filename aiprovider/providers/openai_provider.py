"""OpenAI, through the official ``openai`` SDK."""

import httpx2
import openai

from aiprovider.failures import ProviderAnswer
from aiprovider.providers.base import (
    Completion,
    ProviderAdapter,
    UnreadableReply,
    answer_from_status_error,
    clean_request_id,
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
        # The SDK fills these from OPENAI_ORG_ID, OPENAI_PROJECT_ID and
        # OPENAI_ADMIN_KEY; a customer's key must never be sent on behalf of
        # Scoop's organisation, nor Scoop's admin key on the customer's.
        client.organization = None
        client.project = None
        client.admin_api_key = None
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
        # The SDK builds a ChatCompletion from any JSON it gets; something
        # else answering at the base URL must not pass for OpenAI.
        if completion.object != "chat.completion" or not completion.choices:
            raise UnreadableReply()
        usage = completion.usage
        return Completion(
            text=completion.choices[0].message.content or "",
            model=completion.model or model,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            request_id=clean_request_id(getattr(completion, "_request_id", None)),
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
        if isinstance(exc, openai.APIResponseValidationError):
            return ProviderAnswer(status=200, unreadable_reply=True, model=model)
        return None

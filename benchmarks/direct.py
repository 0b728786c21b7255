"""The baseline every overhead is measured against: a direct official SDK call.

This is what a developer would write without Scoop in between: one client of
the provider's official SDK, built once and reused (so connections stay
open), no retries, sending exactly the request the product sends.
"""

from typing import Any

import anthropic
import openai
from django.conf import settings


def direct_client(provider: str, api_key: str) -> Any:
    if provider == "anthropic":
        return anthropic.Anthropic(
            api_key=api_key,
            base_url=settings.ANTHROPIC_BASE_URL,
            max_retries=0,
            timeout=settings.AI_CALL_TIMEOUT_S,
        )
    if provider == "openai":
        return openai.OpenAI(
            api_key=api_key,
            base_url=settings.OPENAI_BASE_URL,
            max_retries=0,
            timeout=settings.AI_CALL_TIMEOUT_S,
        )
    raise ValueError(f"unknown provider {provider!r}")


def direct_call(
    provider: str, client: Any, *, model: str, system: str, prompt: str
) -> str:
    """Make one completion and return its text, as the product would."""
    max_tokens = settings.AI_MAX_OUTPUT_TOKENS
    if provider == "anthropic":
        message = client.messages.create(
            model=model,
            max_tokens=max_tokens,
            system=system,
            messages=[{"role": "user", "content": prompt}],
        )
        return "".join(block.text for block in message.content if block.type == "text")
    completion = client.chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": system},
            {"role": "user", "content": prompt},
        ],
        max_completion_tokens=max_tokens,
    )
    return completion.choices[0].message.content or ""

"""Provider adapters; adding a provider is adding one module here."""

from functools import cache

from django.conf import settings

from aiprovider.providers.anthropic_provider import AnthropicAdapter
from aiprovider.providers.base import Completion, ProviderAdapter, ProviderCallFailed
from aiprovider.providers.openai_provider import OpenAIAdapter

__all__ = ["Completion", "ProviderAdapter", "ProviderCallFailed", "adapter_for"]

ADAPTER_CLASSES: dict[str, type[ProviderAdapter]] = {
    "anthropic": AnthropicAdapter,
    "openai": OpenAIAdapter,
}


@cache
def adapter_for(provider: str) -> ProviderAdapter:
    """Return the process-wide adapter (and its client pool) for a provider."""
    return ADAPTER_CLASSES[provider]()


def base_url_for(provider: str) -> str:
    """Return the deployment-wide endpoint of a provider."""
    return {
        "anthropic": settings.ANTHROPIC_BASE_URL,
        "openai": settings.OPENAI_BASE_URL,
    }[provider]

"""The one path from any AI feature to a provider.

Every feature (questions, "why" investigations, summaries, charts, ...)
calls :func:`route_ai_call`. It reads the account's configuration as it is
at that moment, picks provider, key and model, makes the call through the
provider's SDK and records a usage row, successful or not. BYOK calls are
billed by the provider; System Default calls spend Scoop credits. A BYOK
configuration that cannot be used fails loudly: it never drifts onto
Scoop's key unless the owner opted in to fallback for outages.
"""

import dataclasses
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import Account, User
from aiprovider import crypto, failures
from aiprovider.errors import BYOKNotUsable, CreditsExhausted, ProviderFailure
from aiprovider.health import key_outcome_record
from aiprovider.models import Billing, KeyState, Provider, ProviderConfig
from aiprovider.providers import (
    Completion,
    ProviderCallFailed,
    adapter_for,
    base_url_for,
)
from aiprovider.usage import (
    account_has_credits,
    record_failed_call,
    record_successful_call,
)
from scoop_byok.precompiled import PrecompiledRead

logger = logging.getLogger(__name__)

DEFAULT_SYSTEM_PROMPT = (
    "You are Scoop, a careful data analyst. Answer in plain language, cite the "
    "columns you used, and say when the data cannot answer the question."
)


@dataclass(frozen=True)
class Route:
    provider: str
    model: str
    api_key: str = field(repr=False)
    billing: str
    config: ProviderConfig | None


@dataclass(frozen=True)
class AIAnswer:
    text: str
    provider: str
    model: str
    billing: str
    input_tokens: int
    output_tokens: int
    credits_charged: object
    request_id: str
    usage_record_id: int
    # True when the account's provider was unavailable and, as the owner
    # opted in, Scoop AI answered on credits instead.
    fell_back: bool = False


def route_ai_call(
    *,
    account: Account,
    user: User | None,
    task: str,
    prompt: str,
    system: str = DEFAULT_SYSTEM_PROMPT,
    max_tokens: int | None = None,
) -> AIAnswer:
    """Answer ``prompt`` for ``task`` with the account's configured provider."""
    if task not in settings.AI_TASKS:
        raise ValueError(f"Unknown AI task type {task!r}.")
    config = _current_config(account)
    route = resolve_route(config, task)
    try:
        return _call(
            route,
            account=account,
            user=user,
            task=task,
            prompt=prompt,
            system=system,
            max_tokens=max_tokens,
        )
    except ProviderFailure as failure:
        if not _may_fall_back(route, failure):
            raise
        logger.info(
            "Falling back to Scoop AI: account=%s task=%s category=%s",
            account.pk,
            task,
            failure.category,
        )
        answer = _call(
            system_route(task),
            account=account,
            user=user,
            task=task,
            prompt=prompt,
            system=system,
            max_tokens=max_tokens,
        )
        return dataclasses.replace(answer, fell_back=True)


def _config_of(account_id: object) -> QuerySet[ProviderConfig]:
    return ProviderConfig.objects.filter(account_id=account_id).order_by()


# Every AI call reads it; see scoop_byok.precompiled.
_CONFIG_READ = PrecompiledRead(_config_of, account_id=-7_340_003)


def _current_config(account: Account) -> ProviderConfig | None:
    """Read the configuration afresh: a change must apply to the next call."""
    return _CONFIG_READ.first(account_id=account.pk)


def resolve_route(config: ProviderConfig | None, task: str) -> Route:
    """Choose provider, key and model for the account's next call."""
    if config is None or config.provider == Provider.SYSTEM:
        return system_route(task)
    state = config.key_state()
    if state != KeyState.ACTIVE:
        raise _not_usable(config, state)
    try:
        api_key = config.read_key()
    except crypto.UnreadableSecret:
        raise _not_usable(config, KeyState.UNREADABLE) from None
    return Route(
        provider=config.provider,
        model=settings.AI_MODELS[config.provider][task],
        api_key=api_key,
        billing=Billing.BYOK,
        config=config,
    )


def system_route(task: str) -> Route:
    """Return the route onto Scoop's own provider account."""
    provider = settings.SYSTEM_AI_PROVIDER
    api_key = {
        "anthropic": settings.SYSTEM_ANTHROPIC_API_KEY,
        "openai": settings.SYSTEM_OPENAI_API_KEY,
    }[provider]
    if not api_key:
        raise ProviderFailure(
            failures.PROVIDER_UNAVAILABLE,
            "Scoop AI is not configured on this server (no system API key). "
            "Ask your administrator, or add your own key in Account Settings → "
            "AI Provider.",
        )
    return Route(
        provider=provider,
        model=settings.AI_MODELS[provider][task],
        api_key=api_key,
        billing=Billing.SYSTEM,
        config=None,
    )


def _not_usable(config: ProviderConfig, state: KeyState) -> BYOKNotUsable:
    label = config.provider_label
    details = {
        KeyState.MISSING_KEY: f"{label} is selected but no {label} key is saved. "
        "Both provider AND key must be set for BYOK to activate. Add a key in "
        "Account Settings → AI Provider, or revert to System Default.",
        KeyState.UNREADABLE: "Stored key unreadable — please re-enter it in "
        "Account Settings → AI Provider, or revert to System Default.",
        KeyState.BREAKER_OPEN: f"{label} rejected the saved key "
        f"({config.breaker_reason or 'key failure'}), so AI calls are paused to "
        "avoid failing again. Fix the key in Account Settings → AI Provider, "
        "re-test it, or revert to System Default.",
    }
    return BYOKNotUsable(reason=state.value, detail=details[state])


def _may_fall_back(route: Route, failure: ProviderFailure) -> bool:
    return (
        route.billing == Billing.BYOK
        and route.config is not None
        and route.config.fallback_to_system
        and failure.category == failures.PROVIDER_UNAVAILABLE
    )


def _call(
    route: Route,
    *,
    account: Account,
    user: User | None,
    task: str,
    prompt: str,
    system: str,
    max_tokens: int | None,
) -> AIAnswer:
    if route.billing == Billing.SYSTEM and not account_has_credits(account):
        raise CreditsExhausted()
    started = time.monotonic()
    try:
        completion = adapter_for(route.provider).complete(
            api_key=route.api_key,
            base_url=base_url_for(route.provider),
            model=route.model,
            system=system,
            prompt=prompt,
            max_tokens=max_tokens or settings.AI_MAX_OUTPUT_TOKENS,
            timeout=settings.AI_CALL_TIMEOUT_S,
            max_retries=0,
        )
    except ProviderCallFailed as failed:
        raise _failure(
            route, failed, account=account, user=user, task=task, started=started
        ) from None
    return _success(
        route, completion, account=account, user=user, task=task, started=started
    )


def _latency_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _success(
    route: Route,
    completion: Completion,
    *,
    account: Account,
    user: User | None,
    task: str,
    started: float,
) -> AIAnswer:
    record = record_successful_call(
        account=account,
        user=user,
        task=task,
        provider=route.provider,
        billing=route.billing,
        completion=completion,
        latency_ms=_latency_ms(started),
    )
    if route.config is not None:
        key_outcome_record(route.config, category=failures.VALID)
    return AIAnswer(
        text=completion.text,
        provider=route.provider,
        model=completion.model,
        billing=route.billing,
        input_tokens=completion.input_tokens,
        output_tokens=completion.output_tokens,
        credits_charged=record.credits_charged,
        request_id=completion.request_id,
        usage_record_id=record.pk,
    )


def _failure(
    route: Route,
    failed: ProviderCallFailed,
    *,
    account: Account,
    user: User | None,
    task: str,
    started: float,
) -> ProviderFailure:
    answer = failed.answer
    logger.warning(
        "AI call failed: account=%s provider=%s task=%s category=%s status=%s "
        "request_id=%s",
        account.pk,
        route.provider,
        task,
        failed.category,
        answer.status,
        answer.request_id,
    )
    record_failed_call(
        account=account,
        user=user,
        task=task,
        provider=route.provider,
        model=route.model,
        billing=route.billing,
        outcome=failed.category,
        request_id=answer.request_id,
        latency_ms=_latency_ms(started),
    )
    if route.config is not None:
        key_outcome_record(route.config, category=failed.category)
    retry_after = answer.retry_after_s
    if failed.category == failures.RATE_LIMITED:
        retry_after = retry_after or failures.DEFAULT_RETRY_AFTER_S
    return ProviderFailure(
        failed.category,
        failures.describe_answer(
            failed.category,
            answer,
            provider=route.provider,
            during="call" if route.billing == Billing.BYOK else "system",
        ),
        request_id=answer.request_id,
        retry_after_s=retry_after if failed.category == failures.RATE_LIMITED else None,
    )

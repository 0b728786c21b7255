"""Writes to an account's AI provider configuration and its key tests."""

import logging
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.debug import sensitive_variables

from accounts.models import Account, User
from aiprovider import crypto, failures
from aiprovider.audit import audit_record
from aiprovider.errors import (
    ConfigConflict,
    InvalidInput,
    KeyTestThrottled,
    QueueUnavailable,
    SavedKeyUnusable,
)
from aiprovider.health import key_test_result_record
from aiprovider.keyformat import (
    PROVIDER_LABELS,
    CheckedKey,
    KeyRejected,
    check_api_key,
    key_hint,
)
from aiprovider.models import (
    BYOK_PROVIDERS,
    FINISHED_STATUSES,
    AuditAction,
    KeyState,
    KeyTest,
    KeyTestResult,
    KeyTestStatus,
    Provider,
    ProviderConfig,
)
from aiprovider.providers import adapter_for, base_url_for
from aiprovider.selectors import PARTIAL_WARNING
from scoop_byok.db import brief_database_use

logger = logging.getLogger(__name__)

# Candidates of tests that never ran are erased after this long at most.
CANDIDATE_MAX_AGE = timedelta(minutes=5)


@dataclass
class ConfigSaved:
    config: ProviderConfig
    warnings: list[str] = field(default_factory=list)


def key_fingerprint(key: str) -> str:
    """Return a keyed digest that tells whether two keys are the same."""
    return salted_hmac(
        "aiprovider.key_fingerprint", key, algorithm="sha256"
    ).hexdigest()


def provider_config_for(account: Account) -> ProviderConfig:
    """Return the account's configuration, creating the default one."""
    config, _ = ProviderConfig.objects.get_or_create(account=account)
    return config


def _locked_config(account: Account) -> ProviderConfig:
    ProviderConfig.objects.get_or_create(account=account)
    return ProviderConfig.objects.select_for_update().get(account=account)


def _validate_provider(provider: object, *, allowed: tuple[str, ...]) -> str:
    if provider not in allowed:
        raise InvalidInput(
            f"Choose one of: {', '.join(allowed)}.",
            code="invalid_choice",
            field="provider",
        )
    return str(provider)


@sensitive_variables("api_key")
def _check_key_input(api_key: str | None, *, provider: str | None) -> CheckedKey | None:
    if api_key is None or not api_key.strip():
        return None
    try:
        return check_api_key(api_key, provider=provider)
    except KeyRejected as rejected:
        raise InvalidInput(
            rejected.message, code=rejected.code, field="api_key"
        ) from None


@sensitive_variables("api_key", "checked")
def provider_config_update(
    *,
    account: Account,
    actor: User | None,
    source: str,
    provider: str | None,
    api_key: str | None = None,
    fallback_to_system: bool | None = None,
    expected_version: int | None = None,
    ip_address: str | None = None,
) -> ConfigSaved:
    """Save provider, key and fallback choice in one step.

    A None provider keeps the selected one, and a blank key the stored one.
    With System Default selected a key is still accepted (its provider told
    from its prefix) and stored, unused. ``expected_version`` rejects the
    write if someone saved in between.
    """
    if provider is not None:
        _validate_provider(provider, allowed=tuple(Provider.values))

    with transaction.atomic():
        config = _locked_config(account)
        if expected_version is not None and config.version != expected_version:
            raise ConfigConflict(
                "Someone else changed these settings since you loaded them. "
                "Reload the page (or GET the configuration) and try again."
            )
        provider = provider or config.provider
        checked = _check_key_input(
            api_key, provider=None if provider == Provider.SYSTEM else provider
        )
        before = (config.provider, config.key_fingerprint, config.fallback_to_system)
        config.provider = provider
        if checked is not None:
            _store_key(config, checked)
        if fallback_to_system is not None:
            config.fallback_to_system = fallback_to_system
        if checked is None and before == (
            config.provider,
            config.key_fingerprint,
            config.fallback_to_system,
        ):
            # Nothing changed: no new version for others to conflict with.
            return ConfigSaved(config, _state_warnings(config, checked))
        _bump(config, actor)
        config.save()
        _audit_update(config, before, checked, actor, source, ip_address)

    logger.info(
        "AI provider saved: account=%s provider=%s key_replaced=%s",
        account.pk,
        provider,
        checked is not None,
    )
    warnings = list(checked.warnings) if checked else []
    return ConfigSaved(config, warnings + _state_warnings(config, checked))


def _state_warnings(config: ProviderConfig, checked: CheckedKey | None) -> list[str]:
    """What the owner should know about the configuration just saved."""
    label = config.provider_label
    if config.key_state() == KeyState.MISSING_KEY:
        return [
            f"{PARTIAL_WARNING} Until a {label} key is saved, AI features of "
            "this account will fail; choose System Default to keep using Scoop AI."
        ]
    if checked is None or config.provider == Provider.SYSTEM:
        return []
    if config.last_test_result and config.last_test_result != KeyTestResult.VALID:
        return [
            "The last test of this key failed: "
            f"{config.last_test_message} Test it again before relying on it."
        ]
    return []


@sensitive_variables("checked")
def _store_key(config: ProviderConfig, checked: CheckedKey) -> None:
    config.encrypted_key = crypto.encrypt(
        checked.key, context=config.encryption_context()
    )
    config.stored_key_provider = checked.provider
    config.key_hint = checked.hint
    config.key_fingerprint = key_fingerprint(checked.key)
    _reset_key_health(config)
    config.key_saved_at = timezone.now()
    _remember_last_test(config)


def _remember_last_test(config: ProviderConfig) -> None:
    """Carry over the result of testing this key before it was saved."""
    test = (
        KeyTest.objects.filter(
            account_id=config.account_id,
            key_fingerprint=config.key_fingerprint,
            provider=config.stored_key_provider,
            status__in=FINISHED_STATUSES,
        )
        .order_by("-finished_at")
        .first()
    )
    if test is not None:
        config.last_test_result = test.result
        config.last_test_message = test.message
        config.last_test_finished_at = test.finished_at


def _reset_key_health(config: ProviderConfig) -> None:
    """Forget what was learnt about the previous key."""
    config.key_saved_at = None
    config.last_used_at = None
    config.last_success_at = None
    config.last_failure_at = None
    config.last_failure = ""
    config.breaker_open = False
    config.breaker_reason = ""
    config.last_test_result = ""
    config.last_test_message = ""
    config.last_test_finished_at = None


def _bump(config: ProviderConfig, actor: User | None) -> None:
    config.version += 1
    config.updated_at = timezone.now()
    config.updated_by = actor


@sensitive_variables("checked")
def _audit_update(
    config: ProviderConfig,
    before: tuple[str, str, bool],
    checked: CheckedKey | None,
    actor: User | None,
    source: str,
    ip_address: str | None,
) -> None:
    old_provider, old_fingerprint, old_fallback = before
    common = {
        "account": config.account,
        "actor": actor,
        "source": source,
        "ip_address": ip_address,
        "provider": config.provider,
        "key_hint": config.key_hint,
    }
    if checked is not None:
        action = AuditAction.KEY_REPLACED if old_fingerprint else AuditAction.CONFIGURED
        audit_record(action=action, detail=f"Key for {checked.provider}", **common)
    if old_provider != config.provider:
        audit_record(
            action=AuditAction.PROVIDER_SWITCHED,
            detail=f"{old_provider} → {config.provider}",
            **common,
        )
    if old_fallback != config.fallback_to_system:
        state = "on" if config.fallback_to_system else "off"
        audit_record(
            action=AuditAction.FALLBACK_CHANGED,
            detail=f"Fallback to Scoop AI {state}",
            **common,
        )


def provider_config_clear(
    *,
    account: Account,
    actor: User | None,
    source: str,
    ip_address: str | None = None,
    expected_version: int | None = None,
) -> ProviderConfig:
    """Remove the stored key and return the account to System Default."""
    with transaction.atomic():
        config = _locked_config(account)
        if expected_version is not None and config.version != expected_version:
            raise ConfigConflict(
                "Someone else changed these settings since you loaded them. "
                "Reload the configuration and try again."
            )
        hint = config.key_hint
        config.provider = Provider.SYSTEM
        config.encrypted_key = ""
        config.stored_key_provider = ""
        config.key_hint = ""
        config.key_fingerprint = ""
        _reset_key_health(config)
        _bump(config, actor)
        config.save()
        audit_record(
            account=account,
            actor=actor,
            action=AuditAction.CLEARED,
            source=source,
            ip_address=ip_address,
            provider=Provider.SYSTEM,
            key_hint=hint,
        )
    logger.info("AI provider cleared: account=%s source=%s", account.pk, source)
    return config


# Key tests ---------------------------------------------------------------


@sensitive_variables("api_key", "checked", "key")
def key_test_request(
    *,
    account: Account,
    actor: User | None,
    source: str,
    provider: str,
    api_key: str | None = None,
    ip_address: str | None = None,
) -> KeyTest:
    """Record a key test and queue it; the key travels only encrypted.

    Without ``api_key`` the saved key is re-tested. Raise
    :class:`KeyTestThrottled` past the per-account limit and
    :class:`QueueUnavailable` (with the candidate already erased) when the
    broker cannot take the task.
    """
    provider = _validate_provider(provider, allowed=tuple(BYOK_PROVIDERS))
    checked = _check_key_input(api_key, provider=provider)

    with transaction.atomic():
        # Locking the configuration serialises tests of one account, so
        # the throttle count holds across every web worker.
        config = _locked_config(account)
        _enforce_test_throttle(account)
        key = checked.key if checked else _saved_key_for_test(config, provider)
        test = KeyTest(
            account=account,
            provider=provider,
            uses_saved_key=checked is None,
            key_hint=key_hint(key),
            key_fingerprint=key_fingerprint(key),
            created_by=actor,
            source=source,
        )
        test.candidate_ciphertext = crypto.encrypt(
            key, context=test.encryption_context()
        )
        test.save()
        audit_record(
            account=account,
            actor=actor,
            action=AuditAction.KEY_TESTED,
            source=source,
            ip_address=ip_address,
            provider=provider,
            key_hint=test.key_hint,
            detail="Test requested" + (" (saved key)" if checked is None else ""),
        )

    _enqueue_key_test(test)
    return test


@sensitive_variables()
def _saved_key_for_test(config: ProviderConfig, provider: str) -> str:
    if not config.has_stored_key:
        raise SavedKeyUnusable(
            "No key is saved yet. Paste a key to test it.",
            code="key_empty",
            field="api_key",
        )
    if config.stored_key_provider != provider:
        stored = PROVIDER_LABELS.get(config.stored_key_provider, "another provider")
        raise SavedKeyUnusable(
            f"The saved key belongs to {stored}, not "
            f"{PROVIDER_LABELS[provider]}. Paste the {PROVIDER_LABELS[provider]} "
            "key you want to test.",
            code="key_wrong_provider",
            field="api_key",
        )
    try:
        return config.read_key()
    except crypto.UnreadableSecret:
        raise SavedKeyUnusable(
            "Stored key unreadable — please re-enter it",
            code="key_unreadable",
            status=409,
        ) from None


def _enforce_test_throttle(account: Account) -> None:
    limit = settings.KEY_TEST_THROTTLE_COUNT
    window = timedelta(seconds=settings.KEY_TEST_THROTTLE_WINDOW_S)
    now = timezone.now()
    recent = list(
        KeyTest.objects.filter(account=account, created_at__gt=now - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) >= limit:
        frees_at = recent[-1] + window
        raise KeyTestThrottled(max(1, math.ceil((frees_at - now).total_seconds())))


def _enqueue_key_test(test: KeyTest) -> None:
    from aiprovider.tasks import run_key_test

    try:
        run_key_test.apply_async(args=[str(test.pk)], retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure means the same
        logger.warning(
            "Key test %s not queued: broker unreachable (%s)",
            test.pk,
            type(exc).__name__,
        )
        _finish_key_test(
            test.pk,
            result=KeyTestResult.INCOMPLETE,
            message="The test could not be queued: the background queue is "
            "unreachable. Try again in a minute.",
            from_statuses=(KeyTestStatus.PENDING,),
        )
        raise QueueUnavailable() from None


@dataclass(frozen=True)
class KeyTestOutcome:
    result: str
    message: str
    request_id: str = ""
    retry_after_s: int | None = None
    model: str = ""
    duration_ms: int | None = None


@sensitive_variables("key", "claimed")
def key_test_execute(test_id: str) -> None:
    """Run a queued key test to completion: claim, call the provider, record.

    No database connection is held while the provider is thinking, so one
    worker can keep many tests in flight on a few connections.
    """
    with brief_database_use():
        claimed = _claim_key_test(test_id)
    if claimed is None:
        return
    test, key = claimed
    try:
        outcome = verify_key(provider=test.provider, api_key=key)
    except Exception as exc:  # noqa: BLE001 - the test must end, whatever broke
        # Only the type is logged: an SDK error's text may quote the request.
        logger.error(
            "Key test %s crashed unexpectedly (%s)", test.pk, type(exc).__name__
        )
        outcome = KeyTestOutcome(
            result=KeyTestResult.INCOMPLETE,
            message="The test could not be completed because of an error on "
            "our side. Run the test again; if it keeps failing, contact support.",
        )
    del key
    with brief_database_use():
        _record_key_test(test, outcome)


@sensitive_variables("key")
def _claim_key_test(test_id: str) -> tuple[KeyTest, str] | None:
    now = timezone.now()
    deadline = now - timedelta(seconds=settings.KEY_TEST_DEADLINE_S)
    claimed = KeyTest.objects.filter(
        pk=test_id, status=KeyTestStatus.PENDING, created_at__gt=deadline
    ).update(status=KeyTestStatus.RUNNING, started_at=now)
    if not claimed:
        # Already taken, finished, or arrived after its deadline.
        key_tests_expire()
        return None
    test = KeyTest.objects.select_related("account", "created_by").get(pk=test_id)
    try:
        key = crypto.decrypt(
            test.candidate_ciphertext, context=test.encryption_context()
        )
    except crypto.UnreadableSecret:
        _finish_key_test(
            test.pk,
            result=KeyTestResult.INCOMPLETE,
            message="The key to test could not be read back. Run the test again.",
        )
        return None
    return test, key


@sensitive_variables("api_key")
def verify_key(*, provider: str, api_key: str) -> KeyTestOutcome:
    """Prove a key can call the product's models and is paid for."""
    check = adapter_for(provider).verify_key(
        api_key=api_key,
        base_url=base_url_for(provider),
        model=settings.AI_MODELS[provider]["key_test"],
        timeout=settings.KEY_TEST_TIMEOUT_S,
    )
    if check.result != failures.VALID:
        logger.warning(
            "Key test failed: provider=%s category=%s status=%s request_id=%s",
            provider,
            check.result,
            check.status,
            check.request_id,
        )
    return KeyTestOutcome(
        result=check.result,
        message=check.message,
        request_id=check.request_id,
        retry_after_s=_retry_after(check.result, check.retry_after_s),
        model=check.model,
        duration_ms=check.duration_ms,
    )


def _retry_after(category: str, retry_after_s: int | None) -> int | None:
    if category != failures.RATE_LIMITED:
        return None
    return retry_after_s or failures.DEFAULT_RETRY_AFTER_S


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _record_key_test(test: KeyTest, outcome: KeyTestOutcome) -> None:
    with transaction.atomic():
        finished = _finish_key_test(
            test.pk,
            result=outcome.result,
            message=outcome.message,
            request_id=outcome.request_id,
            retry_after_s=outcome.retry_after_s,
            model=outcome.model,
            duration_ms=outcome.duration_ms,
            from_statuses=(KeyTestStatus.RUNNING,),
        )
        if finished:
            key_test_result_record(
                account_id=test.account_id,
                fingerprint=test.key_fingerprint,
                provider=test.provider,
                result=outcome.result,
                message=outcome.message,
            )
            audit_record(
                account=test.account,
                actor=test.created_by,
                action=AuditAction.KEY_TESTED,
                source=test.source,
                provider=test.provider,
                key_hint=test.key_hint,
                detail=f"Result: {outcome.result}"
                + (" (saved key)" if test.uses_saved_key else ""),
            )
    logger.info(
        "Key test finished: account=%s provider=%s result=%s",
        test.account_id,
        test.provider,
        outcome.result,
    )


def _finish_key_test(
    test_id: object,
    *,
    result: str,
    message: str,
    request_id: str = "",
    retry_after_s: int | None = None,
    model: str = "",
    duration_ms: int | None = None,
    from_statuses: tuple[str, ...] = (KeyTestStatus.PENDING, KeyTestStatus.RUNNING),
) -> bool:
    """Record a test's result and erase its candidate key in one update."""
    status = (
        KeyTestStatus.SUCCEEDED
        if result == KeyTestResult.VALID
        else KeyTestStatus.FAILED
    )
    return bool(
        KeyTest.objects.filter(pk=test_id, status__in=from_statuses).update(
            status=status,
            result=result,
            message=message,
            provider_request_id=request_id,
            retry_after_s=retry_after_s,
            model=model,
            duration_ms=duration_ms,
            finished_at=timezone.now(),
            candidate_ciphertext="",
        )
    )


def key_tests_expire(now: datetime | None = None) -> int:
    """Fail every test past its deadline and erase stale candidate keys."""
    now = now or timezone.now()
    deadline = now - timedelta(seconds=settings.KEY_TEST_DEADLINE_S)
    expired = KeyTest.objects.filter(
        status__in=(KeyTestStatus.PENDING, KeyTestStatus.RUNNING),
        created_at__lte=deadline,
    ).update(
        status=KeyTestStatus.FAILED,
        result=KeyTestResult.INCOMPLETE,
        message=failures.describe(failures.INCOMPLETE, provider=""),
        finished_at=now,
        candidate_ciphertext="",
    )
    KeyTest.objects.filter(created_at__lte=now - CANDIDATE_MAX_AGE).exclude(
        candidate_ciphertext=""
    ).update(candidate_ciphertext="")
    if expired:
        logger.warning("Expired %s key tests that missed their deadline", expired)
    return expired


def key_test_refresh(test: KeyTest) -> KeyTest:
    """Return ``test``, first failing it if it has outlived its deadline."""
    if test.is_finished:
        return test
    deadline = test.created_at + timedelta(seconds=settings.KEY_TEST_DEADLINE_S)
    if timezone.now() >= deadline:
        key_tests_expire()
        test.refresh_from_db()
    return test

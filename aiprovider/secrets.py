"""Maintenance of stored secrets: finding unreadable ones, re-encrypting."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction

from aiprovider import crypto
from aiprovider.models import KeyTest, ProviderConfig


@dataclass(frozen=True)
class StoredSecret:
    kind: str
    pk: object
    account_id: int
    reason: str


def unreadable_secrets() -> Iterator[StoredSecret]:
    """Yield every stored secret the current keyring cannot decrypt."""
    configs = ProviderConfig.objects.exclude(encrypted_key="").only(
        "pk", "account_id", "encrypted_key"
    )
    for config in configs.iterator():
        try:
            config.read_key()
        except crypto.UnreadableSecret as exc:
            yield StoredSecret(
                "provider configuration", config.pk, config.account_id, str(exc)
            )
    tests = KeyTest.objects.exclude(candidate_ciphertext="").only(
        "pk", "account_id", "candidate_ciphertext"
    )
    for test in tests.iterator():
        try:
            crypto.decrypt(test.candidate_ciphertext, context=test.encryption_context())
        except crypto.UnreadableSecret as exc:
            yield StoredSecret("key test candidate", test.pk, test.account_id, str(exc))


@dataclass
class ReencryptReport:
    reencrypted: int = 0
    already_current: int = 0
    unreadable: int = 0


def reencrypt_provider_keys() -> ReencryptReport:
    """Re-seal every stored provider key under the newest keyring key.

    Each row is locked while it is rewritten, so a concurrent save cannot
    be overwritten with an older key.
    """
    report = ReencryptReport()
    ids = ProviderConfig.objects.exclude(encrypted_key="").values_list("pk", flat=True)
    for pk in list(ids):
        with transaction.atomic():
            config = ProviderConfig.objects.select_for_update().get(pk=pk)
            if not config.encrypted_key:
                continue
            if crypto.is_sealed_with_newest_key(config.encrypted_key):
                report.already_current += 1
                continue
            try:
                key = config.read_key()
            except crypto.UnreadableSecret:
                report.unreadable += 1
                continue
            config.encrypted_key = crypto.encrypt(
                key, context=config.encryption_context()
            )
            config.save(update_fields=["encrypted_key"])
            report.reencrypted += 1
    return report

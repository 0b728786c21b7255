"""Maintenance of stored secrets: finding unreadable ones, re-encrypting."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

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


# Each kind of stored secret: its model and the field holding the token.
SEALED_FIELDS = (
    (ProviderConfig, "encrypted_key"),
    (KeyTest, "candidate_ciphertext"),
)


def reencrypt_stored_secrets() -> ReencryptReport:
    """Re-seal every stored secret under the newest keyring key.

    Saved provider keys and the candidates of key tests still in flight are
    both covered, so the old key can be removed as soon as this finishes.
    Each row is locked while it is rewritten, so a concurrent save or a test
    finishing meanwhile is never overwritten with an older value.
    """
    report = ReencryptReport()
    for model, field_name in SEALED_FIELDS:
        sealed = model.objects.exclude(**{field_name: ""})
        for pk in list(sealed.values_list("pk", flat=True)):
            _reencrypt_row(model, pk, field_name, report)
    return report


@sensitive_variables("plaintext")
def _reencrypt_row(
    model: type[ProviderConfig] | type[KeyTest],
    pk: object,
    field_name: str,
    report: ReencryptReport,
) -> None:
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        token = getattr(row, field_name, "") if row is not None else ""
        if not token:
            return  # Cleared or finished since the ids were listed.
        if crypto.is_sealed_with_newest_key(token):
            report.already_current += 1
            return
        context = row.encryption_context()  # type: ignore[union-attr]
        try:
            plaintext = crypto.decrypt(token, context=context)
        except crypto.UnreadableSecret:
            report.unreadable += 1
            return
        setattr(row, field_name, crypto.encrypt(plaintext, context=context))
        row.save(update_fields=[field_name])  # type: ignore[union-attr]
        report.reencrypted += 1

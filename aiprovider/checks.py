"""System checks for stored secrets.

A keyring that cannot decrypt some stored keys is reported as a warning,
not an error, so that ``migrate`` and the site still run: the affected
accounts see "Stored key unreadable" and their owners can re-enter a key.
"""

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

# Enough ids to act on; check_secrets lists them all.
MAX_LISTED = 10


@register(Tags.database)
def check_stored_secrets(app_configs: object = None, **kwargs: object) -> list[Warning]:
    from aiprovider.secrets import unreadable_secrets

    try:
        unreadable = list(unreadable_secrets())
    except DatabaseError:
        # Tables may not exist before the first migrate.
        return []
    accounts = sorted({str(secret.account_id) for secret in unreadable})
    return (
        [
            Warning(
                f"{len(unreadable)} stored provider key(s) cannot be decrypted "
                "with BYOK_ENCRYPTION_KEYS (accounts "
                f"{', '.join(accounts[:MAX_LISTED])}"
                f"{', …' if len(accounts) > MAX_LISTED else ''}).",
                hint="Run 'manage.py check_secrets' to list them; restore the "
                "missing key to BYOK_ENCRYPTION_KEYS or ask the owners to re-enter "
                "their keys.",
                id="aiprovider.W001",
            )
        ]
        if unreadable
        else []
    )

"""Authenticated encryption for stored provider keys.

Keys are sealed with AES-256-GCM under a keyring of their own
(``BYOK_ENCRYPTION_KEYS``, newest first), never with ``SECRET_KEY``. Each
token names the id of the key that sealed it, derived from the key's bytes,
so the keyring can be reordered or extended without breaking old tokens.
The caller's context (which row of which account) is bound in as associated
data: a token copied into another row or account does not decrypt.
"""

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

TOKEN_VERSION = "v1"
NONCE_BYTES = 12


class UnreadableSecret(Exception):
    """A stored secret cannot be decrypted with the current keyring."""


@dataclass(frozen=True)
class KeyringKey:
    key_id: str
    cipher: AESGCM


def key_id_for(key_bytes: bytes) -> str:
    """Return a stable, non-secret identifier for an encryption key."""
    digest = hashlib.sha256(b"scoop-byok keyring id\x00" + key_bytes).hexdigest()
    return digest[:16]


@lru_cache(maxsize=4)
def _load_keyring(encoded_keys: tuple[str, ...]) -> tuple[KeyringKey, ...]:
    keyring = []
    for position, encoded in enumerate(encoded_keys, start=1):
        try:
            key_bytes = base64.urlsafe_b64decode(encoded.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            key_bytes = b""
        if len(key_bytes) != 32:
            raise ImproperlyConfigured(
                f"BYOK_ENCRYPTION_KEYS entry {position} is not a url-safe "
                "base64 encoding of 32 bytes."
            )
        keyring.append(KeyringKey(key_id_for(key_bytes), AESGCM(key_bytes)))
    return tuple(keyring)


def keyring() -> tuple[KeyringKey, ...]:
    """Return the configured keyring, newest key first."""
    keys = _load_keyring(tuple(settings.BYOK_ENCRYPTION_KEYS))
    if not keys:
        raise ImproperlyConfigured(
            "BYOK_ENCRYPTION_KEYS is empty: set at least one key to store "
            "provider keys."
        )
    return keys


def _associated_data(key_id: str, context: str) -> bytes:
    return f"{TOKEN_VERSION}|{key_id}|{context}".encode()


@sensitive_variables("plaintext")
def encrypt(plaintext: str, *, context: str) -> str:
    """Seal ``plaintext`` under the newest key, bound to ``context``."""
    newest = keyring()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = newest.cipher.encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(newest.key_id, context)
    )
    payload = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    return f"{TOKEN_VERSION}.{newest.key_id}.{payload}"


def token_key_id(token: str) -> str | None:
    """Return the id of the key that sealed ``token``, if it is well formed."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION:
        return None
    return parts[1]


@sensitive_variables("plaintext")
def decrypt(token: str, *, context: str) -> str:
    """Open a token made by :func:`encrypt` for the same ``context``.

    Raise :class:`UnreadableSecret` for anything that does not authenticate:
    a tampered or truncated token, a token from another row, or one sealed
    under a key that is no longer in the keyring.
    """
    key_id = token_key_id(token)
    if key_id is None:
        raise UnreadableSecret("The stored value is not a recognised token.")
    key = next((k for k in keyring() if k.key_id == key_id), None)
    if key is None:
        raise UnreadableSecret(
            f"The stored value was sealed with key {key_id}, which is not in "
            "BYOK_ENCRYPTION_KEYS."
        )
    try:
        raw = base64.urlsafe_b64decode(token.split(".")[2].encode("ascii"))
        plaintext = key.cipher.decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(key_id, context)
        )
        return plaintext.decode("utf-8")
    except (InvalidTag, ValueError, UnicodeDecodeError):
        raise UnreadableSecret(
            "The stored value does not authenticate for this record."
        ) from None


def is_sealed_with_newest_key(token: str) -> bool:
    """Return whether ``token`` already uses the newest key."""
    return token_key_id(token) == keyring()[0].key_id

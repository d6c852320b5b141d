"""The key of the second factors' secrets (TOTP secrets, recovery-code seeds), apart from
SECRET_KEY: changing SECRET_KEY no longer breaks anyone's second factor.

MFA_SECRET_KEYS = "m2:base64,m1:base64": the first key seals, every key opens. A sealed value is
"v1:<key id>:<base64url(nonce || ciphertext || tag), unpadded>", AES-256-GCM with the key id as
associated data. Values sealed before MFA_SECRET_KEYS existed ("legacy": plain base64, under a
key derived from SECRET_KEY) still open, with SECRET_KEY or one of SECRET_KEY_FALLBACKS, until
`manage.py rotate_mfa_key` re-seals them (portal.keys.mfa_rotation).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from allauth.mfa.models import Authenticator
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from portal.keys.core import ConfiguredKey, KeyCheckFailed, KeyConfigError, KeyFamily, KeyProblem
from portal.keys.spec import parse_key_spec
from portal.pagination import keyset_rows

SETTING = "MFA_SECRET_KEYS"
GROUP = "mfa"
VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID = re.compile(r"[a-z0-9]{1,16}")
_LEGACY_AD = b"totp"
# Where allauth keeps what it passes through the adapter's encrypt(): the TOTP secret, the
# recovery codes' seed, and codes migrated from an older allauth.
SEALED_FIELDS = ("secret", "seed")
SEALED_LISTS = ("migrated_codes",)


class MFASecretError(ValueError):
    """A sealed secret that does not open (a ValueError, as the demo and allauth expect)."""


class MFASecretUnreadable(KeyCheckFailed, ValueError):
    """A user's second-factor secret opens with no key configured: refused (a 503 page in a
    request; still a ValueError for callers that replace such an authenticator, as the demo)."""

    def __init__(self, value: str) -> None:
        key_id = key_id_of(value)
        setting = SETTING if key_id else "SECRET_KEY"
        if key_id is None:
            message = (
                "A second-factor secret sealed under the key derived from SECRET_KEY opens "
                "with neither SECRET_KEY nor SECRET_KEY_FALLBACKS: put the former SECRET_KEY "
                "in SECRET_KEY_FALLBACKS and run `manage.py rotate_mfa_key`, or have the user "
                "set up the second factor again."
            )
        else:
            message = (
                f"A second-factor secret sealed under {SETTING} key id {key_id!r} does not "
                f"open: put that key back in {SETTING} and restart."
            )
        super().__init__([KeyProblem(setting, key_id or "", "data", message)])


@dataclass(frozen=True, eq=False)
class MFAKeyring:
    keys: Mapping[str, bytes]  # ordered: the first one is current
    current: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    def __repr__(self) -> str:
        return f"MFAKeyring(current={self.current!r}, key_ids={tuple(self.keys)!r})"


def parse_keys(spec: str) -> MFAKeyring:
    """Parse "m2:BASE64,m1:BASE64"; errors name the entry by position only."""
    keys = parse_key_spec(spec, SETTING, KeyConfigError)
    return MFAKeyring(keys=keys, current=next(iter(keys)))


@lru_cache(maxsize=8)
def _cached(spec: str) -> MFAKeyring:
    return parse_keys(spec)


def keyring() -> MFAKeyring:
    return _cached(getattr(settings, SETTING, ""))


def _ad(key_id: str) -> bytes:
    return f"portal.mfa:{key_id}".encode("ascii")


def seal(text: str, ring: MFAKeyring | None = None) -> str:
    ring = ring if ring is not None else keyring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.current]).encrypt(nonce, text.encode(), _ad(ring.current))
    encoded = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
    return f"{VERSION}:{ring.current}:{encoded}"


def key_id_of(value: str) -> str | None:
    """The key id of a value sealed under MFA_SECRET_KEYS; None for a legacy one."""
    parts = value.split(":") if isinstance(value, str) else []
    return parts[1] if len(parts) == 3 and parts[0] == VERSION else None


def unseal(value: str, ring: MFAKeyring | None = None) -> str:
    if not isinstance(value, str):
        raise MFASecretError("the sealed secret is not a string")
    key_id = key_id_of(value)
    if key_id is None:
        return _unseal_legacy(value)
    ring = ring if ring is not None else keyring()
    key = ring.keys.get(key_id)
    if key is None:
        raise MFASecretError("the secret was sealed under a key id not in MFA_SECRET_KEYS")
    encoded = value.split(":")[2]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _ad(key_id))
    except (binascii.Error, ValueError, InvalidTag):
        raise MFASecretError("the sealed secret failed authentication") from None
    return plain.decode()


def _legacy_keys() -> list[bytes]:
    # The key every secret was sealed under before MFA_SECRET_KEYS: derived from SECRET_KEY.
    candidates = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hashlib.sha256(b"portal.mfa-secrets:" + k.encode()).digest() for k in candidates]


def _unseal_legacy(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise MFASecretError("the sealed secret is not in a known format") from None
    for key in _legacy_keys():
        try:
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _LEGACY_AD).decode()
        except (InvalidTag, ValueError):
            continue
    raise MFASecretError("the legacy secret opens with neither SECRET_KEY nor a fallback")


def needs_resealing(value: str, ring: MFAKeyring | None = None) -> bool:
    ring = ring if ring is not None else keyring()
    return key_id_of(value) != ring.current


def sealed_values(data: Mapping[str, Any]) -> list[str]:
    """Every sealed string in an authenticator's data."""
    values = [data[name] for name in SEALED_FIELDS if isinstance(data.get(name), str)]
    for name in SEALED_LISTS:
        values += [item for item in data.get(name) or [] if isinstance(item, str)]
    return values


def _all_sealed():
    # Keyset pages, not iterator(): behind a transaction-mode pooler that reads every row.
    rows = Authenticator.objects.values_list("pk", "data")
    for _pk, data in keyset_rows(rows, ("pk",)):
        yield from sealed_values(data or {})


def legacy_status() -> tuple[int, int]:
    """(legacy values, of which open with neither SECRET_KEY nor a fallback)."""
    legacy = unreadable = 0
    for value in _all_sealed():
        if key_id_of(value) is None:
            legacy += 1
            try:
                _unseal_legacy(value)
            except MFASecretError:
                unreadable += 1
    return legacy, unreadable


class MFAKeys(KeyFamily):
    setting = SETTING
    group = GROUP
    rotate_command = "rotate_mfa_key"

    def spec(self) -> str:
        return str(getattr(settings, SETTING, ""))

    def configured(self) -> list[ConfiguredKey]:
        ring = keyring()
        return [ConfiguredKey(key_id, key) for key_id, key in ring.keys.items()]

    def data_problem(self, key: ConfiguredKey) -> str | None:
        ring = MFAKeyring(keys={key.key_id: key.key}, current=key.key_id)
        for value in _all_sealed():
            if key_id_of(value) == key.key_id:
                try:
                    unseal(value, ring)
                except MFASecretError:
                    return (
                        f"{SETTING} key id {key.key_id!r} does not open the second factors "
                        f"sealed under that id: put back the key that was configured under "
                        f"{key.key_id!r} and restart; a new key takes a new id."
                    )
                return None
        return None

    def ids_in_use(self) -> dict[str, int]:
        return dict(Counter(k for k in map(key_id_of, _all_sealed()) if k is not None))

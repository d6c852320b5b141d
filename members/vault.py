"""The My Number vault: AES-256-GCM tokens, a keyed hash and the last four digits.

Pure crypto, no models. Nothing here logs, and no message or repr ever carries the number or
key material: the regulator treats a leaked number in a log like a leaked database.
Token format: "v1:<key_id>:<base64url(nonce || ciphertext || tag), unpadded>".

Every operation that uses the keys from the settings first calls the key guard that members.keys
installs (portal.keys: are these the keys the stored data was written under?); operations given
a ring or key explicitly (the rotations, the key checks themselves) do not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from portal.checkdigits import is_valid_my_number
from portal.keys.spec import parse_key_spec

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12  # 96 bits: the size GCM is designed for; random, so never reused in practice
TAG_BYTES = 16
NUMBER_LEN = 12
# The plaintext is always 12 ASCII digits, so a v1 payload has exactly this length.
PAYLOAD_BYTES = NONCE_BYTES + NUMBER_LEN + TAG_BYTES
_KEY_ID = re.compile(r"[a-z0-9]{1,16}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class VaultError(Exception):
    """Base of every error raised by the vault."""


class VaultKeyError(VaultError):
    """Missing or malformed key configuration (the message never shows key material)."""


class VaultDecryptError(VaultError):
    """A token could not be opened: malformed, unknown key, wrong key, tampered, wrong member."""


@dataclass(frozen=True, eq=False)
class Keyring:
    keys: Mapping[str, bytes]  # ordered: the first one is current
    current: str

    def __post_init__(self) -> None:
        # Checked here too, so a ring built by hand can't be half-valid.
        if self.current not in self.keys:
            raise VaultKeyError("the current key id is not in the keyring")
        if not all(isinstance(i, str) and _KEY_ID.fullmatch(i) for i in self.keys):
            raise VaultKeyError("every key id must match [a-z0-9]{1,16}")
        if any(len(k) != KEY_BYTES for k in self.keys.values()):
            raise VaultKeyError(f"every key must be exactly {KEY_BYTES} bytes")
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    def __repr__(self) -> str:
        # Key ids only: a keyring in a traceback or debugger must not print its keys.
        return f"Keyring(current={self.current!r}, key_ids={tuple(self.keys)!r})"


def load_keys(spec: str) -> Keyring:
    """Parse "k2:BASE64,k1:BASE64"; the first key encrypts, all keys decrypt."""
    keys = parse_key_spec(spec, "MYNUMBER_KEYS", VaultKeyError)
    return Keyring(keys=keys, current=next(iter(keys)))


@lru_cache(maxsize=8)
def _cached_keyring(spec: str) -> Keyring:
    return load_keys(spec)


def keyring() -> Keyring:
    # Cached per spec string, so override_settings in tests gets its own ring.
    return _cached_keyring(getattr(settings, "MYNUMBER_KEYS", ""))


_key_guard: Callable[[], None] | None = None


def set_key_guard(guard: Callable[[], None] | None) -> None:
    """Installed once from MembersConfig.ready(): raises when the configured keys do not match
    the data (portal.keys.KeyCheckFailed)."""
    global _key_guard
    _key_guard = guard


def _guard() -> None:
    if _key_guard is not None:
        _key_guard()


def _settings_ring() -> Keyring:
    ring = keyring()  # a malformed setting is a VaultKeyError before anything else
    _guard()
    return ring


def _check_number(number: str) -> None:
    if not isinstance(number, str) or not is_valid_my_number(number):
        raise ValueError("not a valid My Number (12 ASCII digits with a valid check digit)")


def _associated_data(member_id: int) -> bytes:
    # Binds a token to its member row: a ciphertext copied to another row will not open.
    if isinstance(member_id, bool) or not isinstance(member_id, int) or member_id < 1:
        raise ValueError("member_id must be a positive integer (a saved member row)")
    return f"mynumber:member:{member_id}".encode("ascii")


def _parse(token: str) -> tuple[str, bytes]:
    """Split a token into key id and payload; anything irregular is a VaultDecryptError."""
    if not isinstance(token, str):
        raise VaultDecryptError("token is not a string")
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != VERSION:
        raise VaultDecryptError("token is not in the v1 format")
    key_id, encoded = parts[1], parts[2]
    if not _KEY_ID.fullmatch(key_id) or not _B64URL.fullmatch(encoded):
        raise VaultDecryptError("token is not in the v1 format")
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise VaultDecryptError("token payload is not base64url") from None
    # One spelling per payload: reject non-canonical base64 (stray low bits in the last char).
    if len(payload) != PAYLOAD_BYTES or _b64(payload) != encoded:
        raise VaultDecryptError("token payload has the wrong length or encoding")
    return key_id, payload


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encrypt_number(number: str, *, member_id: int, ring: Keyring | None = None) -> str:
    _check_number(number)
    ring = ring if ring is not None else _settings_ring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.current]).encrypt(
        nonce, number.encode("ascii"), _associated_data(member_id)
    )
    return f"{VERSION}:{ring.current}:{_b64(nonce + sealed)}"


def decrypt_number(token: str, *, member_id: int, ring: Keyring | None = None) -> str:
    aad = _associated_data(member_id)
    ring = ring if ring is not None else _settings_ring()
    key_id, payload = _parse(token)
    key = ring.keys.get(key_id)
    if key is None:
        raise VaultDecryptError("token was sealed under a key id not in the keyring")
    try:
        plain = AESGCM(key).decrypt(payload[:NONCE_BYTES], payload[NONCE_BYTES:], aad)
    except InvalidTag:
        # Wrong key, tampered bytes and wrong member look the same, by design of GCM.
        raise VaultDecryptError("token failed authentication") from None
    number = plain.decode("ascii", errors="replace")
    if not is_valid_my_number(number):  # authentic but not a number: still fail closed
        raise VaultDecryptError("token does not hold a valid My Number")
    return number


def needs_reencryption(token: str, ring: Keyring | None = None) -> bool:
    ring = ring if ring is not None else keyring()
    key_id, _ = _parse(token)
    return key_id != ring.current


def reencrypt(token: str, *, member_id: int, ring: Keyring | None = None) -> str:
    # Always opens the old token first, so rotation never copies an unverified token forward.
    ring = ring if ring is not None else _settings_ring()
    return encrypt_number(
        decrypt_number(token, member_id=member_id, ring=ring), member_id=member_id, ring=ring
    )


@lru_cache(maxsize=8)
def parse_hmac_key(encoded: str, setting: str = "MYNUMBER_HMAC_KEY") -> bytes:
    """A hash key from its base64 setting; `setting` names it in the message."""
    if not isinstance(encoded, str) or not encoded.strip():
        raise VaultKeyError(f"{setting} is empty")
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise VaultKeyError(f"{setting} is not base64") from None
    if len(key) < KEY_BYTES:
        raise VaultKeyError(f"{setting} must be at least {KEY_BYTES} bytes")
    return key


def hmac_key() -> bytes:
    """The hash key configured (MYNUMBER_HMAC_KEY), unchecked against the data."""
    return parse_hmac_key(getattr(settings, "MYNUMBER_HMAC_KEY", ""))


def number_hash(number: str, key: bytes | None = None) -> str:
    """Keyed HMAC-SHA256 hex digest, for the unique column: one number, one member."""
    _check_number(number)
    if key is None:
        key = hmac_key()
        _guard()
    if not isinstance(key, bytes) or len(key) < KEY_BYTES:
        raise VaultKeyError(f"the hash key must be at least {KEY_BYTES} bytes")
    return hmac.new(key, number.encode("ascii"), hashlib.sha256).hexdigest()


def last4(number: str) -> str:
    # All that any page, PDF, e-mail, log or export may show.
    _check_number(number)
    return number[-4:]

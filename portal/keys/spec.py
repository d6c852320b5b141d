"""The one parser of a keyring setting ("k2:BASE64,k1:BASE64"), for the vault's keys and the
second factors' keys alike: ordered, the first key current, 32-byte keys, ids [a-z0-9]{1,16}."""

from __future__ import annotations

import base64
import binascii
import re

KEY_BYTES = 32
KEY_ID = re.compile(r"[a-z0-9]{1,16}")


def parse_key_spec(spec: object, setting: str, error: type[Exception]) -> dict[str, bytes]:
    """The keys by id, in the setting's order. Errors name an entry by its position only: a
    malformed entry may be all key material."""
    if not isinstance(spec, str) or not spec.strip():
        raise error(f"{setting} is empty")
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(spec.split(","), start=1):
        key_id, sep, encoded = entry.strip().partition(":")
        if not sep or not KEY_ID.fullmatch(key_id):
            raise error(f"{setting} entry {position}: expected id:base64, id [a-z0-9]")
        if key_id in keys:
            raise error(f"{setting} entry {position}: duplicate key id")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise error(f"{setting} entry {position}: key is not base64") from None
        if len(key) != KEY_BYTES:
            raise error(f"{setting} entry {position}: key must be {KEY_BYTES} bytes")
        keys[key_id] = key
    return keys

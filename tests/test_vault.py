"""The My Number vault: pure crypto, no database."""

from __future__ import annotations

import base64
import traceback

import pytest
from django.test import override_settings

from members import vault
from members.vault import Keyring, VaultDecryptError, VaultError, VaultKeyError
from portal.checkdigits import my_number_check_digit

NUMBER = "123456789018"  # DOMAIN.md's example, check digit 8
K1 = bytes(range(32))
K2 = bytes(range(100, 132))
K3 = bytes(range(200, 232))
HMAC_KEY = bytes(range(50, 82))


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def spec(*entries: tuple[str, bytes]) -> str:
    return ",".join(f"{key_id}:{b64(key)}" for key_id, key in entries)


@pytest.fixture(autouse=True)
def _no_key_guard(monkeypatch):
    # Pure crypto: the guard that checks the keys against the database (members.keys) is
    # tested in test_key_checks.py.
    monkeypatch.setattr(vault, "_key_guard", None)


def valid(first11: str) -> str:
    return first11 + str(my_number_check_digit(first11))


RING_A = vault.load_keys(spec(("k1", K1)))
RING_B = vault.load_keys(spec(("k2", K2), ("k1", K1)))
RING_K2_ONLY = vault.load_keys(spec(("k2", K2)))
OTHER_NUMBERS = [valid("00000000000"), valid("98765432109"), valid("31415926535")]


def payload(token: str) -> bytes:
    encoded = token.split(":")[2]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def with_payload(token: str, data: bytes) -> str:
    head = token.rsplit(":", 1)[0]
    return f"{head}:{base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')}"


def assert_clean(excinfo: pytest.ExceptionInfo, *secrets: str) -> None:
    """Neither the message, the repr nor the printed traceback shows any secret."""
    exc = excinfo.value
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for text in texts:
        for secret in secrets:
            assert secret not in text


@pytest.mark.parametrize("number", [NUMBER, *OTHER_NUMBERS])
def test_round_trip(number):
    token = vault.encrypt_number(number, member_id=7, ring=RING_A)
    assert vault.decrypt_number(token, member_id=7, ring=RING_A) == number


def test_token_format_and_no_plaintext():
    token = vault.encrypt_number(NUMBER, member_id=7, ring=RING_A)
    version, key_id, encoded = token.split(":")
    assert (version, key_id) == ("v1", "k1")
    assert NUMBER not in token
    data = payload(token)
    assert len(data) == 12 + 12 + 16  # nonce, ciphertext, tag
    assert NUMBER.encode("ascii") not in data
    assert token.isascii() and "=" not in encoded


def test_fresh_nonce_each_time():
    tokens = [vault.encrypt_number(NUMBER, member_id=7, ring=RING_A) for _ in range(50)]
    assert len(set(tokens)) == 50
    assert len({payload(t)[:12] for t in tokens}) == 50


def test_wrong_key_raises():
    token = vault.encrypt_number(NUMBER, member_id=7, ring=RING_A)
    impostor = vault.load_keys(spec(("k1", K3)))  # same id, different key
    with pytest.raises(VaultDecryptError) as excinfo:
        vault.decrypt_number(token, member_id=7, ring=impostor)
    assert_clean(excinfo, NUMBER, b64(K1), b64(K3))


def test_unknown_key_id_raises():
    token = vault.encrypt_number(NUMBER, member_id=7, ring=RING_A)
    with pytest.raises(VaultDecryptError):
        vault.decrypt_number(token, member_id=7, ring=RING_K2_ONLY)
    relabelled = token.replace("v1:k1:", "v1:k9:")
    with pytest.raises(VaultDecryptError):
        vault.decrypt_number(relabelled, member_id=7, ring=RING_A)


@pytest.mark.parametrize("position", [0, 5, 11, 12, 17, 23, 24, 31, 39])
def test_single_byte_tamper_raises(position):
    # 0..11 nonce, 12..23 ciphertext, 24..39 tag.
    token = vault.encrypt_number(NUMBER, member_id=7, ring=RING_A)
    data = bytearray(payload(token))
    data[position] ^= 0x01
    with pytest.raises(VaultDecryptError) as excinfo:
        vault.decrypt_number(with_payload(token, bytes(data)), member_id=7, ring=RING_A)
    assert_clean(excinfo, NUMBER)


def test_wrong_member_raises():
    token = vault.encrypt_number(NUMBER, member_id=7, ring=RING_A)
    with pytest.raises(VaultDecryptError) as excinfo:
        vault.decrypt_number(token, member_id=8, ring=RING_A)
    assert_clean(excinfo, NUMBER)


@pytest.mark.parametrize("member_id", [0, -1, True, "7", None])
def test_member_id_must_be_a_saved_row(member_id):
    with pytest.raises(ValueError, match="member_id") as excinfo:
        vault.encrypt_number(NUMBER, member_id=member_id, ring=RING_A)
    assert_clean(excinfo, NUMBER)


def _malformed() -> list[str]:
    good = vault.encrypt_number(NUMBER, member_id=7, ring=RING_A)
    encoded = good.split(":")[2]
    # Same bytes, different spelling: the last char of 40 bytes carries 2 unused bits.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(encoded[-1])
    non_canonical = encoded[:-1] + alphabet[last ^ 0b01]
    return [
        "",
        "v1",
        "v1:k1",
        "v1:k1:",
        good.replace("v1:", "v2:", 1),
        good.replace("v1:", "V1:", 1),
        good.replace(":k1:", ":K1:"),
        good + ":extra",
        good + "=",
        " " + good,
        good[:-4],
        "v1:k1:!!!!not*base64",
        "v1:k1:" + encoded.replace(encoded[3], "+", 1),
        "v1:k1:" + non_canonical,
        with_payload(good, payload(good) + b"\x00"),
        NUMBER,
    ]


@pytest.mark.parametrize("index", range(len(_malformed())))
def test_malformed_tokens_raise(index):
    token = _malformed()[index]
    with pytest.raises(VaultDecryptError):
        vault.decrypt_number(token, member_id=7, ring=RING_A)


@pytest.mark.parametrize("token", [None, b"v1:k1:AAAA", 42])
def test_non_string_token_raises(token):
    with pytest.raises(VaultDecryptError):
        vault.decrypt_number(token, member_id=7, ring=RING_A)


def test_needs_reencryption_refuses_malformed():
    with pytest.raises(VaultDecryptError):
        vault.needs_reencryption("v1:k1", ring=RING_A)


def test_rotation():
    old = vault.encrypt_number(NUMBER, member_id=7, ring=RING_A)
    assert not vault.needs_reencryption(old, ring=RING_A)
    assert vault.decrypt_number(old, member_id=7, ring=RING_B) == NUMBER
    assert vault.needs_reencryption(old, ring=RING_B)

    new = vault.reencrypt(old, member_id=7, ring=RING_B)
    assert new.startswith("v1:k2:")
    assert not vault.needs_reencryption(new, ring=RING_B)
    assert vault.decrypt_number(new, member_id=7, ring=RING_B) == NUMBER
    assert vault.decrypt_number(new, member_id=7, ring=RING_K2_ONLY) == NUMBER
    with pytest.raises(VaultDecryptError):
        vault.decrypt_number(new, member_id=7, ring=RING_A)


def test_reencrypt_checks_the_old_token():
    old = vault.encrypt_number(NUMBER, member_id=7, ring=RING_A)
    with pytest.raises(VaultDecryptError):
        vault.reencrypt(old, member_id=8, ring=RING_B)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        (spec(("k1", K1)), ("k1",)),
        (spec(("k2", K2), ("k1", K1)), ("k2", "k1")),
        (f" k2:{b64(K2)} , k1:{b64(K1)} ", ("k2", "k1")),
        (spec(("a" * 16, K1)), ("a" * 16,)),
    ],
)
def test_load_keys_good(text, ids):
    ring = vault.load_keys(text)
    assert tuple(ring.keys) == ids
    assert ring.current == ids[0]
    assert all(len(key) == 32 for key in ring.keys.values())


BAD_SPECS = {
    "empty": "",
    "blank": "   ",
    "garbage": "this is not a key spec",
    "no id": b64(K1),
    "upper-case id": spec(("K1", K1)),
    "dash in id": spec(("k-1", K1)),
    "id too long": spec(("a" * 17, K1)),
    "empty id": f":{b64(K1)}",
    "short key": spec(("k1", K1[:16])),
    "long key": spec(("k1", K1 + b"!")),
    "not base64": f"k1:{b64(K1)[:-2]}*=",
    "url-safe alphabet": "k1:" + base64.urlsafe_b64encode(bytes([251] * 32)).decode(),
    "duplicate id": spec(("k1", K1), ("k1", K2)),
    "trailing comma": spec(("k1", K1)) + ",",
    "second entry bad": f"{spec(('k1', K1))},k2:{b64(K2)[:20]}",
}


@pytest.mark.parametrize("name", BAD_SPECS)
def test_load_keys_bad(name):
    with pytest.raises(VaultKeyError) as excinfo:
        vault.load_keys(BAD_SPECS[name])
    assert_clean(excinfo, b64(K1), b64(K2), b64(K1)[:16], b64(K2)[:16], b64(K1[:16]))


def test_keyring_cannot_be_built_half_valid():
    with pytest.raises(VaultKeyError):
        Keyring(keys={"k1": K1[:31]}, current="k1")
    with pytest.raises(VaultKeyError):
        Keyring(keys={"k1": K1}, current="k2")
    with pytest.raises(VaultKeyError):
        Keyring(keys={}, current="k1")


def test_keyring_repr_hides_keys():
    text = repr(RING_B) + str(RING_B)
    assert "k2" in text and "k1" in text
    for key in (K1, K2):
        assert b64(key) not in text and repr(key)[:12] not in text


def test_keyring_is_read_only():
    with pytest.raises(TypeError):
        RING_A.keys["k9"] = K3  # type: ignore[index]


def test_keyring_from_settings_cached_per_spec():
    with override_settings(MYNUMBER_KEYS=spec(("k1", K1))):
        first = vault.keyring()
        assert vault.keyring() is first
        token = vault.encrypt_number(NUMBER, member_id=3)
    with override_settings(MYNUMBER_KEYS=spec(("k2", K2), ("k1", K1))):
        assert vault.keyring().current == "k2"
        assert vault.decrypt_number(token, member_id=3) == NUMBER
        assert vault.needs_reencryption(token)
    with override_settings(MYNUMBER_KEYS="k1:tooshort"), pytest.raises(VaultKeyError):
        vault.keyring()


def test_number_hash():
    digest = vault.number_hash(NUMBER, key=HMAC_KEY)
    assert digest == vault.number_hash(NUMBER, key=HMAC_KEY)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert NUMBER not in digest
    assert digest != vault.number_hash(NUMBER, key=K3)
    assert digest != vault.number_hash(OTHER_NUMBERS[1], key=HMAC_KEY)
    same = "".join(list(NUMBER))  # an equal string, not the same object
    assert vault.number_hash(same, key=HMAC_KEY) == digest


def test_number_hash_key_from_settings():
    with override_settings(MYNUMBER_HMAC_KEY=b64(HMAC_KEY)):
        assert vault.number_hash(NUMBER) == vault.number_hash(NUMBER, key=HMAC_KEY)


@pytest.mark.parametrize("setting", ["", "not base64!", b64(HMAC_KEY[:31])])
def test_number_hash_bad_setting(setting):
    with override_settings(MYNUMBER_HMAC_KEY=setting), pytest.raises(VaultKeyError) as excinfo:
        vault.number_hash(NUMBER)
    assert_clean(excinfo, NUMBER, b64(HMAC_KEY[:31]))


def test_number_hash_short_explicit_key():
    with pytest.raises(VaultKeyError):
        vault.number_hash(NUMBER, key=HMAC_KEY[:31])


def test_last4():
    assert vault.last4(NUMBER) == "9018"


INVALID_NUMBERS = [
    "123456789017",  # bad check digit
    "12345678901",  # 11 digits
    "1234567890188",  # 13 digits
    "１２３４５６７８９０１８",  # full-width: callers normalise first
    "1234-5678-9018",
    " 123456789018",
    "",
]


@pytest.mark.parametrize("number", INVALID_NUMBERS)
@pytest.mark.parametrize(
    "call",
    [
        lambda n: vault.encrypt_number(n, member_id=7, ring=RING_A),
        lambda n: vault.number_hash(n, key=HMAC_KEY),
        vault.last4,
    ],
    ids=["encrypt_number", "number_hash", "last4"],
)
def test_invalid_numbers_refused(call, number):
    with pytest.raises(ValueError) as excinfo:
        call(number)
    assert not isinstance(excinfo.value, VaultError)
    if number:
        assert_clean(excinfo, number, number.strip(), number[:11])


def test_errors_share_a_base():
    assert issubclass(VaultKeyError, VaultError)
    assert issubclass(VaultDecryptError, VaultError)

"""The vault's keys as key families (portal.keys): MYNUMBER_KEYS and MYNUMBER_HMAC_KEY are
checked against the stored data before their first use and at every use after, through the guard
members.vault calls before each operation with the configured keys (finding 11: a hash key that
differs from the one the stored hashes were made with lets duplicates through)."""

from __future__ import annotations

import hmac
from collections import Counter

from django.conf import settings

from members import sealed, vault
from members.models import Member
from portal.keys import core as keys
from portal.keys.core import ConfiguredKey, KeyConfigError, KeyFamily

GROUP = "vault"
HASH_SAMPLE = 3  # the oldest numbers on record: the ones least likely written under a wrong key


class VaultKeys(KeyFamily):
    setting = "MYNUMBER_KEYS"
    group = GROUP
    rotate_command = "rotate_mynumber_keys"

    def spec(self) -> str:
        return str(getattr(settings, self.setting, ""))

    def configured(self) -> list[ConfiguredKey]:
        try:
            ring = vault.keyring()
        except vault.VaultKeyError as error:
            raise KeyConfigError(str(error)) from None
        return [ConfiguredKey(key_id, key) for key_id, key in ring.keys.items()]

    def data_problem(self, key: ConfiguredKey) -> str | None:
        ring = vault.Keyring(keys={key.key_id: key.key}, current=key.key_id)
        for column in sealed.columns():
            found = column.sample(key.key_id)
            if found is None:
                continue
            member_id, token = found
            try:
                vault.decrypt_number(token, member_id=member_id, ring=ring)
            except vault.VaultDecryptError:
                return (
                    f"MYNUMBER_KEYS key id {key.key_id!r} does not open the numbers stored "
                    f"under that id: put back the key that was configured under "
                    f"{key.key_id!r} and restart; a new key takes a new id."
                )
            return None
        return None

    def ids_in_use(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for column in sealed.columns():
            counts.update(column.key_ids())
        return dict(counts)


class HashKey(KeyFamily):
    setting = "MYNUMBER_HMAC_KEY"
    group = GROUP
    single = True
    rotate_command = "rotate_mynumber_hmac_key"

    def spec(self) -> str:
        return str(getattr(settings, self.setting, ""))

    def configured(self) -> list[ConfiguredKey]:
        try:
            return [ConfiguredKey("", vault.hmac_key())]
        except vault.VaultKeyError as error:
            raise KeyConfigError(str(error)) from None

    def data_problem(self, key: ConfiguredKey) -> str | None:
        try:
            ring = vault.keyring()
        except vault.VaultKeyError:
            return None  # MYNUMBER_KEYS' own problem, reported as such
        rows = (
            Member.objects.filter(mynumber_hash__isnull=False)
            .exclude(mynumber_token="")
            .order_by("pk")
            .values_list("pk", "mynumber_token", "mynumber_hash")[:HASH_SAMPLE]
        )
        for member_id, token, stored in rows:
            try:
                number = vault.decrypt_number(token, member_id=member_id, ring=ring)
            except vault.VaultDecryptError:
                continue  # a ring problem, reported by MYNUMBER_KEYS
            if not hmac.compare_digest(vault.number_hash(number, key=key.key), stored):
                return (
                    "MYNUMBER_HMAC_KEY does not reproduce the hashes stored with the members' "
                    "numbers: it is not the key they were made with. Set MYNUMBER_HMAC_KEY to "
                    "that key and restart (a new hash key goes in through "
                    "`manage.py rotate_mynumber_hmac_key`)."
                )
        return None


def _guard() -> None:
    keys.ensure(GROUP)


def install() -> None:
    """From MembersConfig.ready(): the families, the members' own sealed column, the guard."""
    sealed.register(sealed.SealedColumn("members", Member, "mynumber_token", "pk"))
    keys.register(VaultKeys())
    keys.register(HashKey())
    vault.set_key_guard(_guard)

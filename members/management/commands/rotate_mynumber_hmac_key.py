"""manage.py rotate_mynumber_hmac_key: re-hash every number under MYNUMBER_HMAC_KEY_NEXT."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from members import vault
from members.hash_rotation import SETTING, HashRotationRefused, rotate_mynumber_hmac_key
from members.keys import GROUP
from portal.keys import core as keys

NEXT = "MYNUMBER_HMAC_KEY_NEXT"


class Command(BaseCommand):
    # Its own key checks (keys.require), which the system checks would only pre-empt: a
    # rotation must run where other checks fail, and can say when it has already run.
    requires_system_checks: list[str] = []
    help = (
        "Recompute every stored My Number's keyed hash under the key in MYNUMBER_HMAC_KEY_NEXT "
        "(in one transaction; refused, with nothing changed, if two members would hold the "
        "same number) and record it as the hash key. Then set MYNUMBER_HMAC_KEY to that key "
        "everywhere and restart: until then the portal refuses to hash numbers. Safe to run "
        "again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        spec = str(getattr(settings, NEXT, "") or "")
        if not spec.strip():
            raise CommandError(
                f"Set {NEXT} to the new key (base64, at least {vault.KEY_BYTES} bytes) in this "
                "command's environment."
            )
        try:
            new_key = vault.parse_hmac_key(spec, NEXT)
        except vault.VaultKeyError as error:
            raise CommandError(str(error)) from None
        if keys.matches_record(SETTING, "", new_key):
            self.stdout.write(self._finished())
            return
        keys.require(GROUP, retired=True)
        try:
            report = rotate_mynumber_hmac_key(new_key)
        except HashRotationRefused as refused:
            raise CommandError(refused.message) from None
        if not report.already_done:
            self.stdout.write(
                f"{report.total} numbers: {report.rehashed} re-hashed, "
                f"{report.unchanged} unchanged."
            )
        self.stdout.write(self._finished())

    @staticmethod
    def _finished() -> str:
        return (
            f"The stored hashes are under the key in {NEXT}. Now set MYNUMBER_HMAC_KEY to it "
            f"everywhere (web, task workers, commands), remove {NEXT}, and restart."
        )

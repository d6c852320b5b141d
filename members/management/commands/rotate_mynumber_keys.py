"""manage.py rotate_mynumber_keys: after a new key is put first in MYNUMBER_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from members.keys import GROUP
from members.rotation import rotate_mynumber_keys
from portal.keys import core as keys


class Command(BaseCommand):
    # Its own key checks (keys.require), which the system checks would only pre-empt: a
    # rotation must run where other checks fail, and can say when it has already run.
    requires_system_checks: list[str] = []
    help = (
        "Re-encrypt every stored My Number (the members' numbers and the corrections waiting "
        "for approval) under the newest key, the first in MYNUMBER_KEYS. Safe to run again. "
        "Refuses when a key does not match the data or a key id still in use is missing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        keys.require(GROUP, retired=True)
        report = rotate_mynumber_keys()
        self.stdout.write(
            f"{report.total} numbers: {report.reencrypted} re-encrypted, "
            f"{report.unchanged} already under the current key"
        )
        for column in report.columns:
            self.stdout.write(
                f"  {column.label}: {column.total} sealed, {column.reencrypted} re-encrypted"
            )
        self.stdout.write(
            "Every stored number is under the current key: older key ids may now be removed "
            "from MYNUMBER_KEYS."
        )

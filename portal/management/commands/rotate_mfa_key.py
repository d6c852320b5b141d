"""manage.py rotate_mfa_key: re-seal every second factor's secret under the current MFA key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.keys import core as keys
from portal.keys import mfa
from portal.keys.mfa_rotation import rotate_mfa_secrets


class Command(BaseCommand):
    # Its own key checks (keys.require), which the system checks would only pre-empt: a
    # rotation must run where other checks fail, and can say when it has already run.
    requires_system_checks: list[str] = []
    help = (
        "Re-seal every TOTP secret and recovery-code seed under the current key, the first in "
        "MFA_SECRET_KEYS, including those still sealed under the key derived from SECRET_KEY. "
        "Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        keys.require(mfa.GROUP, retired=True)
        report = rotate_mfa_secrets()
        self.stdout.write(
            f"{report.total} authenticators: {report.resealed} re-sealed, "
            f"{report.unchanged} already under the current key"
        )
        if report.unreadable:
            shown = ", ".join(str(pk) for pk in report.unreadable[:20])
            self.stderr.write(
                f"{len(report.unreadable)} authenticator(s) open with no configured key "
                f"(ids {shown}): put the former SECRET_KEY in SECRET_KEY_FALLBACKS and run "
                "again, or have those users set up their second factor again."
            )

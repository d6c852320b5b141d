from django.core.management.base import BaseCommand

from portal import demo
from portal.roles import ROLE_LABELS


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options) -> None:
        logins = demo.seed()
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD})")
        for login in logins:
            line = f"  {login.email:<24}"
            if login.totp_secret:
                line += f" TOTP secret {login.totp_secret}"
            self.stdout.write(f"{line}  {ROLE_LABELS[login.role]}")
        self.stdout.write(
            "  Staff and employer accounts need a TOTP code: add the secret to an "
            "authenticator app, or run `oathtool --totp -b SECRET`.\n"
        )

from django.core.management.base import BaseCommand

from portal.dev import demo
from portal.roles import ROLE_LABELS, Role


class Command(BaseCommand):
    help = "Load demo data and the demo roster (idempotent) and print the demo logins."

    def handle(self, *args, **options) -> None:
        logins = demo.seed()
        for run in demo.load_demo_roster():
            self.stdout.write(
                f"Roster {run.file_name}: created {run.created}, updated {run.updated}, "
                f"unchanged {run.unchanged}"
            )
        self.stdout.write(f"Demo eligibility facts: {demo.seed_demo_eligibility()} changes")
        household = demo.link_demo_member()
        employer = demo.link_demo_employer()
        self.stdout.write(f"Notices issued: {demo.issue_demo_notices()}")
        self.stdout.write(f"{demo.DEMO_ACCOUNTS[Role.MEMBER]} holds the household of {household}")
        self.stdout.write(f"{demo.DEMO_ACCOUNTS[Role.EMPLOYER]} works for {employer}")
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
        issued = demo.demo_registration_code()
        if issued:
            self.stdout.write(
                "To try linking: sign up with any address, then enter 記号 1201, 番号 2, "
                f"生年月日 1978-11-03 and the 登録コード {issued.code} (this run's; each run "
                "issues a new one).\n"
            )

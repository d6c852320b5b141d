from django.core.management.base import BaseCommand

from members.services import rotate_mynumber_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored My Number under the newest key (the first in MYNUMBER_KEYS). "
        "Safe to run again."
    )

    def handle(self, *args, **options) -> None:
        report = rotate_mynumber_keys()
        self.stdout.write(
            f"{report.total} numbers: {report.reencrypted} re-encrypted, "
            f"{report.unchanged} already under the current key"
        )

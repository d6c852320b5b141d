from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from portal import health
from portal.keys import system as key_checks


@register()
def pdf_dependencies(app_configs, **kwargs) -> list[Error]:
    errors = []
    missing = health.missing_fonts()
    if missing:
        errors.append(
            Error(
                f"Japanese font missing: {', '.join(missing)}.",
                hint=(
                    "apt-get install fonts-ipaexfont-gothic fonts-ipaexfont-mincho "
                    "fonts-ipamj-mincho"
                ),
                id="portal.E001",
            )
        )
    if not health.has_harfbuzz_subset():
        errors.append(
            Error(
                "HarfBuzz's subsetter (libharfbuzz-subset) is missing: PDFs would embed fonts "
                "4 to 40 times slower.",
                hint="apt-get install libharfbuzz-subset0",
                id="portal.E002",
            )
        )
    return errors


@register()
def keys_match_the_data(app_configs, **kwargs) -> list[CheckMessage]:
    """Finding 11: keys that do not match the stored data fail `manage.py check` (portal.keys)."""
    return key_checks.check_messages()


@register(deploy=True)
def stored_files_reach_every_machine(app_configs, **kwargs) -> list[Warning]:
    """PDFs under a MEDIA_ROOT of one machine are missing on the others: a notice issued by a
    worker there cannot be downloaded through a web process here."""
    if settings.DEBUG or settings.OBJECT_STORE_BUCKET or settings.MEDIA_ROOT_SHARED:
        return []
    return [
        Warning(
            f"Stored PDFs are kept under MEDIA_ROOT ({settings.MEDIA_ROOT}) on this machine's "
            "disk.",
            hint=(
                "Set OBJECT_STORE_BUCKET (and OBJECT_STORE_* as needed) to keep them on an "
                "S3-compatible object store, or MEDIA_ROOT_SHARED=1 if MEDIA_ROOT is one disk "
                "that every web process and worker mounts (or there is only one machine)."
            ),
            id="portal.W020",
        )
    ]

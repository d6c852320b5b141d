from __future__ import annotations

from django.core.checks import CheckMessage, Error, register

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

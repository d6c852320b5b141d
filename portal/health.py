"""What the PDFs need from the machine: the Japanese font and HarfBuzz's subsetter."""

from __future__ import annotations

import ctypes.util
import functools
import shutil
import subprocess

from django.db import connection

# IPAmj Mincho is the fallback for rare kanji in names that IPAex lacks (𠮷 and the like).
FONT_FAMILIES = ("IPAexGothic", "IPAexMincho", "IPAmjMincho")


@functools.cache
def missing_fonts() -> tuple[str, ...]:
    if not shutil.which("fc-list"):
        return FONT_FAMILIES
    listed = subprocess.run(
        ["fc-list", ":", "family"], capture_output=True, text=True, check=False, timeout=10
    ).stdout
    return tuple(family for family in FONT_FAMILIES if family not in listed)


@functools.cache
def has_harfbuzz_subset() -> bool:
    # The same library WeasyPrint loads; without it, it falls back to fontTools (4-40x slower).
    return ctypes.util.find_library("harfbuzz-subset") is not None


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False

"""The message catalogs (locale/<ll>/LC_MESSAGES/django.po): compiling them, refreshing them
from the code, and the reviewer's table of every translated string (locale/STRINGS.md).

`python -m portal.dev.catalogs compile`   msgfmt each .po whose .mo is missing or older
`python -m portal.dev.catalogs extract`   makemessages for the portal's languages, then the table
`python -m portal.dev.catalogs table`     write locale/STRINGS.md from the catalogs

The .po files are committed; the .mo files are built (git-ignored) by `make run`/`make test`
and, if missing or stale, by the test session itself (tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
TABLE = LOCALE / "STRINGS.md"
# The catalogs' languages, in the table's column order (ja is the source text, the msgid).
LANGUAGES = ("en", "pt_BR", "vi")
COLUMNS = {"en": "English", "pt_BR": "Português (Brasil)", "vi": "Tiếng Việt"}
# What makemessages must not walk into: the venv, the tests, tools and built files.
IGNORED = (".venv", "tests", "bench", "static", "staticfiles", "media", "node_modules")


def catalogs() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def stale(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def compile_stale() -> list[Path]:
    """msgfmt each catalog whose .mo is missing or older than its .po; the compiled ones."""
    todo = [po for po in catalogs() if stale(po)]
    msgfmt = shutil.which("msgfmt")
    if todo and msgfmt is None:
        raise SystemExit("msgfmt is missing: install the Debian package gettext (make system).")
    for po in todo:
        # --check-format: a msgstr whose %(name)s placeholders differ from the msgid fails here.
        command = [str(msgfmt), "--check-format", "-o", str(po.with_suffix(".mo")), str(po)]
        subprocess.run(command, check=True)  # noqa: S603 (our own files, no shell)
    return todo


def extract() -> None:
    """Refresh the catalogs from the templates and code (new msgids come in empty)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django
    from django.core.management import call_command

    django.setup()
    os.chdir(ROOT)
    call_command(
        "makemessages",
        locale=list(LANGUAGES),
        ignore_patterns=list(IGNORED),
        add_location="file",
        no_wrap=True,
        no_obsolete=True,
        verbosity=0,
    )
    write_table()


def table_text() -> str:
    """One row per msgid: the Japanese source and each language's text, for reviewers."""
    import polib  # dev dependency: the table is written and checked only in development

    pos = {
        lang: polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po")) for lang in LANGUAGES
    }
    texts = {lang: {e.msgid: e for e in po if not e.obsolete} for lang, po in pos.items()}
    msgids = sorted(texts["en"], key=lambda msgid: (texts["en"][msgid].occurrences, msgid))

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", "<br>") if text else "**(missing)**"

    lines = [
        "# Every translated string of the member pages and e-mails",
        "",
        "Generated from the catalogs by `python -m portal.dev.catalogs table` (also run by",
        "`make messages`); tests/test_i18n_catalogs.py fails when it is out of date. The source",
        "(msgid) is the portal's Japanese, or allauth's English for allauth's own strings",
        "(portal/allauth_texts.py); `%(name)s` and `{name}` are filled in by the portal.",
        "",
        "| where | source (日本語) | " + " | ".join(COLUMNS[lang] for lang in LANGUAGES) + " |",
        "| --- | --- | " + " | ".join("---" for _ in LANGUAGES) + " |",
    ]
    for msgid in msgids:
        where = ", ".join(sorted({path for path, _line in texts["en"][msgid].occurrences}))
        row = [cell(where), cell(msgid)]
        for lang in LANGUAGES:
            row.append(cell(_translated(texts[lang].get(msgid))))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def _translated(entry: Any) -> str:
    """The msgstr (plural forms joined by " / "), or "" when missing or fuzzy."""
    if entry is None or "fuzzy" in entry.flags:
        return ""
    if entry.msgid_plural:
        forms = [entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural)]
        return " / ".join(forms) if all(forms) else ""
    return entry.msgstr


def write_table() -> None:
    TABLE.write_text(table_text(), encoding="utf-8")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "compile":
        compiled = compile_stale()
        if compiled:
            print("Compiled", ", ".join(str(po.relative_to(ROOT)) for po in compiled))
    elif command == "extract":
        extract()
    elif command == "table":
        write_table()
    else:
        raise SystemExit(__doc__)

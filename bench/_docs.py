"""Rewriting one "## " section of a docs page (docs/PERFORMANCE.md, docs/SCALING.md): each
benchmark owns its section and leaves the others, written by other benchmarks, as they are."""

from __future__ import annotations

from pathlib import Path


def replace_section(text: str, section: str) -> str:
    """`text` with the "## " section that `section` starts with put in place of the one of the
    same heading (up to the next "## " heading), or appended; every other line is kept as is."""
    heading = section.splitlines()[0].rstrip()
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        return text.rstrip("\n") + "\n\n" + section
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    tail = "".join(lines[end:])
    return "".join(lines[:start]) + section + ("\n" + tail if tail else "")


def write_section(doc: Path, section: str, title: str) -> None:
    """Puts `section` into `doc`, which starts as "# `title`" if it does not exist yet."""
    current = doc.read_text(encoding="utf-8") if doc.exists() else f"# {title}\n"
    doc.parent.mkdir(exist_ok=True)
    doc.write_text(replace_section(current, section), encoding="utf-8")

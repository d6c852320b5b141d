"""The Python side of each page in instructions, counted by valgrind's callgrind: a figure that
does not move with whatever else the machine runs, unlike req/s and milliseconds here.

    .venv/bin/python bench/page_instructions.py [--requests 20] [--against REV] [--no-report]

The same throwaway database, data and personas as bench/http_pages.py (created and dropped the
same way). Each page is served in process through Django's WSGI handler, exactly the
middleware, session and templates gunicorn runs, by a child process under
`valgrind --tool=callgrind --instr-atstart=no`: the child warms up (15 requests), then counting
is switched on (`callgrind_control -i on`) for --requests requests and off again, so imports,
set-up and first-use caches are left out. PostgreSQL's own work is in another process and is
not counted: bench/http_pages.py measures everything together.

--against REV: the same pages from a checkout of REV as well (a temporary `git worktree`, with
this checkout's compiled catalogs and static files), in the same run on the same database.

Writes the section "## Pages in instructions" of docs/PERFORMANCE.md unless --no-report.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import _docs
import http_pages
from _throwaway import admin, drop_database
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "PERFORMANCE.md"
SECTION = "## Pages in instructions"
CHILD = Path(__file__).with_name("_instructions_child.py")
PAGES = ["healthz", "floor", "login", "guide", "dashboard", "notice", "download", "search",
         "people", "mismatch"]  # fmt: skip


def _checkout(rev: str, into: Path) -> Path:
    """REV in a worktree, with what the set-up makes and git does not keep."""
    subprocess.run(["git", "worktree", "add", "--detach", str(into), rev], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    for mo in (ROOT / "locale").glob("*/LC_MESSAGES/django.mo"):
        shutil.copy(mo, into / mo.relative_to(ROOT))
    shutil.copytree(ROOT / "staticfiles", into / "staticfiles", dirs_exist_ok=True)
    return into


def count(code: Path, page: str, path: str, cookie: str, requests: int, work: Path) -> int:
    """Instructions per request of `page`, served by the code in `code`."""
    tag = work / f"{code.name}-{page}"
    out = tag.with_suffix(".callgrind")
    env = {**os.environ, "PAGE_PATH": path, "PAGE_COOKIE": cookie, "PAGE_TAG": str(tag),
           "PAGE_REQUESTS": str(requests), "PAGE_CODE": str(code)}  # fmt: skip
    child = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
         sys.executable, str(CHILD)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def wait_for(suffix: str) -> None:
        while not tag.with_suffix(suffix).exists():
            if child.poll() is not None:
                raise SystemExit(f"{page}: the child stopped:\n{child.stderr.read()[-2000:]}")
            time.sleep(0.2)

    wait_for(".ready")
    # Counting never switched on (vgdb may not attach) must fail here, not report zeros.
    subprocess.run(
        ["callgrind_control", "-i", "on", str(child.pid)], capture_output=True, check=True
    )
    tag.with_suffix(".go").touch()
    wait_for(".done")
    subprocess.run(
        ["callgrind_control", "-i", "off", str(child.pid)], capture_output=True, check=True
    )
    tag.with_suffix(".stop").touch()
    child.wait(timeout=120)
    totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
    return int(totals[0].split()[1]) // requests


def section(rows: dict[str, dict[str, int]], labels: dict[str, str], facts: dict) -> str:
    codes = list(next(iter(rows.values())))
    head = " | ".join(f"{code}: instructions | times /healthz's" for code in codes)
    lines = [
        SECTION,
        "",
        f"Measured {date.today().isoformat()} with:",
        "",
        "```",
        facts["command"],
        "```",
        "",
        "The Python side of one request (Django's WSGI handler, middleware, session, view, "
        f"template), mean of {facts['requests']} requests after 15 to warm up, counted by "
        "valgrind's callgrind; PostgreSQL's work is another process's and is left out. Unlike "
        "req/s on this shared machine (the same page moved by a third between two runs minutes "
        "apart), a count repeats to within a fraction of a percent, so it is the figure to "
        "compare code with. The database and personas are bench/http_pages.py's.",
        "",
        f"| page | {head} |",
        "| --- |" + " ---: | ---: |" * len(codes),
    ]
    for page, counts in rows.items():
        cells = " | ".join(
            f"{counts[code] / 1e6:.1f} M | {counts[code] / rows['healthz'][code]:.1f}x"
            for code in codes
        )
        lines.append(f"| {labels[page]} | {cells} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--against", default="", help="a revision to count beside this one")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        raise SystemExit("valgrind is missing: apt-get install valgrind")
    work = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    owner_url, app_url, owner_role = http_pages._roles()
    http_pages._prepare_environment(work / "media", 8212, owner_url, app_url)
    drop_database(http_pages.DATABASE)
    admin(
        sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(http_pages.DATABASE), sql.Identifier(owner_role)
        )
    )
    codes = {"this checkout": ROOT}
    try:
        http_pages._manage("migrate", "--no-input", as_owner=True)
        http_pages._manage("createcachetable", as_owner=True)
        http_pages._manage("collectstatic", "--no-input", "-v", "0")
        http_pages._manage("seed_demo")
        import django

        django.setup()
        from django.db import connections

        http_pages.seed(work)
        targets = http_pages.targets(8212)
        connections.close_all()
        if args.against:
            codes[args.against] = _checkout(args.against, work / "against")
        labels = {page.key: page.label for page in http_pages.PAGES}
        rows: dict[str, dict[str, int]] = {}
        for page in PAGES:
            target = targets[page]
            rows[page] = {}
            for name, code in codes.items():
                rows[page][name] = count(code, page, target.path, target.cookie, args.requests,
                                         work)  # fmt: skip
                print(f"{page} ({name}): {rows[page][name]:,} instructions a request", flush=True)
        command = ".venv/bin/python bench/page_instructions.py" + (
            f" --against {args.against}" if args.against else ""
        )
        text = section(rows, labels, {"command": command, "requests": args.requests})
        if args.no_report:
            print(text)
        else:
            _docs.write_section(DOC, text, "Performance")
            print(f"wrote {SECTION!r} in {DOC.relative_to(ROOT)}")
    finally:
        if "django.db" in sys.modules:
            sys.modules["django.db"].connections.close_all()
        drop_database(http_pages.DATABASE)
        if args.against and (work / "against").exists():
            subprocess.run(["git", "worktree", "remove", "--force", str(work / "against")],
                           cwd=ROOT, capture_output=True)  # fmt: skip
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

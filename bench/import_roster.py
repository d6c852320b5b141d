"""Benchmark of the roster import (members.roster.importer.import_roster) on a large generated file.

    .venv/bin/python bench/import_roster.py [--rows 100000] [--rows-also 20000] [--keep]
                                            [--no-report]

For each size, in a child process of its own (so ru_maxrss is that size's alone): creates a
throwaway database (portal_bench_import) as the postgres superuser on 127.0.0.1 (trust
authentication), migrates it, writes an employers file and a members file of that many rows to
a temporary directory, and measures, in the same run:
  - the baseline: merely reading the file with csv.reader (no validation, no database);
  - a cold import (every row new; numbers sealed, one audit event per number);
  - the same file again (every row unchanged, nothing written);
  - tracemalloc's peak for a cold and an unchanged import, repeated on an emptied table so
    the timed runs above are not slowed by tracing.
It then writes the section "## Roster import" of docs/PERFORMANCE.md (other sections are left
alone) and drops the database unless --keep.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import os
import platform
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import _docs
from _throwaway import SERVER, admin, drop_database
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "portal_bench_import"
DOC = ROOT / "docs" / "PERFORMANCE.md"
SECTION = "## Roster import"
EMPLOYERS = 60
NUMBER_SHARE = 0.7  # members whose My Number is in the file

FAMILY = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"),
    ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"), ("井上", "イノウエ"),
]  # fmt: skip
MALE = [("太郎", "タロウ"), ("健一", "ケンイチ"), ("大輔", "ダイスケ"), ("翔太", "ショウタ"),
        ("蓮", "レン"), ("浩二", "コウジ"), ("誠", "マコト"), ("直樹", "ナオキ")]  # fmt: skip
FEMALE = [("花子", "ハナコ"), ("美咲", "ミサキ"), ("恵子", "ケイコ"), ("結衣", "ユイ"),
          ("さくら", "サクラ"), ("由美", "ユミ"), ("陽菜", "ヒナ"), ("和子", "カズコ")]  # fmt: skip


# --- data -----------------------------------------------------------------------------------


def _my_number(serial: int) -> str:
    from portal.checkdigits import my_number_check_digit

    first11 = f"{300_000_000_00 + serial:011d}"
    return first11 + str(my_number_check_digit(first11))


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days))


def _written(day: date, rng: random.Random) -> str:
    """Mostly 西暦, some 和暦 and R/H letters, as payroll exports mix them."""
    style = rng.random()
    if style < 0.6 or day < date(1989, 1, 8):
        return day.isoformat()
    if style < 0.8:
        return f"{day.year}/{day.month}/{day.day}"
    if day >= date(2019, 5, 1):
        return f"R{day.year - 2018}.{day.month}.{day.day}"
    return f"平成{day.year - 1988}年{day.month}月{day.day}日"


def write_files(directory: Path, rows: int, seed: int = 20241202) -> tuple[Path, Path]:
    # Imported here, after django.setup(): parse.py reads portal.models' full-number rule.
    from members.roster.parse import MEMBER_COLUMNS

    rng = random.Random(seed)
    employers = directory / "employers.csv"
    with employers.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["記号", "事業所名称", "所在地", "郵便番号"])
        for n in range(EMPLOYERS):
            out.writerow(
                [f"{2000 + n}", f"第{n + 1}部品工業株式会社", f"東京都港区芝{n + 1}-1", ""]
            )
    members = directory / "members.csv"
    serial = 0
    bango = [0] * EMPLOYERS
    with members.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(MEMBER_COLUMNS)
        written = 0
        while written < rows:
            employer = rng.randrange(EMPLOYERS)
            bango[employer] += 1
            family, family_kana = rng.choice(FAMILY)
            head_birth = _day(rng, date(1960, 1, 1), date(2002, 1, 1))
            acquired = _day(rng, head_birth + timedelta(days=18 * 365), date(2024, 12, 1))
            lost = (
                _day(rng, acquired + timedelta(days=30), date(2025, 3, 1))
                if rng.random() < 0.05
                else None
            )
            postal = f"{rng.randrange(100, 999)}-{rng.randrange(10000):04d}"
            address = (
                f"東京都港区高輪{rng.randrange(1, 5)}-{rng.randrange(1, 30)}-{rng.randrange(1, 20)}"
            )
            household = [("本人", head_birth)]
            for _ in range(min(rng.choice([0, 0, 1, 1, 2, 3]), rows - written - 1)):
                relation = "配偶者" if len(household) == 1 and rng.random() < 0.6 else "子"
                start = (
                    head_birth
                    if relation == "配偶者"
                    else max(head_birth + timedelta(days=20 * 365), acquired)
                )
                household.append(
                    (
                        relation,
                        min(
                            _day(rng, start - timedelta(days=2000), start + timedelta(days=4000)),
                            date(2024, 11, 30),
                        ),
                    )
                )
            for edaban, (relation, birth) in enumerate(household):
                male = rng.random() < 0.5
                given, given_kana = rng.choice(MALE if male else FEMALE)
                serial += 1
                number = _my_number(serial) if rng.random() < NUMBER_SHARE else ""
                start = max(acquired, birth)
                out.writerow([
                    f"{2000 + employer}", str(bango[employer]), f"{edaban:02d}", relation,
                    f"{family}　{given}", f"{family_kana}　{given_kana}", "男" if male else "女",
                    _written(birth, rng), postal, address, _written(start, rng),
                    _written(lost, rng) if lost and lost > start else "",
                    number, rng.choice(["有", "無", ""]),
                ])  # fmt: skip
                written += 1
    return employers, members


# --- measuring ------------------------------------------------------------------------------


def _csv_parse_seconds(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        count = sum(1 for _ in csv.reader(text)) - 1
    return time.perf_counter() - started, count


def _validate_seconds(path: Path) -> float:
    from members.roster.parse import RosterReader

    started = time.perf_counter()
    with path.open("rb") as raw:
        reader = RosterReader(raw, "utf-8-sig")
        for _ in reader.rows():
            pass
        reader.close()
    return time.perf_counter() - started


def _import(path: Path, *, trace: bool = False) -> tuple[float, object, int]:
    from members.roster.importer import import_roster

    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with path.open("rb") as stream:
        run = import_roster(stream, file_name=path.name, via="command")
    seconds = time.perf_counter() - started
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if run.outcome != "applied":
        raise SystemExit(f"import rejected: {run.errors[:5]}")
    return seconds, run, peak


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(rows: int, keep: bool) -> dict:
    """One size, in this process: set up Django on the throwaway database and time it."""
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # Throwaway values when no .env exists; the keys only seal generated numbers.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("MYNUMBER_KEYS", "k1:" + base64.b64encode(os.urandom(32)).decode())
    os.environ.setdefault("MYNUMBER_HMAC_KEY", base64.b64encode(os.urandom(32)).decode())
    os.environ.setdefault("MFA_SECRET_KEYS", "m1:" + base64.b64encode(os.urandom(32)).decode())
    os.environ["LOG_LEVEL"] = "WARNING"
    # As in production: under DEBUG Django would also keep every SQL string it sends.
    os.environ["DEBUG"] = "0"
    drop_database(DATABASE)
    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        with tempfile.TemporaryDirectory() as tmp:
            employers, members = write_files(Path(tmp), rows)
            size = members.stat().st_size
            parse_s, parsed = _csv_parse_seconds(members)
            assert parsed == rows, (parsed, rows)
            validate_s = _validate_seconds(members)
            _import(employers)
            rss_before = _maxrss_mib()
            cold_s, cold, _ = _import(members)
            rss_cold = _maxrss_mib()
            numbers = _numbers()
            again_s, again, _ = _import(members)
            assert (cold.created, again.unchanged, again.updated) == (rows, rows, 0)
            # Traced repeats, on an emptied table, for tracemalloc's peak only.
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE members_member CASCADE")
            _, _, cold_peak = _import(members, trace=True)
            _, _, again_peak = _import(members, trace=True)
        return {
            "rows": rows,
            "file_mib": size / 2**20,
            "csv_parse_s": parse_s,
            "validate_s": validate_s,
            "cold_s": cold_s,
            "unchanged_s": again_s,
            "numbers": numbers,
            "rss_before_mib": rss_before,
            "rss_after_cold_mib": rss_cold,
            "rss_end_mib": _maxrss_mib(),
            "cold_peak_mib": cold_peak / 2**20,
            "unchanged_peak_mib": again_peak / 2**20,
            "load_average": os.getloadavg()[0],
        }
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            drop_database(DATABASE)


def _numbers() -> int:
    from members.models import Member

    return Member.objects.exclude(mynumber_token="").count()


# --- report ---------------------------------------------------------------------------------


def _section(results: list[dict], command: str) -> str:
    lines = [
        SECTION,
        "",
        f"Measured {date.today().isoformat()} on this project's machine kind (2 cores, 24 GiB; "
        f"{platform.python_implementation()} {platform.python_version()}, PostgreSQL on the "
        f"same host; load average {max(r['load_average'] for r in results):.2f} at the end of "
        "the busiest run: other work on the machine shows here), with:",
        "",
        f"    {command}",
        "",
        "A generated members file (households of 1-4, about 70% with a My Number, dates in 西暦 "
        "and 和暦 forms, UTF-8 with BOM) is imported into an empty throwaway database (cold: "
        "every row created, each number sealed and audited), then imported again (every row "
        "unchanged, nothing written). The baseline, measured in the same run, is reading the "
        "same file with `csv.reader` and nothing else; `members/roster/parse.py` alone is the "
        "parse and validation of every row without a database. Each size runs in a process of "
        "its own.",
        "",
        "| rows | file | csv.reader | parse.py alone | cold import | rows/s | ratio to csv | "
        "unchanged import | rows/s | ratio to csv |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['rows']:,} | {r['file_mib']:.1f} MiB | {r['csv_parse_s']:.2f} s "
            f"| {r['validate_s']:.2f} s | {r['cold_s']:.1f} s | {r['rows'] / r['cold_s']:,.0f} "
            f"| {r['cold_s'] / r['csv_parse_s']:.0f}x | {r['unchanged_s']:.1f} s "
            f"| {r['rows'] / r['unchanged_s']:,.0f} | {r['unchanged_s'] / r['csv_parse_s']:.0f}x |"
        )
    lines += [
        "",
        "Memory (tracemalloc peak is of the import call alone, in a traced repeat; ru_maxrss is "
        "the whole process: Python, Django, the connection):",
        "",
        "| rows | tracemalloc peak, cold | tracemalloc peak, unchanged | ru_maxrss before import "
        "| ru_maxrss after cold import | ru_maxrss at end |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['rows']:,} | {r['cold_peak_mib']:.1f} MiB | {r['unchanged_peak_mib']:.1f} MiB "
            f"| {r['rss_before_mib']:.0f} MiB | {r['rss_after_cold_mib']:.0f} MiB "
            f"| {r['rss_end_mib']:.0f} MiB |"
        )
    if len(results) > 1:
        small, large = results[0], results[-1]
        growth = (large["cold_peak_mib"] - small["cold_peak_mib"]) / (large["rows"] - small["rows"])
        lines += [
            "",
            f"Peak memory grows by about {growth * 2**20 / 1024:.2f} KiB per extra row between "
            f"{small['rows']:,} and {large['rows']:,} rows: the per-row sets the import keeps on "
            "purpose (keys, number hashes and 本人 lines seen, to report duplicates with the line "
            "of their first occurrence). Everything else is per batch of 1,000 rows.",
        ]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    """Replace this benchmark's section of docs/PERFORMANCE.md, leaving the others alone."""
    _docs.write_section(DOC, text, "Performance")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--rows-also",
        type=int,
        action="append",
        default=[],
        help="also measure these sizes (each in its own process), to compare memory",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-report", action="store_true", help="print only, leave docs alone")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.rows, args.keep)))
        return
    results = []
    for rows in sorted({args.rows, *args.rows_also}):
        print(f"measuring {rows:,} rows ...", file=sys.stderr, flush=True)
        child = [sys.executable, __file__, "--rows", str(rows), "--child"]
        if args.keep:
            child.append("--keep")
        done = subprocess.run(child, capture_output=True, text=True, check=False, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1], indent=2), file=sys.stderr)
    if args.no_report:
        return
    command = ".venv/bin/python bench/import_roster.py " + " ".join(sys.argv[1:])
    write_section(_section(results, command.strip()))
    print(f"wrote {DOC.relative_to(ROOT)} ({SECTION})", file=sys.stderr)


if __name__ == "__main__":
    main()

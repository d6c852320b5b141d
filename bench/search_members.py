"""Benchmark of the staff member search on a large, realistic table.

    .venv/bin/python bench/search_members.py [--rows 1000000] [--runs 20] [--keep] [--reuse]

Creates a throwaway database (portal_bench_search) as the postgres superuser on 127.0.0.1
(trust authentication), migrates it, loads generated members with COPY, ANALYZEs, then times
typical searches exactly as the staff search page runs them (members.search.search_members:
the capped count plus the first page of 50) against a primary-key lookup measured in the same
run. It records whether each plan used a trigram index, writes the section "## Staff search"
of docs/PERFORMANCE.md (other sections are left alone) and drops the database unless --keep.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import psycopg
from _throwaway import SERVER, admin, drop_database
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _names import FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES  # noqa: E402

DOC = ROOT / "docs" / "PERFORMANCE.md"
SECTION = "## Staff search"
EMPLOYERS = 400
PAGE = 50


def _prepare_environment(database: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # Throwaway values when no .env exists: nothing in this database is ever encrypted.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("MYNUMBER_KEYS", "k1:" + base64.b64encode(os.urandom(32)).decode())
    os.environ.setdefault("MYNUMBER_HMAC_KEY", base64.b64encode(os.urandom(32)).decode())
    os.environ.setdefault("MFA_SECRET_KEYS", "m1:" + base64.b64encode(os.urandom(32)).decode())


def _database_has_members(database: str) -> bool:
    try:
        with psycopg.connect(f"{SERVER}/{database}") as conn:
            return conn.execute("SELECT count(*) FROM members_member").fetchone()[0] > 0
    except psycopg.Error:
        return False


# --- data -----------------------------------------------------------------------------------


def _zipf_weights(count: int, flatten: int = 10) -> list[float]:
    return [1 / (rank + flatten) for rank in range(1, count + 1)]


def _random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days))


def _member_rows(rows: int, rng: random.Random) -> Iterator[tuple]:
    """Households: an insured person (枝番 00), then 0-3 dependents sharing the family name."""
    family_weights = _zipf_weights(len(FAMILY_NAMES))
    # Employer sizes are skewed too: a few large companies, a long tail of small ones.
    employer_weights = _zipf_weights(EMPLOYERS, flatten=5)
    next_bango = [1] * (EMPLOYERS + 1)
    now = "2024-10-01 09:00:00+09"
    pk = 0
    while pk < rows:
        employer = rng.choices(range(1, EMPLOYERS + 1), employer_weights)[0]
        kigo, bango = str(1000 + employer), str(next_bango[employer])
        next_bango[employer] += 1
        family, family_kana = rng.choices(FAMILY_NAMES, family_weights)[0]
        acquired = _random_day(rng, date(1985, 4, 1), date(2024, 9, 1))
        lost = _random_day(rng, acquired + timedelta(days=30), date(2025, 3, 31))
        lost = lost if rng.random() < 0.15 else None
        head_pk = pk + 1
        size = rng.choices([1, 2, 3, 4], [45, 20, 20, 15])[0]
        head_sex = rng.choice(["male", "female"])
        household = [("本人", head_sex, date(1955, 1, 1), date(2004, 1, 1))]
        if size >= 2:
            spouse_sex = "female" if head_sex == "male" else "male"
            household.append(("配偶者", spouse_sex, date(1955, 1, 1), date(2004, 1, 1)))
        for _ in range(size - 2):
            household.append(
                ("子", rng.choice(["male", "female"]), date(1990, 1, 1), date(2024, 9, 1))
            )
        for edaban, (relation, sex, born_from, born_to) in enumerate(household):
            pk += 1
            if pk > rows:
                return
            given, given_kana = rng.choice(MALE_NAMES if sex == "male" else FEMALE_NAMES)
            yield (
                pk,
                employer,
                kigo,
                bango,
                f"{edaban:02d}",
                relation,
                None if edaban == 0 else head_pk,
                f"{family}\u3000{given}",
                f"{family_kana}\u3000{given_kana}",
                sex,
                _random_day(rng, born_from, born_to),
                "108-0074",
                "東京都港区高輪1-1-1",
                acquired,
                lost,
                "",
                None,
                "",
                "none",
                now,
                now,
                "",  # 負担割合: none on file (only 70-74 year olds have one)
            )


MEMBER_COLUMNS = (
    "id, employer_id, kigo, bango, edaban, relation, insured_id, name, name_kana, sex, "
    "birth_date, postal_code, address, acquired_on, lost_on, mynumber_token, mynumber_hash, "
    "mynumber_last4, mynumber_status, created_at, updated_at, copay_rate"
)


def load(rows: int, seed: int = 20241202) -> float:
    """COPY the generated rows in; secondary indexes are rebuilt afterwards (much faster)."""
    from django.db import connection

    rng = random.Random(seed)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'members_member' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        with cursor.copy(
            "COPY members_employer (id, kigo, name, postal_code, address, created_at, updated_at)"
            " FROM STDIN"
        ) as copy:
            for number in range(1, EMPLOYERS + 1):
                copy.write_row(
                    (
                        number,
                        str(1000 + number),
                        f"ベンチ工業{number}株式会社",
                        "",
                        "",
                        "now",
                        "now",
                    )
                )
        with cursor.copy(f"COPY members_member ({MEMBER_COLUMNS}) FROM STDIN") as copy:
            for row in _member_rows(rows, rng):
                copy.write_row(row)
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table in ("members_member", "members_employer"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("VACUUM ANALYZE members_member")
        cursor.execute("ANALYZE members_employer")
    return time.perf_counter() - started


# --- timing ---------------------------------------------------------------------------------


def _median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm the cache and the connection
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _plan_uses_trigram(plan: str) -> str:
    used = [name for name in ("member_name_trgm", "member_kana_trgm") if name in plan]
    if used:
        return "yes (" + ", ".join(name.removeprefix("member_") for name in used) + ")"
    if plan == "(not run)":
        return "not run"
    if "Seq Scan on members_member" in plan:
        return "no (seq scan)"
    return "no (b-tree)"


def _explain_each(action: Callable[[], object]) -> list[str]:
    """EXPLAIN ANALYZE of exactly the statements `action` sends (the count, then the page)."""
    from django.db import connection

    statements: list[tuple[str, object]] = []

    def capture(execute, sql_text, params, many, context):
        statements.append((sql_text, params))
        return execute(sql_text, params, many, context)

    with connection.execute_wrapper(capture):
        action()
    plans = []
    with connection.cursor() as cursor:
        for sql_text, params in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql_text, params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def run_cases(runs: int, verbose: bool = False) -> tuple[float, list[dict]]:
    from django.db import connection

    from members.models import Employer, Member
    from members.search import CappedPaginator, parse_birth_date, parse_query, search_members
    from portal.wareki import format_wareki

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kigo, bango FROM members_member "
            "WHERE id = 424242 % (SELECT max(id) FROM members_member) + 1"
        )
        kigo, bango = cursor.fetchone()
    largest = Employer.objects.get(kigo="1001")
    # A 佐藤 from the middle of the table: 佐藤 + their birthday is a typical narrowed search.
    sample = (
        Member.objects.filter(pk__gte=Member.objects.count() // 3, name__startswith="佐藤")
        .only("birth_date")
        .first()
    )
    era_birth = format_wareki(sample.birth_date)  # 和暦, as staff type it
    cases = [
        ("kanji, 2 chars, most common family name", {"query": "佐藤"}),
        ("kanji, 2 chars, less common family name", {"query": "宮田"}),
        ("kanji, 2 chars, no match", {"query": "鬼瓦"}),
        ("latin, 2 chars, no match (both columns)", {"query": "ab"}),
        ("kanji, 1 char", {"query": "林"}),
        ("kanji, 3 chars family name", {"query": "長谷川"}),
        ("kanji, 3 chars family name, page 20", {"query": "長谷川", "page": 20}),
        ("kanji, full name with space", {"query": "佐藤 花子"}),
        ("katakana partial (given name)", {"query": "ハナコ"}),
        ("half-width katakana", {"query": "ｻﾄｳﾊﾅｺ"}),
        ("hiragana input", {"query": "さとう はなこ"}),
        ("katakana, 2 chars", {"query": "サト"}),
        ("記号番号 exact", {"query": f"{kigo}-{bango}"}),
        ("birth date (和暦) only", {"birth_date": era_birth}),
        ("largest employer only", {"employer": largest}),
        ("largest employer + 2-char name", {"employer": largest, "query": "佐藤"}),
        ("2-char name + birth date (和暦)", {"query": "佐藤", "birth_date": era_birth}),
    ]
    baseline_pks = [random.Random(7).randrange(1, Member.objects.count()) for _ in range(runs)]
    position = iter(range(10**9))

    def baseline() -> None:
        Member.objects.defer("mynumber_token").get(pk=baseline_pks[next(position) % runs])

    baseline_ms = _median_ms(baseline, runs * 5)
    results = []
    for label, criteria in cases:
        kwargs = dict(criteria)
        page_number = kwargs.pop("page", 1)
        if "birth_date" in kwargs:
            kwargs["birth_date"] = parse_birth_date(kwargs["birth_date"])
        members = search_members(**kwargs)

        one_scan = parse_query(kwargs.get("query", "")).is_short

        def page(members=members, page_number=page_number, one_scan=one_scan) -> tuple:
            # Exactly what the search view does: the capped count, then one page of rows.
            paginator = CappedPaginator(members, PAGE, one_scan=one_scan)
            rows = list(paginator.get_page(page_number))
            return paginator.count, paginator.capped, len(rows)

        count, capped, _ = page()
        milliseconds = _median_ms(page, runs)
        # No page query when the count is 0: Django answers an empty slice without asking.
        # With one_scan the first statement is the ordered scan of ids (count and order).
        count_plan, plan = [*_explain_each(page), "(not run)"][:2]
        if verbose:
            print(f"--- {label}: count\n{count_plan}\n--- page\n{plan}")
        results.append(
            {
                "label": label,
                "input": _describe(criteria),
                "matches": f"{count:,}" + ("+" if capped else ""),
                "ms": milliseconds,
                "ratio": milliseconds / baseline_ms,
                "page_plan": _plan_uses_trigram(plan),
                "count_plan": _plan_uses_trigram(count_plan),
            }
        )
        print(
            f"{label:42} {results[-1]['matches']:>7} {milliseconds:8.1f} ms  "
            f"page: {results[-1]['page_plan']}  count: {results[-1]['count_plan']}"
        )
    return baseline_ms, results


def _describe(criteria: dict) -> str:
    parts = []
    for key, value in criteria.items():
        shown = value.kigo if key == "employer" else value
        parts.append(f"{key}=`{shown}`")
    return ", ".join(parts)


# --- report ---------------------------------------------------------------------------------


def _loaded(seconds: float) -> str:
    return f"loaded with COPY in {seconds:.0f} s" if seconds else "loaded with COPY earlier"


def _machine() -> str:
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def write_report(
    rows: int, runs: int, load_s: float, baseline_ms: float, results: list[dict], command: str
) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0].split()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('members_member'))")
        size = cursor.fetchone()[0]
    lines = [
        SECTION,
        "",
        f"Measured {date.today().isoformat()} on this project's machine ({_machine()}), "
        f"PostgreSQL {server}, default server settings; load average "
        f"{os.getloadavg()[0]:.2f} when the timings ended (other work on the machine shows here).",
        "",
        "```",
        command,
        "```",
        "",
        f"{rows:,} members (households of 1-4 over {EMPLOYERS} employers, {len(FAMILY_NAMES)} "
        f"family names with Zipf-like frequencies, {len(MALE_NAMES) + len(FEMALE_NAMES)} given "
        f"names), {_loaded(load_s)}; table with indexes {size}. Each search is "
        f"what the staff search page runs (`CappedPaginator`: at most 1,001 rows counted, then "
        f"one page of {PAGE}), median of {runs} runs. Baseline: "
        f"`Member.objects.get(pk=...)`, median {baseline_ms:.2f} ms in the same run.",
        "",
        "| search | input | matches | median ms | × pk lookup | count or id scan | page |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for result in results:
        lines.append(
            f"| {result['label']} | {result['input']} | {result['matches']} | "
            f"{result['ms']:.1f} | {result['ratio']:.0f} | "
            f"{result['count_plan']} | {result['page_plan']} |"
        )
    short = [r for r in results if "2 chars" in r["label"] or "1 char" in r["label"]]
    worst = max(short, key=lambda r: r["ms"])
    lines += ["", *NOTES.format(worst_ms=worst["ms"], worst_label=worst["label"]).splitlines()]
    section = "\n".join(lines).rstrip("\n") + "\n"
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    DOC.write_text(_replace_section(text, section), encoding="utf-8")


NOTES = """\
How to read it: the last two columns come from EXPLAIN ANALYZE of the statements the search
sent, and say whether PostgreSQL used a trigram index (`member_name_trgm`, `member_kana_trgm`),
a b-tree or a sequential scan of members_member. A 1-2 character name sends one ordered
statement for the first 1,001 primary keys (count and order at once) and then reads the page by
primary key; any other search sends the capped count and then the page. "not run": nothing
matched, so there was no page to read.

Decisions:
- Short queries (1-2 characters) are allowed without a birth date or employer. pg_trgm cannot
  narrow `%佐藤%`, so PostgreSQL walks the 記号・番号 index (common names: a page fills fast) or
  scans the table with two parallel workers (rare names, no match): the slowest short search
  here is "{worst_label}" at {worst_ms:.0f} ms. Staff search by two-kanji family names
  constantly, and a society of 100,000 members pays a tenth of this, so refusing them would
  cost more than it saves. Should it ever matter, a bigram index (pg_bigm) is the remedy.
- The count is capped: at most 1,001 matching rows are counted, and the page says "1,000件以上"
  and asks for more criteria. Staff never page past 20 pages of 50.
- Deep pages of a broad 3+ character match can cost more than page 1: depending on the
  statistics ANALYZE sampled, the planner may walk the 記号・番号 index past the skipped rows
  instead of using the trigram index (seen at about 120 ms for page 20 of 長谷川 at 1,000,000
  rows in some runs); still well under a second.
- pg_trgm only sees Japanese characters as letters when the database's LC_CTYPE knows them
  (C.UTF-8, ja_JP.UTF-8); under a plain C locale it extracts no trigrams and every search scans.
  tests/test_member_search.py checks this on the test database.
"""


def _replace_section(text: str, section: str) -> str:
    """Put `section` in place of the one with the same heading, or append it."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == SECTION), None)
    if start is None:
        return text.rstrip("\n") + "\n\n" + section
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    kept_after = "\n".join(lines[end:])
    before = "\n".join(lines[:start]).rstrip("\n")
    return before + "\n\n" + section + ("\n" + kept_after + "\n" if kept_after else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", default="portal_bench_search")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept, loaded database")
    parser.add_argument("--plans", action="store_true", help="print every query plan")
    parser.add_argument("--no-report", action="store_true", help="print only, leave docs alone")
    args = parser.parse_args()

    database = args.database
    _prepare_environment(database)
    reuse = args.reuse and _database_has_members(database)
    if not reuse:
        drop_database(database)
        admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    try:
        load_s = 0.0
        if not reuse:
            call_command("migrate", verbosity=0)
            load_s = load(args.rows)
            print(f"loaded {args.rows:,} members in {load_s:.1f} s")
        baseline_ms, results = run_cases(args.runs, args.plans)
        print(f"baseline pk lookup: {baseline_ms:.2f} ms")
        if not args.no_report:
            command = f".venv/bin/python bench/search_members.py --rows {args.rows}"
            if args.runs != 20:
                command += f" --runs {args.runs}"
            write_report(args.rows, args.runs, load_s, baseline_ms, results, command)
            print(f"wrote {SECTION!r} in {DOC.relative_to(ROOT)}")
    finally:
        connections.close_all()
        if not args.keep:
            drop_database(database)


if __name__ == "__main__":
    main()

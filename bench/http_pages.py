"""Benchmark of the portal's pages over HTTP: gunicorn as shipped, wrk on loopback.

    .venv/bin/python bench/http_pages.py [--duration 5] [--rounds 2] [--connections 1,8,32]
                                         [--paths dashboard,search] [--port 8211] [--keep]
                                         [--no-report]

(Not bench/http.py: a script's own directory comes first on sys.path, so a bench/http.py would
stand in for the standard library's http package in every benchmark here.)

In a throwaway database (portal_bench_http, created and dropped as the postgres superuser on
127.0.0.1, trust authentication; owned by .env's owner role, migrated as it, and served as the
portal's own role, as in production) with throwaway keys and a temporary media directory:
`manage.py seed_demo`, then a 210-member roster of 日本部品工業 (記号 1201) through the roster
import, notices for every enrolled member, open 資格確認書 applications by the employer user and
open mismatch cases. gunicorn runs exactly as shipped (`gunicorn -c python:portal.gunicorn
portal.wsgi`, DEBUG off, every tunable at its default but the e-mail backend: nothing here
sends mail) behind a pretend TLS proxy
(BEHIND_TLS_PROXY=1 and `X-Forwarded-Proto: https` on each request, so the production HTTPS
settings stay on). Each path is first fetched once and checked (200, its content, its size),
then loaded with wrk at each level of --connections, --rounds times, /healthz first in each
level of each round: req/s, p50, p99, errors (non-2xx answers and socket errors), and the ratio
to /healthz at the same level in the same round. Writes the section "## Pages over HTTP" of
docs/PERFORMANCE.md (other sections are left alone) unless --no-report.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import _docs
from _throwaway import SERVER, admin, drop_database, portal_env, stop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "portal_bench_http"
DOC = ROOT / "docs" / "PERFORMANCE.md"
SECTION = "## Pages over HTTP"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
COMMAND = ".venv/bin/python bench/http_pages.py"
DEFAULTS = {"duration": 5, "rounds": 2, "connections": "1,8,32"}
ROSTER_SIZE = 210
TARGET_CLIENTS = 8


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    persona: str  # "" for anonymous
    target_ratio: float | None = None
    target_p99_ms: float | None = None


PAGES = [
    Page("healthz", "`/healthz` (baseline)", ""),
    # The least a signed-in page costs: session, user, middleware, the layout and three lines.
    Page("floor", "signed in, layout only (`/home/no-role/`)", "member"),
    Page("login", "`/accounts/login/`", "", 0.2),
    Page("guide", "`/guide/`", "", 0.2),
    Page("dashboard", "`/member/` dashboard", "member", 0.12, 60.0),
    Page("notice", "a notice page", "member", 0.2),
    Page("download", "its PDF download", "member", 0.2),
    Page("search", "staff search `q=佐藤`", "clerk", 0.1),
    Page("people", "employer people list", "employer", None),
    Page("mismatch", "staff mismatch queue", "clerk", None),
]

# Counts every answer outside 200-299 (wrk's own count leaves out 3xx) by status, and prints
# the total and the statuses ("non2xx 3" and "statuses 302=1,500=2").
WRK_SCRIPT = """\
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0; seen = {}; statuses = "" end
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    seen[status] = (seen[status] or 0) + 1
    local parts = {}
    for code, count in pairs(seen) do table.insert(parts, code .. "=" .. count) end
    statuses = table.concat(parts, ",")
  end
end
function done(summary, latency, requests)
  local total, all = 0, {}
  for _, thread in ipairs(threads) do
    total = total + thread:get("non2xx")
    for code, count in string.gmatch(thread:get("statuses"), "(%d+)=(%d+)") do
      all[code] = (all[code] or 0) + tonumber(count)
    end
  end
  local parts = {}
  for code, count in pairs(all) do table.insert(parts, code .. "=" .. count) end
  table.sort(parts)
  io.write(string.format("non2xx %d\\nstatuses %s\\n", total, table.concat(parts, ",")))
end
"""


# --- wrk's output ------------------------------------------------------------------------------

_TIME_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * _TIME_UNITS[unit]


def parse_wrk(output: str) -> dict:
    """req/s, p50 and p99 in ms, requests, bytes read and errors from `wrk --latency` run with
    WRK_SCRIPT. Raises ValueError when a figure is missing (a failed run is not a zero)."""

    def find(pattern: str) -> re.Match:
        found = re.search(pattern, output, re.MULTILINE)
        if found is None:
            raise ValueError(f"no {pattern!r} in wrk's output:\n{output}")
        return found

    total = find(r"^\s*(\d+) requests in ([\d.]+\w+), ([\d.]+)([KMGT]?B) read")
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    counted = re.search(r"^non2xx (\d+)$", output, re.MULTILINE)
    if counted is None:  # without the script: wrk's own count, which misses 3xx
        counted = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    non2xx = int(counted.group(1)) if counted else 0
    statuses = re.search(r"^statuses (\S*)$", output, re.MULTILINE)
    socket_errors = sum(int(n) for n in socket.groups()) if socket else 0
    return {
        "requests": int(total.group(1)),
        "seconds": _ms(total.group(2)) / 1000,
        "bytes": float(total.group(3)) * _SIZE_UNITS[total.group(4)],
        "rps": float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        "p50_ms": _ms(find(r"^\s+50%\s+(\S+)").group(1)),
        "p99_ms": _ms(find(r"^\s+99%\s+(\S+)").group(1)),
        "non2xx": non2xx,
        "statuses": statuses.group(1) if statuses else "",  # "302=1,500=2"
        "socket_errors": socket_errors,
        "errors": non2xx + socket_errors,
    }


# --- docs/PERFORMANCE.md -------------------------------------------------------------------------


def write_section(section: str) -> None:
    _docs.write_section(DOC, section, "Performance")


# --- the throwaway database and its data --------------------------------------------------------


def _on_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(database)))


def _roles() -> tuple[str, str, str]:
    """(owner URL, portal URL, owner role) on the throwaway database: .env's two roles, as in
    production; without them, the superuser for both."""
    from portal.dev.setup import read_dotenv

    found = read_dotenv(ROOT / ".env")
    owner, app = found.get("DATABASE_OWNER_URL"), found.get("DATABASE_URL")
    if not owner or not app or urlsplit(owner).username == urlsplit(app).username:
        return f"{SERVER}/{DATABASE}", f"{SERVER}/{DATABASE}", "postgres"
    return _on_database(owner, DATABASE), _on_database(app, DATABASE), urlsplit(owner).username


def _prepare_environment(media: Path, port: int, owner_url: str, app_url: str) -> None:
    # Production's defaults for every tunable (none inherited from the caller's environment),
    # throwaway keys, and nothing read from .env.
    for name in ("REDIS_URL", "CONN_MAX_AGE", "WEB_CONCURRENCY", "DATABASE_AS_OWNER", "LOG_LEVEL"):
        os.environ.pop(name, None)
    os.environ.update(
        portal_env(
            media,
            plain_http=False,  # behind a pretend TLS proxy: production's HTTPS settings stay on
            DATABASE_OWNER_URL=owner_url,
            DATABASE_URL=app_url,
            BEHIND_TLS_PROXY="1",
            GUNICORN_BIND=f"127.0.0.1:{port}",
        )
    )


def _manage(*args: str, as_owner: bool = False) -> None:
    env = {**os.environ, **({"DATABASE_AS_OWNER": "1"} if as_owner else {})}
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def write_roster(path: Path, size: int) -> None:
    """Households of 1-4 of 日本部品工業 (1201), from 番号 101 on, about 70% with a My Number."""
    import csv
    import random

    from portal.checkdigits import my_number_check_digit

    family = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
              ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
              ("小林", "コバヤシ"), ("加藤", "カトウ")]  # fmt: skip
    given = [("太郎", "タロウ", "男"), ("花子", "ハナコ", "女"), ("健一", "ケンイチ", "男"),
             ("美咲", "ミサキ", "女"), ("翔太", "ショウタ", "男"),
             ("結衣", "ユイ", "女")]  # fmt: skip
    rng = random.Random(20241202)
    columns = ["記号", "番号", "枝番", "続柄", "氏名", "氏名カナ", "性別", "生年月日", "郵便番号",
               "住所", "資格取得年月日", "資格喪失年月日", "個人番号", "マイナ保険証"]  # fmt: skip
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(columns)
        written, bango = 0, 100
        while written < size:
            bango += 1
            name, kana = rng.choices(family, weights=[6, 4, 3, 3, 2, 2, 2, 2, 1, 1])[0]
            head_year = rng.randrange(1962, 2000)
            acquired = date(rng.randrange(max(head_year + 20, 2000), 2024), 4, 1)
            relations = ["本人", "配偶者", "子", "子"][
                : min(rng.choice([1, 1, 2, 3, 4]), size - written)
            ]
            for edaban, relation in enumerate(relations):
                given_name, given_kana, sex = rng.choice(given)
                year = head_year + (rng.randrange(20, 35) if relation == "子" else 0)
                born = date(min(year, 2023), rng.randrange(1, 13), rng.randrange(1, 29))
                number = ""
                if rng.random() < 0.7:
                    first11 = f"{400_000_000_00 + written:011d}"
                    number = first11 + str(my_number_check_digit(first11))
                out.writerow([
                    "1201", str(bango), f"{edaban:02d}", relation, f"{name}　{given_name}",
                    f"{kana}　{given_kana}", sex, born.isoformat(), "108-0074",
                    f"東京都港区高輪3-{bango}-1", max(acquired, born).isoformat(), "", number,
                    rng.choice(["有", "無", ""]),
                ])  # fmt: skip
                written += 1


def seed(workdir: Path) -> dict:
    """Everything past seed_demo, through the portal's own services, as its own role."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from eligibility.applications import services as applications
    from members.models import Employer, Member, RosterImport
    from members.roster.importer import import_roster
    from notices.mismatch.services import report_mismatch
    from notices.models import Notice
    from portal.dev import demo
    from portal.roles import Role

    roster = workdir / "members-210.csv"
    write_roster(roster, ROSTER_SIZE)
    demo_members = set(Member.objects.values_list("pk", flat=True))
    with roster.open("rb") as stream:
        run = import_roster(stream, file_name=roster.name, via="command")
    if run.outcome != RosterImport.Outcome.APPLIED:
        raise SystemExit(f"the roster was rejected: {run.errors[:3]}")
    notices = demo.issue_demo_notices()
    employer = Employer.objects.get(kigo="1201")
    hr = get_user_model().objects.get(email=demo.DEMO_ACCOUNTS[Role.EMPLOYER])
    today = timezone.localdate()
    submitted = 0
    heads = Member.objects.filter(kigo="1201", edaban="00").exclude(pk__in=demo_members)
    for head in heads.order_by("pk"):
        if submitted == 12:
            break
        try:
            applications.submit(employer, [head], reason="no_card", applied_on=today, user=hr)
            submitted += 1
        except applications.ApplicationRefused:
            continue  # e.g. a マイナ保険証 on record: the employer could not apply either
    cases = 0
    shown = Notice.objects.filter(superseded_by__isnull=True, shows_last4=True)
    for notice in shown.exclude(member__in=demo_members).order_by("pk")[:10]:
        with transaction.atomic():
            wrong = f"{(int(notice.snapshot['last4']) + 1) % 10000:04d}"
            report_mismatch(
                notice, reported_last4=wrong, contact="03-1234-5678", comment="", actor=None
            )
        cases += 1
    return {
        "members": Member.objects.count(),
        "notices": notices,
        "applications": submitted,
        "cases": cases,
    }


@dataclass
class Target:
    path: str
    cookie: str
    marker: str  # text the page must hold (for the PDF: its size in bytes)
    times: int = 1  # at least this often (the search box repeats the query once)
    size: int = 0  # set once checked


def targets(port: int) -> dict[str, Target]:
    """Each page's URL and the session cookie of its persona (made like a login: Django's
    login(), with the signals that start the session clock)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from notices.models import MismatchCase, Notice
    from portal.dev import demo
    from portal.roles import Role

    def cookie(role: Role) -> str:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(email=demo.DEMO_ACCOUNTS[role]))
        return (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )

    member, clerk, hr = cookie(Role.MEMBER), cookie(Role.CLERK), cookie(Role.EMPLOYER)
    household = demo.link_demo_member()
    notice = Notice.objects.get(member=household, superseded_by__isnull=True)
    case = MismatchCase.objects.order_by("created_at", "pk").select_related("member").first()
    return {
        "healthz": Target("/healthz", "", "ok"),
        "floor": Target("/home/no-role/", member, "ご利用の準備中です"),
        "login": Target("/accounts/login/", "", "ログイン"),
        "guide": Target("/guide/", "", "<h1"),
        "dashboard": Target("/member/", member, household.name),
        "notice": Target(f"/member/notices/{notice.pk}/", member, household.name),
        "download": Target(f"/member/notices/{notice.pk}/pdf/", member, str(notice.pdf.size)),
        "search": Target("/staff/members/?q=" + quote("佐藤"), clerk, "佐藤", times=10),
        "people": Target("/employer/people/", hr, household.name),
        "mismatch": Target("/staff/mismatch/", clerk, case.member.name),
    }


# --- the server and the load ---------------------------------------------------------------------


def _get(port: int, target: Target) -> tuple[int, bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"X-Forwarded-Proto": "https", **({"Cookie": target.cookie} if target.cookie else {})}
    try:
        connection.request("GET", target.path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def check(port: int, key: str, target: Target) -> None:
    """The page answers 200 with its real content, not a login page or an error."""
    status, body = _get(port, target)
    if key == "download":
        sane = body.startswith(b"%PDF") and len(body) == int(target.marker)
    else:
        text = body.decode("utf-8", "replace")
        sane = text.count(target.marker) >= target.times and (key == "healthz" or len(body) > 2000)
    if status != 200 or not sane:
        raise SystemExit(f"{target.path} answered {status}, {len(body)} bytes: not the page")
    target.size = len(body)
    for _ in range(10):  # warm both workers: imports, templates, connections
        _get(port, target)


def start_gunicorn(log: Path) -> subprocess.Popen:
    command = [GUNICORN, "-c", "python:portal.gunicorn", "portal.wsgi"]  # as shipped
    with log.open("wb") as errors:
        return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)


def wrk(port: int, target: Target, connections: int, duration: int, script: Path) -> dict:
    command = ["wrk", "-t", str(min(connections, 2)), "-c", str(connections),
               "-d", f"{duration}s", "--latency", "--timeout", "10s", "-s", str(script),
               "-H", "X-Forwarded-Proto: https"]  # fmt: skip
    if target.cookie:
        command += ["-H", f"Cookie: {target.cookie}"]
    done = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{target.path}"], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr}")
    return parse_wrk(done.stdout)


def cpu_seconds(server: int) -> dict[int, tuple[str, float]]:
    """Each process of the gunicorn server `server` (it and its workers) and each PostgreSQL
    backend serving the bench's database (not other databases' work on a shared machine): its
    side ("web", "database") and the CPU it has used so far (user + system), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rfind(")") + 2 :].split()  # after the name, which may hold spaces
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if pid == server or int(fields[1]) == server:
            used[pid] = ("web", seconds)
        elif command.startswith(b"postgres: ") and f" {DATABASE} ".encode() in command:
            used[pid] = ("database", seconds)
    return used


def cpu_between(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds used on each side between two cpu_seconds() samples: a process that started
    meanwhile counts whole; one that ended meanwhile (a database connection closed) is lost."""
    spent = {"web": 0.0, "database": 0.0}
    for pid, (side, seconds) in after.items():
        earlier = before.get(pid)
        spent[side] += seconds - (earlier[1] if earlier and earlier[0] == side else 0.0)
    return spent


def measure(port: int, chosen: dict[str, Target], levels: list[int], rounds: int,
            duration: int, script: Path, server: int) -> list[dict]:  # fmt: skip
    """Every path at every level, `rounds` times; /healthz first in each level of each round,
    so that each ratio compares runs a few seconds apart. With each run, the CPU a request
    took in gunicorn and in PostgreSQL."""
    runs = []
    for round_ in range(1, rounds + 1):
        for level in levels:
            for key, target in chosen.items():
                before = cpu_seconds(server)
                result = wrk(port, target, level, duration, script)
                spent = cpu_between(before, cpu_seconds(server))
                for side, seconds in spent.items():
                    result[f"{side}_cpu_ms"] = 1000 * seconds / max(result["requests"], 1)
                runs.append({"round": round_, "clients": level, "key": key, **result})
                print(f"round {round_}, {level:>2} clients, {key:<9} {result['rps']:8.1f} req/s "
                      f"p50 {result['p50_ms']:7.1f} ms p99 {result['p99_ms']:7.1f} ms "
                      f"errors {result['errors']} {result['statuses']}", flush=True)  # fmt: skip
    return runs


def _merge_statuses(each: Iterable[str]) -> str:
    """ "302=1,500=2" and "500=1" make "302=1, 500=3"."""
    counts: Counter[str] = Counter()
    for statuses in each:
        for pair in filter(None, statuses.split(",")):
            code, count = pair.split("=")
            counts[code] += int(count)
    return ", ".join(f"{code}={count}" for code, count in sorted(counts.items()))


def summarize(runs: list[dict]) -> dict[tuple[str, int], dict]:
    """Per path and level: means over the rounds; the ratio is each round's own, averaged."""
    health = {(r["round"], r["clients"]): r["rps"] for r in runs if r["key"] == "healthz"}
    rows: dict[tuple[str, int], dict] = {}
    for key, level in dict.fromkeys((r["key"], r["clients"]) for r in runs):
        mine = [r for r in runs if r["key"] == key and r["clients"] == level]
        rows[key, level] = {
            "rps": statistics.mean(r["rps"] for r in mine),
            "each_rps": [r["rps"] for r in mine],
            "p50_ms": statistics.mean(r["p50_ms"] for r in mine),
            "p99_ms": statistics.mean(r["p99_ms"] for r in mine),
            "errors": sum(r["errors"] for r in mine),
            "statuses": _merge_statuses(r["statuses"] for r in mine),
            "requests": sum(r["requests"] for r in mine),
            "web_cpu_ms": statistics.mean(r.get("web_cpu_ms", 0.0) for r in mine),
            "database_cpu_ms": statistics.mean(r.get("database_cpu_ms", 0.0) for r in mine),
            "ratio": statistics.mean(r["rps"] / health[r["round"], level] for r in mine),
        }
    return rows


# --- the report ---------------------------------------------------------------------------------


def _versions() -> str:
    import django
    import gunicorn
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    wrk_line = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    wrk_version = " ".join(wrk_line.split()[:2]) or "wrk"
    debian = Path("/etc/debian_version")
    system = f"Debian {debian.read_text().strip()}, " if debian.exists() else ""
    return (f"{system}Python {platform.python_version()}, Django {django.get_version()}, "
            f"gunicorn {gunicorn.__version__}, PostgreSQL {postgres}, {wrk_version}")  # fmt: skip


def _errors(row: dict) -> str:
    return f"{row['errors']} ({row['statuses']})" if row["statuses"] else str(row["errors"])


def _size(size: int) -> str:
    return f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB"


def _fmt_ms(ms: float) -> str:
    return f"{ms:.1f} ms" if ms < 100 else f"{ms:,.0f} ms"


def target_lines(rows: dict[tuple[str, int], dict]) -> list[str]:
    lines = []
    for page in PAGES:
        if page.target_ratio is None or (page.key, TARGET_CLIENTS) not in rows:
            continue
        row = rows[page.key, TARGET_CLIENTS]
        met = row["ratio"] >= page.target_ratio and not row["errors"]
        wanted = f">= {page.target_ratio:g}x"
        got = f"{row['ratio']:.3f}x"
        if page.target_p99_ms is not None:
            met = met and row["p99_ms"] < page.target_p99_ms
            wanted += f" and p99 < {page.target_p99_ms:.0f} ms"
            got += f", p99 {_fmt_ms(row['p99_ms'])}"
        others = ", ".join(
            f"{level}: {rows[page.key, level]['ratio']:.3f}x"
            for (key, level) in rows
            if key == page.key and level != TARGET_CLIENTS
        )
        lines.append(
            f"- {page.label}: target {wanted} at {TARGET_CLIENTS} clients; measured {got}: "
            f"**{'met' if met else 'not met'}**" + (f" (other levels {others})" if others else "")
        )
    return lines


def section(rows: dict, facts: dict, command: str) -> str:
    by_key = {page.key: page for page in PAGES}
    lines = [
        SECTION,
        "",
        f"Measured {date.today().isoformat()} on this project's machine ({os.cpu_count()} cores, "
        f"{platform.machine()}; {facts['versions']}; load average {facts['load_start']:.2f} "
        f"before the set-up, {facts['load_measuring']:.2f} when the load began and "
        f"{facts['load_end']:.2f} at the end: other work on the machine shows here), with:",
        "",
        "```",
        command,
        "```",
        "",
        f"A throwaway database: `manage.py seed_demo`, then {ROSTER_SIZE} members of 日本部品工業 "
        f"(記号 1201) through the roster import ({facts['members']} members in all), "
        f"{facts['notices']} notices issued, {facts['applications']} open 資格確認書 "
        f"applications by the employer user and {facts['cases']} open mismatch cases. "
        "gunicorn exactly as shipped (`gunicorn -c python:portal.gunicorn portal.wsgi`: one "
        f"sync worker per core, DEBUG off, CONN_MAX_AGE {facts['conn_max_age']}, the database "
        f"cache, {facts['role']}), behind a pretend TLS proxy (`BEHIND_TLS_PROXY=1` and "
        "`X-Forwarded-Proto: https` on each request: the production HTTPS settings stay on). "
        "The load: Debian's wrk on loopback, on the same cores as the server, "
        f"`wrk -t min(c,2) -c c -d {facts['duration']}s --latency --timeout 10s` with a Lua "
        "script that counts every answer outside 200-299; signed-in pages carry the session "
        "cookie of the demo member (山田 花子's household), the clerk or the employer user "
        "(their TOTP set up), made by Django's login. Each page was checked first: 200, its "
        "own content, the size below. Sync workers close the connection after each answer, so "
        "every request is a new connection, as wrk counts it.",
        "",
        f"Each path at each level, {facts['rounds']} round{'s' * (facts['rounds'] != 1)}; "
        "/healthz first in each level of "
        "each round. req/s: mean of the rounds (each round's in the next column); p50, p99: "
        "mean of the rounds; errors: non-2xx answers and socket errors, summed; ratio: the "
        "path's req/s over /healthz's at the same level in the same round, averaged.",
        "",
        "| page | persona | size | clients | req/s | each round | p50 | p99 | errors "
        "| ratio to /healthz | CPU a request: gunicorn / PostgreSQL |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    order = {page.key: n for n, page in enumerate(PAGES)}
    for (key, level), row in sorted(rows.items(), key=lambda item: (order[item[0][0]], item[0][1])):
        page = by_key[key]
        lines.append(
            f"| {page.label} | {page.persona or 'anonymous'} | {_size(facts['sizes'][key])} "
            f"| {level} | {row['rps']:,.1f} | {' / '.join(f'{v:,.0f}' for v in row['each_rps'])} "
            f"| {_fmt_ms(row['p50_ms'])} | {_fmt_ms(row['p99_ms'])} | {_errors(row)} "
            f"| {row['ratio']:.3f}x | {row['web_cpu_ms']:.2f} / {row['database_cpu_ms']:.2f} ms |"
        )
    lines += ["", f"Targets (issue 16), at {TARGET_CLIENTS} clients:", "", *target_lines(rows)]
    return "\n".join([*lines, "", *NOTES.splitlines()]) + "\n"


NOTES = """\
How to read it:
- The ratio to /healthz is the figure to compare between runs: /healthz goes through the same
  gunicorn, loopback and middleware (no session, no query) on the same cores a few seconds
  apart, so a busy machine lowers both. req/s and latencies alone move with whatever else the
  machine runs.
- wrk runs on the same two cores as the two workers and PostgreSQL; at 32 clients requests
  queue in the listen backlog, so p50 there is mostly waiting (about clients / req/s).
- At 1 client a slow page gets few requests in a run: its p99 is close to its slowest one.
- CPU a request: user and system time of gunicorn's processes and of the PostgreSQL backends
  serving this database (from /proc) over the run, divided by its requests: where a page's cost
  lies. wrk's share, the kernel's work for the loopback and PostgreSQL's background writers are
  in neither, and a backend replaced during a run (CONN_MAX_AGE, once a minute a worker) loses
  its share of that run: the lowest database figure of a page's three levels is the suspect.
- The employer people list and the staff mismatch queue have no target; they are measured to
  keep an eye on them. Every staff and employer page here writes its audit event per request.
"""


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=int, default=DEFAULTS["duration"], help="seconds per wrk run"
    )
    parser.add_argument("--rounds", type=int, default=DEFAULTS["rounds"])
    parser.add_argument(
        "--connections", default=DEFAULTS["connections"], help="levels, comma-separated"
    )
    parser.add_argument(
        "--paths", default="", help="only these (comma-separated keys); /healthz always"
    )
    parser.add_argument("--port", type=int, default=8211)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and media afterwards"
    )
    parser.add_argument("--no-report", action="store_true", help="print only, leave docs alone")
    args = parser.parse_args()
    known = [page.key for page in PAGES]
    chosen_keys = [
        "healthz",
        *(k for k in known[1:] if not args.paths or k in args.paths.split(",")),
    ]
    if unknown := set(filter(None, args.paths.split(","))) - set(known):
        parser.error(f"unknown paths {sorted(unknown)}; known: {', '.join(known)}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")
    levels = [int(level) for level in args.connections.split(",")]
    with socket.socket() as probe:  # else another server could answer the checks below
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind(("127.0.0.1", args.port))
        except OSError:
            raise SystemExit(f"port {args.port} is taken: choose another with --port") from None

    from psycopg import sql

    load_start = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="bench-http-"))
    owner_url, app_url, owner_role = _roles()
    _prepare_environment(workdir / "media", args.port, owner_url, app_url)
    drop_database(DATABASE)
    admin(sql.SQL("CREATE DATABASE {} OWNER {}").format(
        sql.Identifier(DATABASE), sql.Identifier(owner_role)))  # fmt: skip
    server = None
    try:
        started = time.perf_counter()
        _manage("migrate", "--no-input", as_owner=True)
        _manage("createcachetable", as_owner=True)
        _manage("collectstatic", "--no-input", "-v", "0")  # production serves its manifest
        _manage("seed_demo")
        import django

        django.setup()
        from django.conf import settings
        from django.db import connections

        facts = {**seed(workdir), "load_start": load_start, "rounds": args.rounds,
                 "duration": args.duration, "versions": _versions(),
                 "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
                 "role": "the portal's own role" if owner_role != "postgres"
                 else "one superuser role: no .env roles found"}  # fmt: skip
        chosen = {key: target for key, target in targets(args.port).items() if key in chosen_keys}
        connections.close_all()
        print(f"set up in {time.perf_counter() - started:.0f} s: {facts}", flush=True)
        server = start_gunicorn(workdir / "gunicorn.log")
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(args.port, chosen["healthz"])[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(
                    "gunicorn did not answer:\n" + (workdir / "gunicorn.log").read_text()
                )
            time.sleep(0.2)
        for key, target in chosen.items():
            check(args.port, key, target)
            print(f"checked {target.path}: 200, {target.size:,} bytes", flush=True)
        script = workdir / "count.lua"
        script.write_text(WRK_SCRIPT)
        facts["load_measuring"] = os.getloadavg()[0]
        runs = measure(args.port, chosen, levels, args.rounds, args.duration, script, server.pid)
        facts["load_end"] = os.getloadavg()[0]
        if any(run["errors"] for run in runs):
            log = (workdir / "gunicorn.log").read_text(errors="replace").splitlines()
            print("errors were counted; the end of gunicorn's log:", *log[-40:], sep="\n")
        facts["sizes"] = {key: target.size for key, target in chosen.items()}
        rows = summarize(runs)
        if args.no_report:
            print(section(rows, facts, "(--no-report)"))
        else:
            command = (
                COMMAND
                + "".join(
                    f" --{name} {getattr(args, name)}"
                    for name, default in DEFAULTS.items()
                    if getattr(args, name) != default
                )
                + (f" --paths {args.paths}" if args.paths else "")
            )
            write_section(section(rows, facts, command))
            print(f"wrote {SECTION!r} in {DOC.relative_to(ROOT)}")
    finally:
        if server is not None:
            stop(server)
        if "django.db" in sys.modules:
            sys.modules["django.db"].connections.close_all()
        if not args.keep:
            drop_database(DATABASE)
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark of 資格情報のお知らせ: one render, bulk issuing with real workers, downloads.

    .venv/bin/python bench/notices.py [--runs 30] [--members 500] [--rounds 2] [--requests 400]
                                      [--concurrency 2,4,8] [--keep] [--no-report]

In a throwaway database (portal_bench_notices, created and dropped as the postgres superuser
on 127.0.0.1, trust authentication) with throwaway keys and a temporary media directory:
  (a) one notice rendered by notices.render.render_pdf (median of --runs), and, interleaved
      in the same run, bare WeasyPrint on the same HTML and CSS (a fresh HTML, CSS and font
      configuration each time: nothing cached) as the baseline; the PDF sizes;
  (b) bulk issuing: batches over --members members run by 1 and by 2 `manage.py db_worker`
      processes, alternately for --rounds rounds (notices per second from the first notice
      to the last, so worker start-up is not counted; the workers' CPU time); then the print
      file of the first batch, built by one worker: time, size, peak memory;
  (c) downloading an issued notice's PDF as a signed-in member through gunicorn
      (portal/gunicorn.py: one sync worker per core; DEBUG off) with
      N clients at once for each --concurrency level, against
      /healthz measured the same way as the baseline: median and p95 latency;
and, before and after (b), the machine's own ceiling for it: pure CPU work in 2 processes
against 1.
Then writes the section "## Notices" of docs/PERFORMANCE.md (other sections are left alone).
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import _docs
from _throwaway import SERVER, admin, drop_database, portal_env, stop
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "portal_bench_notices"
DOC = ROOT / "docs" / "PERFORMANCE.md"
SECTION = "## Notices"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
FAMILY = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("髙橋", "タカハシ"), ("田中", "タナカ"),
          ("渡邉", "ワタナベ"), ("山﨑", "ヤマザキ"), ("中村", "ナカムラ"),
          ("小林", "コバヤシ")]  # fmt: skip
GIVEN = [("花子", "ハナコ"), ("太郎", "タロウ"), ("美咲", "ミサキ"), ("健一", "ケンイチ"),
         ("結衣", "ユイ"), ("翔太", "ショウタ")]  # fmt: skip


def _prepare_environment(media: Path) -> None:
    # Self-contained: no .env, throwaway keys, so the worker and gunicorn processes started
    # below read exactly what this process does.
    os.environ.update(portal_env(media, DATABASE_URL=f"{SERVER}/{DATABASE}", LOG_LEVEL="WARNING"))


# --- data -----------------------------------------------------------------------------------


def make_members(count: int, seed: int = 20241001) -> None:
    """Households of 1-3 over four employers; about 70% with a verified number on file."""
    from members.models import Employer, Member

    rng = random.Random(seed)
    employers = [
        Employer.objects.create(kigo=str(1201 + n), name=f"第{n + 1}部品工業株式会社")
        for n in range(4)
    ]
    made = 0
    bango = 0
    while made < count:
        bango += 1
        employer = employers[bango % len(employers)]
        family, family_kana = rng.choice(FAMILY)
        head = None
        for edaban in range(min(rng.choice([1, 1, 2, 3]), count - made)):
            given, given_kana = rng.choice(GIVEN)
            on_file = rng.random() < 0.7
            member = Member.objects.create(
                employer=employer,
                kigo=employer.kigo,
                bango=str(bango),
                edaban=f"{edaban:02d}",
                relation="本人" if edaban == 0 else "子",
                insured=head,
                name=f"{family}　{given}",
                name_kana=f"{family_kana}　{given_kana}",
                sex="female",
                birth_date=date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1),
                postal_code="108-0074",
                address="東京都港区高輪1-1-1",
                acquired_on=date(2000 + rng.randrange(24), 4, 1),
                mynumber_last4=f"{rng.randrange(10000):04d}" if on_file else "",
                mynumber_status="on_file" if on_file else "none",
            )
            head = head or member
            made += 1


# --- (a) one notice ---------------------------------------------------------------------------


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _one_page_html(snapshot: dict, public_id: str) -> str:
    """The same page as one HTML document: the form and the entries layers stacked, laid
    out in one pass. What the baseline renders."""
    from notices import render

    def body(html: str, layer: str) -> str:
        return html.split(f'<body class="{layer}">')[1].split("</body>")[0]

    form = body(render.form_html(render.form_key(snapshot)), "layer-form")
    entries = body(render.entries_html([(snapshot, public_id)]), "layer-entries")
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"></head><body>'
        f'<div class="layer-form">{form}</div>'
        '<div class="layer-entries" style="position: absolute; top: 0; left: 0; width: 182mm">'
        f"{entries}</div></body></html>"
    )


def measure_render(runs: int) -> dict:
    from django.utils import timezone
    from weasyprint import CSS, HTML

    from members.models import Member
    from notices import render, services
    from portal.models import Insurer

    member = Member.objects.exclude(mynumber_last4="").order_by("pk").first()
    snapshot = services.build_snapshot(member, Insurer.current(), timezone.localdate())
    notice = [(snapshot, "b" * 32)]
    html = _one_page_html(snapshot, "b" * 32)
    css = render.STYLESHEET.read_text(encoding="utf-8")
    base_url = render.STATIC_DIR.as_uri() + "/"

    def bare() -> bytes:
        return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[CSS(string=css)])

    def fresh_form() -> bytes:
        render.form_pdf.cache_clear()
        return render.form_pdf(render.form_key(snapshot))

    for _ in range(3):  # warm both: imports, the renderer's caches, the OS page cache
        render.render_pdf(notice)
        bare()
    ours, baseline, templating, forms = [], [], [], []
    for _ in range(runs):  # interleaved, so all see the same machine
        started = time.perf_counter()
        pdf = render.render_pdf(notice)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        bare_pdf = bare()
        baseline.append(time.perf_counter() - started)
        started = time.perf_counter()
        render.entries_html(notice)
        templating.append(time.perf_counter() - started)
        started = time.perf_counter()
        fresh_form()
        forms.append(time.perf_counter() - started)
    return {
        "runs": runs,
        "render_ms": _median_ms(ours),
        "render_p90_ms": sorted(ours)[int(0.9 * runs)] * 1000,
        "bare_ms": _median_ms(baseline),
        "html_ms": _median_ms(templating),
        "form_ms": _median_ms(forms),
        "pdf_kb": len(pdf) / 1024,
        "bare_kb": len(bare_pdf) / 1024,
    }


# --- (b) bulk -------------------------------------------------------------------------------


def _start_worker(worker_id: str) -> subprocess.Popen:
    command = [PYTHON, "manage.py", "db_worker", "--queue-name", "notices", "--worker-id",
               worker_id, "--interval", "0.1", "--no-startup-delay", "--no-reload",
               "--verbosity", "0"]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _clear_queue() -> None:
    from django_tasks_db.models import DBTaskResult

    # Killed workers leave their task "running"; nothing of one round may spill into the next.
    DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).delete()


def measure_bulk(workers: int, reason: str) -> dict:
    """One batch over every member, run by `workers` worker processes; they are killed once
    the batch is finished (the print file is measured on its own)."""
    from django.conf import settings
    from django.db.models import Max, Min
    from django_tasks_db.models import DBTaskResult

    from notices.batches import services as batches
    from notices.models import NoticeBatch

    batch = batches.start_batch(reason=reason, as_of=settings.NOTICE_CUTOFF_DATE, scope="enrolled")
    started = time.perf_counter()
    processes = [_start_worker(f"bench-{reason}-{n}") for n in range(workers)]
    try:
        finished = NoticeBatch.objects.filter(pk=batch.pk, status="finished")
        _wait(finished.exists, 3600, "the batch")
        wall = time.perf_counter() - started
        cpu = sum(_cpu_seconds(process.pid) for process in processes)
        peaks = [_peak_rss_mib(process.pid) for process in processes]
    finally:
        for process in processes:
            process.kill()
            process.wait()
        _clear_queue()
    times = batch.items.aggregate(first=Min("finished_at"), last=Max("finished_at"))
    done = batch.items.filter(status="done").count()
    assert done == batch.total, (done, batch.total)
    seconds = (times["last"] - times["first"]).total_seconds()
    per_worker: dict[str, int] = {}
    chunks = 0
    for result in DBTaskResult.objects.filter(task_path="notices.tasks.run_chunk_task"):
        if result.args_kwargs["args"][0] == batch.pk and result.return_value:
            chunks += 1
            worker = result.worker_ids[0]
            per_worker[worker] = per_worker.get(worker, 0) + result.return_value["done"]
    return {
        "batch": batch.pk,
        "workers": workers,
        "notices": done,
        "chunks": chunks,
        "rate": (done - 1) / seconds,
        "wall_s": wall,
        # Worker CPU (start-up included) per notice, and the share of a core each got.
        "cpu_ms": 1000 * cpu / done,
        "core_share": cpu / (wall * workers),
        "per_worker": sorted(per_worker.values(), reverse=True),
        "peak_mib": max(peaks),
        "load": os.getloadavg()[0],
    }


def measure_print_file(batch_id: int) -> dict:
    """The print file of one finished batch, built by one worker as in production."""
    from notices.models import NoticeBatch
    from notices.tasks import build_print_file_task

    build_print_file_task.enqueue(batch_id)
    started = time.perf_counter()
    process = _start_worker("bench-print")
    try:
        with_file = NoticeBatch.objects.filter(pk=batch_id).exclude(print_file="")
        _wait(with_file.exists, 3600, "the print file")
        seconds = time.perf_counter() - started
        peak = _peak_rss_mib(process.pid)
    finally:
        process.kill()
        process.wait()
        _clear_queue()
    batch = NoticeBatch.objects.get(pk=batch_id)
    return {
        "notices": batch.total,
        "seconds": seconds,
        "mib": batch.print_file.size / 2**20,
        "peak_mib": peak,
    }


# --- (c) downloads through gunicorn -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, cookie: str) -> tuple[int, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def _load(port: int, path: str, cookie: str, requests: int, concurrency: int) -> dict:
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    remaining = iter(range(requests))

    def client() -> None:
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            started = time.perf_counter()
            status, _ = _get(port, path, cookie)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    failures.append(status)

    for _ in range(20):  # warm-up: connections, code paths, the session row
        _get(port, path, cookie)
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{path}: {len(failures)} non-200 answers, e.g. {failures[:5]}")
    latencies.sort()
    return {
        "median_ms": _median_ms(latencies),
        "p95_ms": latencies[int(0.95 * len(latencies))] * 1000,
        "per_s": len(latencies) / wall,
    }


def _service_ms(path: str, client, runs: int = 50) -> float:
    """In-process time of one request (the Django test client, no HTTP, no queueing)."""
    samples = []
    for _ in range(runs + 5):
        started = time.perf_counter()
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)  # read the file, as a server would
        samples.append(time.perf_counter() - started)
    return _median_ms(samples[5:])


def measure_downloads(requests: int, levels: list[int]) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from members.models import Member
    from notices.models import Notice
    from portal.dev.demo import ensure_account
    from portal.roles import Role

    ensure_account("bench-member@example.jp", Role.MEMBER)
    user = get_user_model().objects.get(email="bench-member@example.jp")
    head = Member.objects.filter(insured__isnull=True).order_by("pk").first()
    head.account = user
    head.save(update_fields=["account"])
    notice = Notice.objects.get(member=head, superseded_by__isnull=True)
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = _free_port()
    server = subprocess.Popen(
        [
            GUNICORN,
            "-c",
            "python:portal.gunicorn",
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
    )
    try:
        _wait(lambda: _answers(port), 30, "gunicorn")
        pdf_path = f"/member/notices/{notice.pk}/pdf/"
        status, size = _get(port, pdf_path, cookie)
        if status != 200 or size != notice.pdf.size:
            raise SystemExit(f"download answered {status} with {size} bytes")
        rows = [
            {
                "concurrency": level,
                "health": _load(port, "/healthz", cookie, requests, level),
                "download": _load(port, pdf_path, cookie, requests, level),
            }
            for level in levels
        ]
    finally:
        stop(server)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return {
        "requests": requests,
        "pdf_kb": size / 1024,
        "rows": rows,
        "service_health_ms": _service_ms("/healthz", client),
        "service_download_ms": _service_ms(pdf_path, client),
    }


# --- the machine's own ceiling ---------------------------------------------------------------


def _spin(_: int) -> float:
    started = time.perf_counter()
    total = 0
    for value in range(20_000_000):
        total += value
    return time.perf_counter() - started


def measure_ceiling() -> float:
    """What 2 processes get over 1 for pure CPU work, now, on this machine: the most any
    2-worker speed-up can show while other work shares the cores."""
    from multiprocessing import get_context

    alone = _spin(0)
    with get_context("spawn").Pool(2) as pool:
        pair = max(pool.map(_spin, [0, 1]))
    return 2 * alone / pair


def _answers(port: int) -> bool:
    try:
        return _get(port, "/healthz", "")[0] == 200
    except OSError:
        return False


# --- report ---------------------------------------------------------------------------------


def _section(results: dict, members: int, command: str) -> str:
    render, bulk, downloads = results["render"], results["bulk"], results["downloads"]
    printed = results["print_file"]
    one = statistics.median(row["rate"] for row in bulk if row["workers"] == 1)
    two = statistics.median(row["rate"] for row in bulk if row["workers"] == 2)
    lines = [
        SECTION,
        "",
        f"Measured {date.today().isoformat()} on this project's machine ({os.cpu_count()} "
        f"cores, {platform.machine()}, Python {platform.python_version()}, PostgreSQL on the "
        f"same host; load average {results['load_start']:.2f} at the start and "
        f"{os.getloadavg()[0]:.2f} at the end: other work on the machine shows here), with:",
        "",
        "```",
        command,
        "```",
        "",
        "### One notice rendered",
        "",
        f"Median of {render['runs']} runs, in one process, interleaved with the baseline: bare "
        "WeasyPrint (a fresh `HTML`, `CSS` and font configuration each time) on the same page "
        "as one HTML document (both layers stacked, laid out in one pass) and the same CSS. "
        "`render_pdf` lays out the entries layer only, over the form layer it rendered once "
        "for this insurer and digits rule (the form row: what that first time costs), and "
        "draws one over the other; it also builds the entries' HTML (template, QR code, glyph "
        "check).",
        "",
        "| | median | ratio to bare WeasyPrint | PDF size | target |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| `render.render_pdf` | {render['render_ms']:.0f} ms (p90 "
        f"{render['render_p90_ms']:.0f} ms) | {render['render_ms'] / render['bare_ms']:.2f}x | "
        f"{render['pdf_kb']:.1f} KB | < 80 ms, < 60 KB |",
        f"| of which the entries' HTML (template, QR) | {render['html_ms']:.1f} ms | | | |",
        f"| the form, once per process | {render['form_ms']:.0f} ms | "
        f"{render['form_ms'] / render['bare_ms']:.2f}x | | |",
        f"| bare WeasyPrint | {render['bare_ms']:.0f} ms | 1.00x | {render['bare_kb']:.1f} KB | |",
        "",
        "### Bulk issuing",
        "",
        f"Batches over {members:,} members (households of 1-3, four employers) run by real "
        "`manage.py db_worker --queue-name notices` processes, 1 and 2 workers alternately "
        f"(rounds: {results['rounds']}, so a busy spell on the machine does not land on one "
        "side only). Rate: notices from the first to the last (worker start-up not counted). "
        "Each notice is rendered, stored with its SHA-256, supersedes the previous one and is "
        "audited, ten to a transaction (not waiting for the WAL flush). CPU: the workers' "
        "user+system time per notice (start-up included); core share: that CPU over wall "
        "clock per worker (1.0 = a whole core to itself).",
        "",
        "| batch | workers | notices | chunks | notices/s | per worker | each worker issued "
        "| CPU per notice | core share | load avg after | worker peak RSS |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in bulk:
        lines.append(
            f"| {row['batch']} | {row['workers']} | {row['notices']:,} | {row['chunks']} "
            f"| {row['rate']:.1f} | {row['rate'] / row['workers']:.1f} "
            f"| {', '.join(map(str, row['per_worker']))} | {row['cpu_ms']:.0f} ms "
            f"| {row['core_share']:.2f} | {row['load']:.2f} | {row['peak_mib']:.0f} MiB |"
        )
    lines += [
        "",
        f"Median rate: 1 worker {one:.1f} notices/s, 2 workers {two:.1f}: **{two / one:.2f}x** "
        f"(target >= 1.7x); per worker {one:.1f} notices/s (target >= 25/s). The machine's "
        "own ceiling, measured in the same run before and after the batches: two processes of "
        f"pure Python arithmetic got **{results['ceiling'][0]:.2f}x** and "
        f"**{results['ceiling'][1]:.2f}x** one.",
        "",
        f"Print file of batch {results['bulk'][0]['batch']} ({printed['notices']:,} notices, "
        f"built by one worker as the batch's last task): {printed['seconds']:.1f} s, "
        f"{printed['mib']:.1f} MiB, worker peak RSS {printed['peak_mib']:.0f} MiB (the "
        f"issuing workers peaked at {max(r['peak_mib'] for r in bulk):.0f} MiB).",
        "",
        "### Downloading an issued notice",
        "",
        "gunicorn as configured in portal/gunicorn.py (one sync worker per core), "
        "DEBUG off; N clients at once (threads of the bench process, "
        f"on the same cores), {downloads['requests']} requests per path and level, a new "
        "connection per request, a signed-in member's session cookie on both paths. The "
        "download checks the household, writes its audit event and streams the stored "
        f"{downloads['pdf_kb']:.0f} KB file. In-process (Django test client, no HTTP, no "
        f"queueing) one request takes {downloads['service_download_ms']:.1f} ms (download) and "
        f"{downloads['service_health_ms']:.1f} ms (`/healthz`).",
        "",
        "| clients | `/healthz` median | p95 | req/s | download median | p95 | req/s "
        "| download / healthz (median) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in downloads["rows"]:
        health, download = row["health"], row["download"]
        lines.append(
            f"| {row['concurrency']} | {health['median_ms']:.1f} ms | {health['p95_ms']:.1f} ms "
            f"| {health['per_s']:.0f} | {download['median_ms']:.1f} ms "
            f"| {download['p95_ms']:.1f} ms | {download['per_s']:.0f} "
            f"| {download['median_ms'] / health['median_ms']:.1f}x |"
        )
    lines += ["", "Target: download median < 20 ms.", "", *NOTES.splitlines()]
    return "\n".join(lines).rstrip("\n") + "\n"


NOTES = """\
How to read it:
- Bare WeasyPrint lays out the whole page for every notice: about 50 ms of layout (the
  guidance's Japanese lines, the tables, the card) and 25 ms of painting and writing. The
  renderer lays out the form once per process (the "form" row) and, per notice, only the
  entries (about 15 text lines and the QR code: 15 ms of layout, 7 ms of writing), then draws
  them over the form with pikepdf (under 2 ms). What is left per notice is mostly WeasyPrint's
  fixed cost per document: the style cascade of each element, a Pango layout per line, one
  font subset.
- A notice in bulk costs its render plus the database work (item lock, member lock, version,
  insert, supersede, audit, item update: a few milliseconds, ten items to a transaction). The
  households' e-mails are tasks of the "default" queue, not run by these workers: a slow mail
  server must not hold up issuing.
- The 2-worker speed-up is bounded by what the machine gives two processes at that moment
  (the ceiling, and the core share column). CPU per notice, unlike the rate, hardly depends
  on that: it is the figure to compare. Bare WeasyPrint's time on the same page tells how fast
  the machine was during the run (between runs on this machine it has varied by a third).
- Downloads: a download is five database round trips (session, user, roles, the notice, the
  audit INSERT and its commit) and the file, about 6 ms of a worker's CPU plus the database's
  share; the two cores answer about 300 a second. With N clients at once the median is about
  N / that rate: under 20 ms up to 4 clients (two per core), over it at 8, where each request
  waits for about three ahead of it. The clients themselves use a tenth of a core. Tried
  without gain (ad-hoc runs, same machine): 3 or 4 sync workers and gthread workers (slower),
  no connection health checks, server-side parameter binding (slower), user and roles in one
  query (an aggregate as slow as the second query), not waiting for the WAL flush at the
  audit commit (5-10%, not worth a lost audit event); dropping the LocaleMiddleware (Japanese
  only) took 0.5 ms off every request.
- The print file is rendered in parts of 100 notices and joined (notices.batches.pdfjoin), each part
  embedding its forms and its entries' fonts once, so a worker's memory is that of one part,
  whatever the batch size.
"""


def write_section(text: str) -> None:
    """Replace this benchmark's section of docs/PERFORMANCE.md, leaving the others alone."""
    _docs.write_section(DOC, text, "Performance")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2, help="1-worker/2-worker rounds")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument(
        "--concurrency", default="2,4,8", help="clients at once, comma-separated levels"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-report", action="store_true", help="print only, leave docs alone")
    args = parser.parse_args()

    media = Path(tempfile.mkdtemp(prefix="bench-notices-"))
    _prepare_environment(media)
    drop_database(DATABASE)
    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from portal.dev.demo import ensure_insurer

    try:
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        ensure_insurer()
        make_members(args.members)
        levels = [int(level) for level in args.concurrency.split(",")]
        results = {"load_start": os.getloadavg()[0], "rounds": args.rounds}
        ceiling_before = measure_ceiling()
        print(f"2 processes / 1 for pure CPU: {ceiling_before:.2f}x")
        results["render"] = measure_render(args.runs)
        print(f"render: {results['render']}")
        results["bulk"] = []
        for round_ in range(args.rounds):
            for workers in (1, 2):
                reason = "initial" if not results["bulk"] else "reissue"
                results["bulk"].append(measure_bulk(workers, reason))
                print(f"bulk, round {round_ + 1}: {results['bulk'][-1]}")
        results["ceiling"] = (ceiling_before, measure_ceiling())
        print(f"2 processes / 1 for pure CPU, after: {results['ceiling'][1]:.2f}x")
        results["print_file"] = measure_print_file(results["bulk"][0]["batch"])
        print(f"print file: {results['print_file']}")
        results["downloads"] = measure_downloads(args.requests, levels)
        print(f"downloads: {results['downloads']}")
        if not args.no_report:
            command = ".venv/bin/python bench/notices.py"
            for name, default in [("runs", 30), ("members", 500), ("rounds", 2),
                                  ("requests", 400), ("concurrency", "2,4,8")]:  # fmt: skip
                if getattr(args, name) != default:
                    command += f" --{name} {getattr(args, name)}"
            write_section(_section(results, args.members, command))
            print(f"wrote {SECTION!r} in {DOC.relative_to(ROOT)}")
    finally:
        connections.close_all()
        if not args.keep:
            drop_database(DATABASE)
            shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()

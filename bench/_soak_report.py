"""The soak's summary on the console and its page, docs/RELIABILITY.md (written whole: the page
is this script's alone)."""

from __future__ import annotations

import os
import platform
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "RELIABILITY.md"


def command(args) -> str:
    text = ".venv/bin/python bench/soak.py"
    for name, default in (("duration", 600), ("members", 500), ("users", 8)):
        if getattr(args, name) != default:
            text += f" --{name} {getattr(args, name):g}"
    return text


def print_summary(results: dict) -> None:
    for t, label in results["timeline"]:
        print(f"  {t:7.1f} s  {label}")
    http = results["http"]
    print(f"requests: {http['requests']}, by status {http['by_status']}")
    print(f"5xx/unanswered inside windows {http['bad_inside']}, outside {http['bad_outside']}")
    for example in http["bad_outside_examples"]:
        print(f"  outside: {example}")
    for name, phase in http["phases"].items():
        print(f"  {name}: {phase}")
    for row in results["memory"]["rows"]:
        print(f"  memory: {row}")
    for row in results["batches"]["rows"]:
        print(f"  batch: {row}")
    print(f"worker exits: {results['worker_exits']}")
    print(f"notice tasks that did not succeed: {results['interrupted_tasks']}")
    print(f"operator: {results['operator']}")
    for criterion, ok in results["criteria"].items():
        print(f"{'SKIP' if ok is None else 'PASS' if ok else 'FAIL'}  {criterion}")


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _timeline(results: dict) -> list[str]:
    lines = ["Seconds since gunicorn was started.", "", "| time | event |", "| ---: | --- |"]
    lines += [f"| {t:.1f} s | {label} |" for t, label in results["timeline"]]
    return lines


def _http(results: dict) -> list[str]:
    http = results["http"]
    windows = results["windows"]
    lines = [
        f"{http['requests']:,} requests; answers by status: "
        + ", ".join(
            f"{'no answer' if int(status) == 0 else status}: {n:,}"
            for status, n in http["by_status"].items()
        )
        + ".",
        "",
        "| restart window | from | to | length | 5xx or unanswered in it |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for window in windows:
        lines.append(
            f"| {window['what']} | {window['start']:.1f} s | {window['end']:.1f} s "
            f"| {window['end'] - window['start']:.1f} s | {http['per_window'][window['what']]} |"
        )
    lines += [
        "",
        f"**5xx or unanswered outside the windows: {http['bad_outside']}** "
        f"(inside: {http['bad_inside']}).",
        "",
        "| phase | requests | per second | p50 | p99 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, phase in http["phases"].items():
        lines.append(
            f"| {name} | {phase['requests']:,} | {phase['per_s']:.1f} | {_ms(phase['p50_ms'])} "
            f"| {_ms(phase['p99_ms'])} |"
        )
    lines += ["", "| request | count | p50 | p99 |", "| --- | ---: | ---: | ---: |"]
    for path, row in results["http"]["paths"].items():
        lines.append(
            f"| `{path}` | {row['requests']:,} | {_ms(row['p50_ms'])} | {_ms(row['p99_ms'])} |"
        )
    return lines


def _memory(results: dict) -> list[str]:
    lines = [
        "| process | pid | sampled | first | last | peak | compared | verdict |",
        "| --- | ---: | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for row in results["memory"]["rows"]:
        compared = (
            f"{row['start']:.0f} MiB at {row['since']:.0f} s → {row['end']:.0f} MiB"
            if "start" in row
            else "(not warm for three samples)"
        )
        lines.append(
            f"| {row['role']} | {row['pid']} | {row['from']:.0f}-{row['to']:.0f} s "
            f"| {row['first']:.0f} MiB | {row['last']:.0f} MiB | {row['peak']:.0f} MiB "
            f"| {compared} | {row['verdict']} |"
        )
    return lines


def _batches(results: dict) -> list[str]:
    lines = [
        "| batch | members | started | last item done | status | print file | items | notices "
        "| duplicates | missing | failed items (reason) |",
        "| ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for row in results["batches"]["rows"]:
        items = ", ".join(f"{k} {v}" for k, v in sorted(row["items"].items()))
        failures = "; ".join(f"{n} × {e}" for e, n in row["failures"].items()) or "none"
        lines.append(
            f"| {row['batch']} | {row['total']} | {row['started']:.1f} s "
            f"| {row['last_item']:.1f} s | {row['status']} "
            f"| {'yes' if row['print_file'] else 'no'} | {items} | {row['notices']} "
            f"| {row['duplicates']} | {row['missing']} | {failures} |"
        )
    lines += [
        "",
        "Members with two current (not superseded) notices: "
        f"{results['batches']['members_with_two_current']}.",
    ]
    return lines


def _exits(results: dict) -> list[str]:
    lines = [
        f"- {e['t']:.1f} s: db_worker {e['worker']}: {e['how']}, started again by the supervisor"
        for e in results["worker_exits"]
    ] or ["- No db_worker exited but the one killed on purpose."]
    tasks = results.get("interrupted_tasks", [])
    lines += ["", "Notice tasks that did not succeed (each chunk's items stayed pending):", ""]
    lines += [
        f"- {t['task']} started at {t['started']:.1f} s on {t['worker']}: "
        + ("left running (its worker died)" if t["status"] == "RUNNING" else "failed")
        + (f", `{t['error']}`" if t["status"] == "FAILED" and t["error"] else "")
        for t in tasks
    ] or ["- none"]
    operator = results["operator"]
    if operator.get("resumed"):
        lines += [
            "",
            f"Batches {operator['batches']} had pending items and no task that a live worker "
            "would run: a worker that records its task as failed keeps running, so no restart "
            "resumed them. The operator's `manage.py resume_notice_batches` at "
            f"{operator['t']:.1f} s did (timeline).",
        ]
    return lines


def write(results: dict, narrative: str | None = None) -> None:
    narrative = narrative or NARRATIVE
    load_before, load_after = results["load_before"], results["load_after"]
    verdicts = [
        f"- {'skipped (run too short)' if ok is None else 'PASS' if ok else '**FAIL**'}: "
        f"{criterion}"
        for criterion, ok in results["criteria"].items()
    ]
    head = narrative.split("<!-- figures -->")
    lines = [
        head[0].rstrip("\n"),
        "",
        f"Measured {date.today().isoformat()} on this project's machine ({os.cpu_count()} cores, "
        f"{platform.machine()}, Python {platform.python_version()}), with:",
        "",
        "```",
        results["command"],
        "```",
        "",
        f"Load average (1, 5, 15 min) {', '.join(f'{v:.2f}' for v in load_before)} before and "
        f"{', '.join(f'{v:.2f}' for v in load_after)} after: the machine was shared with other "
        "work, which shows in the latencies.",
        "",
        *verdicts,
        "",
        "### Timeline",
        "",
        *_timeline(results),
        "",
        "### Requests",
        "",
        *_http(results),
        "",
        "### Task workers",
        "",
        *_exits(results),
        "",
        "### Notice batches",
        "",
        *_batches(results),
        "",
        "### Memory (RSS, every 10 s)",
        "",
        *_memory(results),
        "",
        head[1].strip("\n") if len(head) > 1 else "",
    ]
    DOC.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


NARRATIVE = """\
# Reliability

What the portal does when parts of it fail under load, measured by a soak test: the portal
as deployed (gunicorn, task workers, PostgreSQL) serving members, staff and employers for ten
minutes while a task worker and a web worker are killed and PostgreSQL is restarted, with
bulk issuing of 資格情報のお知らせ running across both. Performance figures are in
PERFORMANCE.md; this page is about staying correct and available.

## The soak (`bench/soak.py`)

Run as root on a Debian machine with PostgreSQL 15 installed (nothing else is needed; the
shared PostgreSQL server is never touched):

```sh
.venv/bin/python bench/soak.py                  # ten minutes, rewrites this page
.venv/bin/python bench/soak.py --duration 60 --no-report   # a quick try, about three minutes
```

What it sets up, all of it throwaway and removed at the end (`--keep` leaves it):

- its own PostgreSQL 15 cluster (`initdb` as the `postgres` OS user in a temporary directory,
  trust authentication), answering on a Unix socket named for port 55432. Not TCP: on a shared
  machine 55432 lies in Linux's ephemeral port range, and other processes' client sockets
  (even in TIME_WAIT) held it often enough that the postmaster could not bind, at start or,
  worse, at the restart under test;
- the two roles as `make` creates them (`portal.dev.setup.role_statements`): the owner runs
  `migrate` and `createcachetable` (`DATABASE_AS_OWNER=1`), the portal connects as the role
  that owns nothing; `collectstatic`; the demo data (`manage.py seed_demo`) plus 500 members
  of four employers in households of one to three; 24 member accounts with their households'
  first notices, three clerks, five employer users; throwaway keys and media directory;
- with `DEBUG` off and the shipped settings (`CONN_MAX_AGE` 60, `CONN_HEALTH_CHECKS` on, the
  database cache): gunicorn exactly as deployed (`gunicorn -c python:portal.gunicorn
  portal.wsgi`: one sync worker per core, two here) on 127.0.0.1:8251, and two
  `manage.py db_worker --queue-name '*'` processes, which the script keeps running as the
  shipped systemd units do (`deploy/systemd/portal-worker@.service`: `Restart=always`,
  `RestartSec=5`, and `portal-resume.service`, that is `manage.py resume_notice_batches`,
  before each start): a worker that exits is started again 5 s later, after the resume; the
  exit, the resume's answer and the start are recorded.

The load: eight virtual users (threads of the script, `http.client`, a new connection per
request since sync workers do not keep connections alive), each pausing 0.2-0.8 s between
requests. Four are members, who sign in through the login form (password hash and all) and
open their dashboard, one of the notices linked there and its PDF. Two are clerks, who search
by kana, by 記号-番号 or by kanji name and open two member pages from the results (each view
audited). Two are employer users, who list their people, open one, and three times in ten
open the 資格確認書 application for that household and submit it (a person with an
application pending is refused with a message, as designed). Staff and employer sessions are
made directly (their TOTP step is the browser's, not under test here).

The timeline, D being the duration: at D/3 a notice batch (再交付 to everyone enrolled) starts;
once a chunk of it runs on worker w1 and a tenth of it is done, w1 and one gunicorn worker get
SIGKILL; the supervisor starts w1 again, gunicorn replaces its own. At 2D/3 a second batch starts
and, once running, PostgreSQL is restarted (`pg_ctl restart -m fast`). At D the load stops; the
script waits for the batches and their print files. A batch with work left that no live
worker will do (a worker that failed a task without exiting is not restarted, so nothing
resumes it) gets what an operator runs after a crash, `manage.py resume_notice_batches`.

Recorded: every response (start, end, role, path with ids folded, status; no answer at all
counts as status 0), the restart windows (the kill: from the SIGKILL until gunicorn has
replaced its worker; the restart: from `pg_ctl restart` until it returns with the server
accepting connections; a request counts as inside when its span overlaps a window), the RSS
of every gunicorn and db_worker process every 10 s (`/proc/<pid>/status`), and at the end the
database.

The criteria, computed and printed; the script exits 1 if one fails:

1. no 5xx and no unanswered request outside the restart windows;
2. memory flat: each process's RSS at the end within 15% + 8 MiB of its RSS once warm
   (gunicorn: a minute after it started; db_worker: after its first chunk and its first print
   file, the two one-off growths: fonts and the form layer, the print file's buffers; a
   process with fewer than three samples after that is not judged, and a run too short to
   judge any gunicorn worker skips the criterion);
3. each batch finished with its print file; every item done, or failed for a reason staff act
   on (no 負担割合 on file, a glyph the font lacks, no insurer; never 予期しないエラー); exactly
   one notice of the batch per done item, none twice, none missing; and no member with two
   current notices.

## Last run

<!-- figures -->

### How to read it

- The latencies are those of a machine shared with other work (the load averages above, on
  two cores): they show that nothing piles up across the faults, not how fast the portal is
  (PERFORMANCE.md). Signing in is slow by design (the password hash), and the first minute
  holds every member's sign-in.
- The 5xx inside the restart window are requests in flight when PostgreSQL stopped or
  arriving before it accepted connections again; each answered with the portal's error page.
  An unanswered request in the kill window, if any, is the one the killed gunicorn worker
  was serving.
- The 404s are members following a link to a notice that the running batch superseded a
  moment before (below); the dashboard then links the new one.
- A db_worker's RSS grows once with its first notice (fonts, the form layer) and once with its
  first print file; after that it should stay level, which is what the comparison checks.
  A worker restarted late in the run has too few samples after those steps to be judged.

## What recovers, and how

- **Web requests across a database restart: `CONN_HEALTH_CHECKS`.** Each gunicorn worker keeps
  its connection for `CONN_MAX_AGE` (60 s). With health checks on, Django checks a kept
  connection before the first query of each request and opens a new one if it is broken. So
  after the restart the first request of each worker reconnects and succeeds; only requests
  in flight when the server stops, or arriving while it is down (about two seconds), fail,
  with the portal's error page (500). A request whose query failed leaves its connection
  marked unusable, and it is closed at the end of that request.
- **A web worker killed: gunicorn.** The master starts a new worker at once (well under a
  second here); the request in flight on the killed one gets no answer (the connection
  drops), the other worker serves everyone meanwhile.
- **A task worker losing its database mid-chunk: it reconnects.** The batch engine
  (`portal/batching/engine.py`, `reconnecting`) closes the broken connection and works the step
  again after 1, 2, 4, 8 and 16 s, about half a minute in all, more than a restart or a managed
  failover takes; every step is idempotent, so a step that half ran is simply run again. The
  batch's print file is built the same way. The soak's
  PostgreSQL restart shows it: the batch under way finished about ten seconds after the
  restart, with no one resuming it. Only a longer outage fails the chunk; its items stay
  pending for a resume (below).
- **A task worker killed: the supervisor, then batch resume.** django-tasks-db has no retries
  and no recovery of dead workers. A worker killed mid-chunk leaves its task marked running for
  ever. Nothing is lost: the state is in the batch items, never in the queue. Items are issued
  ten to a transaction (`FOR UPDATE SKIP LOCKED`, pending ones only), so the interrupted group
  rolls back and stays pending, the other chunks go on, and the batch waits, unfinished, for its
  pending items. Its commits skip waiting for the WAL flush (`synchronous_commit` off, only for
  this idempotent work): a fast shutdown flushes them anyway, and in a crash the lost ones are
  simply pending again. The shipped worker unit starts an exited worker again 5 s later, after
  `portal-resume.service` (`manage.py resume_notice_batches`), so a worker that died brings its
  batch back by itself; the soak's restarts do exactly that.
- **Exactly once: the item lock and the unique constraint.** `resume_notice_batches` enqueues
  a chunk for every pending item of every running batch (and the print file of a finished
  batch that lacks it). Chunks enqueued twice, or run by two workers at once, meet the same
  items: the row lock lets one worker have each item, and an item already done is not pending;
  the unique constraint on (batch, member) of a notice is the belt. A PDF written by a
  transaction that then rolled back is an orphan file, removed by the daily
  `manage.py remove_orphan_pdfs`.
- **Members' 404s during a batch.** A member's notice page and PDF show the current notice only.
  A reissue batch superseding a notice between the dashboard and the click answers 404 (the
  dashboard then links the new one). These are the 404s in the figures; they are not failures.

## What an operator does

- **Run the task workers under a supervisor** that restarts them, as the shipped units do
  (`deploy/systemd/portal-worker@.service`): a worker that dies comes back, after a resume.
- **After an outage of the database longer than half a minute, and after any crash of a
  worker or the host, run `manage.py resume_notice_batches`** (`make run` runs it before
  starting its worker; the shipped worker unit before every start). It is idempotent and safe
  while workers run: run it whenever in doubt. Staff can do the same for one batch with 再開
  on its page (`/staff/notice-batches/<id>/`). The sign of a batch that needs it: its
  progress stops while items are pending and no worker is busy.
- **Nothing to do for the web side**: gunicorn replaces its workers and the connections heal
  themselves. Point the load balancer's readiness probe at `/readyz` (503 while the database,
  or the object store where one is set, does not answer) and the liveness probe at `/healthz`.
- Keep the daily `manage.py remove_orphan_pdfs`. Tasks of dead workers stay marked running in
  django-tasks-db's table: history, not work; `resume_notice_batches` never looks at them.
"""

"""The soak's data and verdicts: the members and accounts it adds, the batches it starts, and
the criteria computed from the recorded responses, memory samples and the database.

Everything here runs in the soak process with Django set up (after the environment is)."""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from datetime import date

from _names import FAMILY_NAMES, FEMALE_NAMES, MALE_NAMES
from _soak_load import Persona, Recorder, run_user

PASSWORD = "soak-password-2026"  # throwaway accounts in a throwaway database
MEMBER_ACCOUNTS = 24  # households with a signed-in member
CLERKS = 3
EMPLOYERS = 4
THINK = (0.2, 0.8)  # seconds between a user's requests
# Items may fail only for reasons staff act on (a glyph, no insurer, no 負担割合 on file:
# notices.batches.services.failure_reason), never "予期しないエラー".
EXPECTED_FAILURE = (
    "お知らせの書体にない文字",
    "保険者情報が登録されていません",
    "負担割合が登録されていない",
)
MEMORY_SLACK = (1.15, 8.0)  # end <= start * 1.15 + 8 MiB
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Shutdown)\b: ")


def seed(count: int) -> dict:
    """Four employers with `count` members in households of 1-3; member, clerk and employer
    accounts; the first notices of the households members sign in to."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from eligibility.employers.services import ensure_link
    from members.models import Employer, Member
    from notices.services import issue_notice
    from portal.dev.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_account
    from portal.roles import Role

    rng = random.Random(20261205)
    with transaction.atomic():
        employers = [
            Employer.objects.create(kigo=str(2101 + n), name=f"第{n + 1}精機工業株式会社")
            for n in range(EMPLOYERS)
        ]
        heads: list[Member] = []
        bango = made = 0
        while made < count:
            bango += 1
            employer = employers[bango % EMPLOYERS]
            family, family_kana = rng.choice(FAMILY_NAMES[:40])
            head = None
            for edaban in range(min(rng.choice([1, 1, 2, 3]), count - made)):
                given, given_kana = rng.choice(rng.choice([MALE_NAMES, FEMALE_NAMES]))
                on_file = rng.random() < 0.7
                member = Member.objects.create(
                    employer=employer, kigo=employer.kigo, bango=str(bango),
                    edaban=f"{edaban:02d}", relation="本人" if edaban == 0 else "子",
                    insured=head, name=f"{family}　{given}",
                    name_kana=f"{family_kana}　{given_kana}", sex="female",
                    birth_date=date(1962 + rng.randrange(40), 1 + rng.randrange(12), 1),
                    postal_code="108-0074", address="東京都港区高輪1-1-1",
                    acquired_on=date(2000 + rng.randrange(24), 4, 1),
                    mynumber_last4=f"{rng.randrange(10000):04d}" if on_file else "",
                    mynumber_status="on_file" if on_file else "none",
                )  # fmt: skip
                heads += [] if head else [member]
                head = head or member
                made += 1
        members = [Persona("member", email=DEMO_ACCOUNTS[Role.MEMBER], password=DEMO_PASSWORD)]
        for n, head in enumerate(heads[:MEMBER_ACCOUNTS]):
            email = f"soak-member-{n}@example.jp"
            ensure_account(email, Role.MEMBER, password=PASSWORD)
            head.account = get_user_model().objects.get(email=email)
            head.save(update_fields=["account"])
            members.append(Persona("member", email=head.account.email, password=PASSWORD))
        now = timezone.now()
        for person in Member.objects.filter(
            employer__in=employers, bango__in=[h.bango for h in heads[:MEMBER_ACCOUNTS]]
        ):
            issue_notice(person, "initial", now=now, notify=False)

    def direct(email: str, role: Role) -> dict[str, str]:
        """A session made directly (the second factor is the browser's step, not under test)."""
        ensure_account(email, role, password=PASSWORD)
        client = Client()
        client.force_login(get_user_model().objects.get(email=email))
        return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}

    searches = [{"q": kana.lower()} for _, kana in FAMILY_NAMES[:40]]
    searches += [{"q": f"{e.kigo}-{rng.randrange(1, bango)}"} for e in employers for _ in range(5)]
    searches += [{"q": family} for family, _ in FAMILY_NAMES[:10]]
    clerks = [Persona("clerk", direct(DEMO_ACCOUNTS[Role.CLERK], Role.CLERK), searches=searches)]
    clerks += [
        Persona("clerk", direct(f"soak-clerk-{n}@example.jp", Role.CLERK), searches=searches)
        for n in range(1, CLERKS)
    ]
    employer_users = [Persona("employer", direct(DEMO_ACCOUNTS[Role.EMPLOYER], Role.EMPLOYER))]
    for n, employer in enumerate(employers):
        email = f"soak-employer-{n}@example.jp"
        ensure_account(email, Role.EMPLOYER, password=PASSWORD)
        ensure_link(get_user_model().objects.get(email=email), employer)
        employer_users.append(Persona("employer", direct(email, Role.EMPLOYER)))
    return {"member": members, "clerk": clerks, "employer": employer_users}


def users(
    world: dict, count: int, port: int, recorder: Recorder, stop: threading.Event
) -> list[threading.Thread]:
    """Half members, a quarter clerks, a quarter employers; each thread its own personas."""
    roles = ["member", "clerk", "member", "employer"]
    plan = [roles[n % len(roles)] for n in range(count)]
    threads = []
    for n, role in enumerate(plan):
        mates = [i for i, r in enumerate(plan) if r == role]
        mine = world[role][mates.index(n) :: len(mates)] or world[role][:1]
        threads.append(
            threading.Thread(
                target=run_user, args=(port, mine, recorder, stop, 1000 + n, THINK), daemon=True
            )
        )
    return threads


# --- batches -------------------------------------------------------------------------------


def start_batch(timeline: list, now) -> int:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from notices.batches import services as batches
    from portal.dev.demo import DEMO_ACCOUNTS
    from portal.roles import Role

    supervisor = get_user_model().objects.get(email=DEMO_ACCOUNTS[Role.SUPERVISOR])
    batch = batches.start_batch(
        reason="reissue", as_of=timezone.localdate(), scope="enrolled", actor=supervisor
    )
    timeline.append((now(), f"notice batch {batch.pk} started ({batch.total} members, 再交付)"))
    return batch.pk


def wait_running(batch_id: int, slot: str | None, processes, timeout: float = 60) -> str:
    """Until a chunk of the batch runs (on `slot`'s worker, if given) and a tenth is done;
    returns what was seen, for the timeline."""
    from django_tasks_db.models import DBTaskResult

    from notices.models import NoticeBatchItem

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = DBTaskResult.objects.filter(
            status="RUNNING", task_path="notices.tasks.run_chunk_task"
        )
        if slot:
            running = running.filter(worker_ids__icontains=f"{slot}-{processes.generation[slot]}")
        items = NoticeBatchItem.objects.filter(batch_id=batch_id)
        done = items.exclude(status="pending").count()
        if any(r.args_kwargs["args"][0] == batch_id for r in running) and done * 10 >= (
            items.count()
        ):
            return f"batch {batch_id}: {done}/{items.count()} items done, a chunk running"
        time.sleep(0.1)
    return f"batch {batch_id}: no chunk seen running within {timeout:.0f} s"


def _unfinished(batch_ids: list[int]) -> list[int]:
    from notices.models import NoticeBatch

    finished = NoticeBatch.objects.filter(pk__in=batch_ids, status="finished").exclude(
        print_file=""
    )
    return sorted(set(batch_ids) - set(finished.values_list("pk", flat=True)))


def _queued_or_running(processes) -> int:
    """Notice tasks waiting, or running on a worker that is alive: work still under way."""
    from django_tasks_db.models import DBTaskResult

    live = {f"{slot}-{processes.generation[slot]}" for slot in processes.workers}
    tasks = DBTaskResult.objects.filter(queue_name="notices", status__in=["READY", "RUNNING"])
    return sum(
        1
        for status, ids in tasks.values_list("status", "worker_ids")
        if status == "READY" or (ids and ids[-1] in live)
    )


def finish_batches(batch_ids, timeline, processes, log, manage) -> dict:
    """Wait for the batches and their print files. A batch is stuck when it is unfinished and
    no notice task is waiting or running on a live worker (a dead worker's task stays
    "running" for ever): it gets the operator's `manage.py resume_notice_batches`, then is
    waited for again."""
    from django.db import connections

    def stuck() -> list[int]:
        connections.close_all()  # the server may have restarted since this thread's last query
        unfinished = _unfinished(batch_ids)
        return unfinished if unfinished and not _queued_or_running(processes) else []

    operator: dict = {"resumed": False}
    deadline = time.monotonic() + 900
    while _unfinished(batch_ids) and time.monotonic() < deadline:
        # Twice, a few seconds apart: a chunk may be between its enqueue and its start.
        if stuck() and (time.sleep(5) or stuck()):
            break
        time.sleep(0.5)
    if stuck_now := stuck():
        operator = {"resumed": True, "batches": stuck_now, "t": processes.now()}
        output = manage(log, "resume_notice_batches").strip()
        timeline.append((processes.now(), f"batches {stuck_now} stuck: operator runs "
                                          f"resume_notice_batches: {output}"))  # fmt: skip
        while _unfinished(batch_ids) and time.monotonic() < deadline + 600:
            time.sleep(0.5)
            connections.close_all()
    timeline.append((processes.now(), f"batches finished: {not _unfinished(batch_ids)}"))
    return operator


# --- verdicts ------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _inside(record, windows: list[dict]) -> bool:
    return any(record.start <= w["end"] and record.end >= w["start"] for w in windows)


def responses(records, windows: list[dict], timeline) -> dict:
    kill = next(w["start"] for w in windows if w["what"] == "worker kill")
    restart = next(w["start"] for w in windows if w["what"] == "PostgreSQL restart")
    phases = {
        "before the kill": lambda r: r.start < kill,
        "kill to restart": lambda r: kill <= r.start < restart,
        "after the restart": lambda r: r.start >= restart,
    }
    bad = [r for r in records if r.status == 0 or r.status >= 500]
    outside = [r for r in bad if not _inside(r, windows)]
    result = {
        "requests": len(records),
        "by_status": dict(sorted(Counter(r.status for r in records).items())),
        "bad_inside": len(bad) - len(outside),
        "bad_outside": len(outside),
        "bad_outside_examples": [vars(r) for r in outside[:10]],
        "per_window": {w["what"]: sum(1 for r in bad if _inside(r, [w])) for w in windows},
        "phases": {},
        "paths": {},
    }
    for name, chosen in phases.items():
        latencies = [r.end - r.start for r in records if chosen(r) and r.status]
        span = [r for r in records if chosen(r)]
        seconds = (max(r.end for r in span) - min(r.start for r in span)) if span else 1
        result["phases"][name] = {
            "requests": len(span),
            "per_s": len(span) / max(seconds, 1e-6),
            "p50_ms": 1000 * _percentile(latencies, 0.5),
            "p99_ms": 1000 * _percentile(latencies, 0.99),
        }
    for path in sorted({r.path for r in records}):
        latencies = [r.end - r.start for r in records if r.path == path and r.status]
        result["paths"][path] = {
            "requests": sum(1 for r in records if r.path == path),
            "p50_ms": 1000 * _percentile(latencies, 0.5),
            "p99_ms": 1000 * _percentile(latencies, 0.99),
        }
    return result


def _warm_from(pid_of: dict[str, int], wall0: float) -> dict[int, float]:
    """For each db_worker pid, when (soak clock) it had finished its first chunk and, if it
    ever built one, its first print file: the one-off growth (fonts, the form layer, the
    print file's buffers) is behind it from then on."""
    from django_tasks_db.models import DBTaskResult

    firsts: dict[tuple[int, str], float] = {}
    for worker_ids, path, finished in DBTaskResult.objects.filter(
        status="SUCCESSFUL", task_path__startswith="notices.tasks."
    ).values_list("worker_ids", "task_path", "finished_at"):
        pid = pid_of.get(worker_ids[-1]) if worker_ids else None
        if pid is None or path.endswith("notify_households_task"):
            continue
        t = finished.timestamp() - wall0
        firsts[(pid, path)] = min(t, firsts.get((pid, path), t))
    warm: dict[int, float] = {}
    for (pid, _), t in firsts.items():
        warm[pid] = max(t, warm.get(pid, t))
    return warm


def memory(samples: list[dict], pid_of: dict[str, int], wall0: float) -> dict:
    """Per process: first, last and peak RSS, and the verdict: RSS at the end against RSS once
    warm (gunicorn: a minute after its first sample; db_worker: after its first chunk and first
    print file, _warm_from); too few samples after that: n/a."""
    warm = _warm_from(pid_of, wall0)
    by_pid: dict[int, list[dict]] = {}
    for sample in samples:
        by_pid.setdefault(sample["pid"], []).append(sample)
    rows, ok = [], True
    for pid, series in sorted(by_pid.items(), key=lambda kv: kv[1][0]["t"]):
        role = series[0]["role"]
        row = {
            "role": role, "pid": pid, "from": series[0]["t"], "to": series[-1]["t"],
            "first": series[0]["rss"], "last": series[-1]["rss"],
            "peak": max(s["rss"] for s in series), "verdict": "n/a",
        }  # fmt: skip
        since = series[0]["t"] + 60 if role.startswith("gunicorn") else warm.get(pid)
        settled = [s for s in series if since is not None and s["t"] >= since]
        if len(settled) >= 3:
            row["start"], row["end"] = settled[0]["rss"], settled[-1]["rss"]
            row["since"] = settled[0]["t"]
            flat = row["end"] <= row["start"] * MEMORY_SLACK[0] + MEMORY_SLACK[1]
            row["verdict"] = "flat" if flat else "GREW"
            ok = ok and flat
        rows.append(row)
    # Judged only when a gunicorn worker was measured warm for three samples (a quick run is
    # too short: then the criterion is skipped, not passed).
    judged = any(r["role"] == "gunicorn worker" and "start" in r for r in rows)
    return {"rows": rows, "flat": ok if judged else None}


def batches_in_db(batch_ids: list[int], wall0: float) -> dict:
    from django.db.models import Max, Min

    from notices.models import Notice, NoticeBatch

    rows, ok = [], True
    for batch in NoticeBatch.objects.filter(pk__in=batch_ids).order_by("pk"):
        items = Counter(batch.items.values_list("status", flat=True))
        notices = Counter(Notice.objects.filter(batch=batch).values_list("member_id", flat=True))
        done_members = set(batch.items.filter(status="done").values_list("member_id", flat=True))
        errors = Counter(batch.items.filter(status="failed").values_list("error", flat=True))
        unexpected = {e: n for e, n in errors.items() if not any(x in e for x in EXPECTED_FAILURE)}
        span = batch.items.aggregate(first=Min("finished_at"), last=Max("finished_at"))
        row = {
            "batch": batch.pk, "total": batch.total, "status": batch.status,
            "started": batch.created_at.timestamp() - wall0,
            "last_item": span["last"].timestamp() - wall0 if span["last"] else None,
            "print_file": bool(batch.print_file), "items": dict(items),
            "notices": sum(notices.values()), "duplicates": sum(n - 1 for n in notices.values()),
            "missing": len(done_members - set(notices)), "extra": len(set(notices) - done_members),
            "failures": dict(errors), "unexpected_failures": unexpected,
        }  # fmt: skip
        row["ok"] = (
            batch.status == "finished" and row["print_file"] and not items.get("pending")
            and sum(items.values()) == batch.total and not row["duplicates"]
            and not row["missing"] and not row["extra"] and not unexpected
        )  # fmt: skip
        ok = ok and row["ok"]
        rows.append(row)
    twice = (
        Notice.objects.filter(superseded_by__isnull=True)
        .values_list("member_id", flat=True)
        .order_by()
    )
    current = Counter(twice)
    doubled = sum(1 for n in current.values() if n > 1)
    return {"rows": rows, "members_with_two_current": doubled, "ok": ok and not doubled}


def interrupted_tasks(wall0: float) -> list[dict]:
    """Notice tasks that did not succeed: failed (with the error's last line) or left running
    by a worker that died."""
    from django_tasks_db.models import DBTaskResult

    rows = []
    for task in DBTaskResult.objects.filter(
        task_path__startswith="notices.tasks.", status__in=["FAILED", "RUNNING"]
    ).order_by("started_at"):
        # The first exception line is the cause (later ones are what it led to).
        lines = [line for line in task.traceback.splitlines() if EXCEPTION_LINE.match(line)]
        rows.append(
            {
                "task": task.task_path.rsplit(".", 1)[-1],
                "status": task.status,
                "worker": task.worker_ids[-1] if task.worker_ids else "",
                "started": task.started_at.timestamp() - wall0 if task.started_at else None,
                "error": lines[0][:160] if lines else "",
            }
        )
    return rows


def evaluate(records, windows, samples, batch_ids, processes, operator, timeline) -> dict:
    from django.db import connections

    connections.close_all()
    http = responses(records, windows, timeline)
    mem = memory(samples, processes.pid_of, processes.wall0)
    db = batches_in_db(batch_ids, processes.wall0)
    return {
        "http": http,
        "memory": mem,
        "batches": db,
        "worker_exits": processes.exits,
        "interrupted_tasks": interrupted_tasks(processes.wall0),
        "operator": operator,
        "criteria": {
            "no 5xx or unanswered request outside the restart windows": http["bad_outside"] == 0,
            "memory flat": mem["flat"],
            "every batch finished, each notice issued exactly once": db["ok"],
        },
        "passed": http["bad_outside"] == 0 and mem["flat"] is not False and db["ok"],
    }

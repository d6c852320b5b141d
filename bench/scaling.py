"""Many machines on one: two web processes and two task workers, each with a media directory of
its own, sharing only PostgreSQL and an S3 object store (moto's server), as deploy/ runs them.

    .venv/bin/python bench/scaling.py [--members 600] [--clients 4] [--keep] [--no-report]

In a throwaway database (portal_bench_scaling, created and dropped as the postgres superuser on
127.0.0.1, trust authentication) with throwaway keys:
  1. a notice batch over every member, issued by the two workers (`manage.py db_worker`);
  2. every notice downloaded by its household's member, alternately through the two web
     processes (gunicorn as in portal/gunicorn.py, one sync worker each, DEBUG off), by
     --clients clients at once; each PDF's SHA-256 is checked against the issued record;
  3. a member signs in through one web process and uses the session on the other;
  4. the QR verification limit (VERIFY_MAX_PER_IP, set to 10 here) counts across both;
and proves that every media directory is still empty and the bucket holds every PDF. Any
failed check ends the run with an error. Then writes the section "## Measured on this machine"
of docs/SCALING.md (other sections are left alone).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from _scaling_data import make_households
from _scaling_report import section, write_section
from _throwaway import SERVER, admin, drop_database, portal_env, stop
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "portal_bench_scaling"
BIN = Path(sys.executable).parent
BUCKET = "kenpo-portal-bench"
VERIFY_LIMIT = 10  # also in _scaling_report
PROCESSES = ("web-a", "web-b", "worker-a", "worker-b", "bench")


# Fixed ports outside the ephemeral range (an ephemeral one picked now may be some client's
# source port by the time a server binds it): the object store, then the two web processes.
PORTS = (8241, 8242, 8243)


def _wait(condition, what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def _answers(port: int, path: str = "/healthz") -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _prepare_environment(store_port: int) -> None:
    """What every process reads: one database, one bucket, throwaway keys."""
    os.environ.update(
        portal_env(
            None,  # each process gets a media directory of its own (_start)
            DATABASE_URL=f"{SERVER}/{DATABASE}",
            OBJECT_STORE_BUCKET=BUCKET,
            OBJECT_STORE_ENDPOINT_URL=f"http://127.0.0.1:{store_port}",
            OBJECT_STORE_REGION="ap-northeast-1",
            OBJECT_STORE_ACCESS_KEY_ID="bench",
            OBJECT_STORE_SECRET_ACCESS_KEY="bench-secret",
            VERIFY_MAX_PER_IP=str(VERIFY_LIMIT),
            WEB_CONCURRENCY="1",
            LOG_LEVEL="WARNING",
        )
    )


def _start(name: str, command: list[str], media: Path) -> subprocess.Popen:
    env = {**os.environ, "MEDIA_ROOT": str(media / name)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def start_processes(media: Path, web_ports: list[int], processes: list) -> None:
    """Appends to `processes` as it goes, so that a failed start still stops the others."""
    processes += [
        _start(name, [str(BIN / "gunicorn"), "-c", "python:portal.gunicorn", "portal.wsgi",
                      "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"], media)
        for name, port in zip(("web-a", "web-b"), web_ports, strict=True)
    ]  # fmt: skip
    processes += [
        _start(name, [sys.executable, "manage.py", "db_worker", "--queue-name", "notices",
                      "--worker-id", name, "--interval", "0.1", "--no-startup-delay",
                      "--no-reload", "--verbosity", "0"], media)
        for name in ("worker-a", "worker-b")
    ]  # fmt: skip
    for port in web_ports:
        _wait(lambda port=port: _answers(port), "gunicorn", 60)


# --- the run --------------------------------------------------------------------------------


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and of their children (gunicorn's workers)."""
    total = 0.0
    for pid in pids:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for one in [pid, *map(int, children)]:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def issue_batch(workers: list[int]) -> dict:
    from django.conf import settings
    from django.db.models import Max, Min
    from django_tasks_db.models import DBTaskResult

    from notices.batches import services as batches
    from notices.models import NoticeBatch

    started = time.perf_counter()
    batch = batches.start_batch(
        reason="initial", as_of=settings.NOTICE_CUTOFF_DATE, scope="enrolled"
    )
    cpu = [_cpu_seconds(workers)]
    finished = NoticeBatch.objects.filter(pk=batch.pk, status="finished")
    _wait(finished.exists, "the batch")
    cpu.append(_cpu_seconds(workers))
    _wait(finished.exclude(print_file="").exists, "the print file")
    cpu.append(_cpu_seconds(workers))
    wall = time.perf_counter() - started
    times = batch.items.aggregate(first=Min("finished_at"), last=Max("finished_at"))
    done = batch.items.filter(status="done").count()
    if done != batch.total:
        raise SystemExit(f"batch: {done} of {batch.total} issued")
    per_worker: dict[str, int] = {}
    for result in DBTaskResult.objects.filter(task_path="notices.tasks.run_chunk_task"):
        if result.return_value:
            worker = result.worker_ids[0]
            per_worker[worker] = per_worker.get(worker, 0) + result.return_value["done"]
    seconds = (times["last"] - times["first"]).total_seconds()
    # CPU, unlike rates, hardly depends on what else the machine is doing.
    return {"notices": done, "rate": (done - 1) / seconds, "wall_s": wall,
            "per_worker": per_worker, "cpu_ms": 1000 * (cpu[1] - cpu[0]) / done,
            "print_cpu_ms": 1000 * (cpu[2] - cpu[1]) / done}  # fmt: skip


def _get(port: int, path: str, cookie: str = "") -> tuple[int, bytes, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def download_everything(heads: list, ports: list[int], clients: int, web: list[int]) -> dict:
    """Every notice by its household's member, request i through web process i % 2."""
    from django.conf import settings
    from django.test import Client

    from notices.models import Notice

    jobs = []
    for head in heads:
        client = Client()
        client.force_login(head.account)
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        household = Notice.objects.filter(member__in=[head, *head.dependents.all()])
        jobs += [(cookie, notice.pk, notice.pdf_sha256) for notice in household]
    results: list[tuple[int, float, bool]] = []
    lock = threading.Lock()
    queue = iter(enumerate(jobs))

    def client_thread() -> None:
        while True:
            with lock:
                job = next(queue, None)
            if job is None:
                return
            index, (cookie, pk, sha) = job
            port = ports[index % len(ports)]
            started = time.perf_counter()
            status, body, _ = _get(port, f"/member/notices/{pk}/pdf/", cookie)
            elapsed = time.perf_counter() - started
            good = status == 200 and hashlib.sha256(body).hexdigest() == sha
            with lock:
                results.append((port, elapsed, good))

    cpu = _cpu_seconds(web)
    started = time.perf_counter()
    threads = [threading.Thread(target=client_thread) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu = _cpu_seconds(web) - cpu
    failed = sum(not good for _, _, good in results)
    if failed or len(results) != Notice.objects.count():
        raise SystemExit(f"downloads: {failed} failed of {len(results)}")
    latencies = sorted(elapsed for _, elapsed, _ in results)
    return {
        "downloads": len(results),
        "per_s": len(results) / wall,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(0.95 * len(latencies))] * 1000,
        "cpu_ms": 1000 * cpu / len(results),
        "per_process": [sum(port == used for used, _, _ in results) for port in ports],
    }


def sign_in_on_one_use_the_other(ports: list[int]) -> str:
    """The login form from web A, posted to web B; the session then used on A."""
    status, body, headers = _get(ports[0], "/accounts/login/")
    csrf = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"csrfmiddlewaretoken": token, "login": "member1@example.jp",
                      "password": "bench-password-2024"})  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", ports[1], timeout=60)
    connection.request("POST", "/accounts/login/", body=form, headers={
        "Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"http://127.0.0.1:{ports[1]}", "Host": f"127.0.0.1:{ports[1]}"})  # fmt: skip
    response = connection.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "")
    if response.status != 302 or not session:
        raise SystemExit(f"sign-in through web B answered {response.status}")
    status, body, _ = _get(ports[0], "/member/", f"sessionid={session.group(1)}")
    if status != 200 or "ログアウト".encode() not in body:
        raise SystemExit(f"web A did not know web B's session: {status}")
    return f"login form from web A, posted to web B (302), /member/ on web A: {status}"


def rate_limit_across(ports: list[int]) -> list[int]:
    """QR lookups from one address, alternately on A and B: the limit counts them together."""
    statuses = [_get(ports[n % 2], f"/verify/{'x' * 40}/")[0] for n in range(VERIFY_LIMIT + 2)]
    if statuses != [404] * VERIFY_LIMIT + [429, 429]:
        raise SystemExit(f"the verification limit did not count across processes: {statuses}")
    return statuses


def _s3():
    import boto3

    return boto3.client("s3", endpoint_url=os.environ["OBJECT_STORE_ENDPOINT_URL"],
                        region_name="ap-northeast-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench-secret")  # fmt: skip


def nothing_local(media: Path) -> dict:
    files = {name: sum(1 for p in (media / name).rglob("*") if p.is_file()) for name in PROCESSES}
    if any(files.values()):
        raise SystemExit(f"files in a media directory: {files}")
    s3 = _s3()
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    # What the stand-in object store costs by itself: one notice fetched, as a web process does.
    from notices.models import Notice

    notice = Notice.objects.order_by("pk").first().pdf.name
    samples = []
    for _ in range(30):
        started = time.perf_counter()
        s3.get_object(Bucket=BUCKET, Key=notice)["Body"].read()
        samples.append(time.perf_counter() - started)
    return {"media_files": files, "objects": len(keys),
            "store_get_ms": statistics.median(samples) * 1000}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=600)
    parser.add_argument("--clients", type=int, default=4, help="download clients at once")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-report", action="store_true", help="print only, leave docs alone")
    args = parser.parse_args()

    media = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    for name in PROCESSES:
        (media / name).mkdir()
    store_port, web_ports = PORTS[0], list(PORTS[1:])
    if taken := [port for port in PORTS if _listening(port)]:
        raise SystemExit(f"ports in use: {taken}")
    store = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(store_port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    _prepare_environment(store_port)
    os.environ["MEDIA_ROOT"] = str(media / "bench")
    processes: list[subprocess.Popen] = []
    drop_database(DATABASE)
    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from portal.dev.demo import ensure_insurer

    try:
        _wait(lambda: _listening(store_port), "moto_server", 60)
        _s3().create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"}
        )
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", "--no-input", verbosity=0)  # DEBUG off: hashed names
        ensure_insurer()
        heads = make_households(args.members)
        results: dict = {"load": [os.getloadavg()[0]]}
        start_processes(media, web_ports, processes)
        pids = [process.pid for process in processes]
        results["batch"] = issue_batch(pids[2:])
        print(f"batch: {results['batch']}")
        results["downloads"] = download_everything(heads, web_ports, args.clients, pids[:2])
        print(f"downloads: {results['downloads']}")
        results["session"] = sign_in_on_one_use_the_other(web_ports)
        print(f"session: {results['session']}")
        results["limit"] = rate_limit_across(web_ports)
        print(f"rate limit: {results['limit']}")
        results["local"] = nothing_local(media)
        print(f"nothing local: {results['local']}")
        results["load"].append(os.getloadavg()[0])
        if not args.no_report:
            command = ".venv/bin/python bench/scaling.py"
            for name, default in [("members", 600), ("clients", 4)]:
                if getattr(args, name) != default:
                    command += f" --{name} {getattr(args, name)}"
            write_section(section(results, args, command))
            print("wrote docs/SCALING.md")
    finally:
        stop(*processes, store)
        connections.close_all()
        if not args.keep:
            drop_database(DATABASE)
            shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()

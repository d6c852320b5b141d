"""Soak test: the portal as shipped under mixed load for --duration seconds, with a notice batch
across a killed task worker and another across a PostgreSQL restart.

    .venv/bin/python bench/soak.py [--duration 600] [--members 500] [--users 8]
                                   [--keep] [--no-report] [--report-from results.json]

Run as root (PostgreSQL's initdb runs as the `postgres` OS user through runuser). Everything
is its own and removed at the end (--keep leaves it, with the logs and results.json that
--report-from turns into the page again): a PostgreSQL 15 cluster in a temporary directory,
answering on a Unix socket there named for port 55432 (trust authentication; the shared
server on 5432 is never touched), the owner and portal roles as `make` makes them
(portal.dev.setup), migrations as the owner, the demo data (`manage.py seed_demo`) plus
--members members, throwaway keys and media.
Then, with DEBUG off: gunicorn as shipped (`gunicorn -c python:portal.gunicorn portal.wsgi`)
on 127.0.0.1:8251 and two `manage.py db_worker --queue-name '*'` processes, kept running by
this script as the shipped systemd units do (deploy/systemd/portal-worker@.service: a worker
that exits is started again after 5 s, `manage.py resume_notice_batches` first).

Timeline (D = --duration): load from 0 to D (--users virtual users, mixed roles); at D/3 a
notice batch over everyone enrolled starts and, once its chunks are running, one db_worker
and one gunicorn worker are killed with SIGKILL (the supervisor starts the db_worker again,
gunicorn replaces its own); at 2D/3 a second batch starts and, once running, PostgreSQL is
restarted (`pg_ctl restart -m fast`). After D: the batches are awaited; one that still cannot
finish (a chunk left "running" by a worker that died, its items pending) gets what an
operator runs after a crash, `manage.py resume_notice_batches`. Every response, the restart
windows and the RSS of each process (every 10 s) are recorded; the criteria are checked
against them and the database:
- no 5xx and no unanswered request outside the restart windows;
- memory flat: each process's RSS at the end within 15% + 8 MiB of its RSS once warm (gunicorn:
  a minute after it started; db_worker: after its first chunk and first print file);
- each batch finished, every item done or failed for a reason staff can act on, one notice
  per done item and none twice, and no member with two current notices.
Exit status 1 if any fails. Writes docs/RELIABILITY.md (bench/_soak_report.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import _soak_checks as checks  # noqa: E402
import _soak_load as load  # noqa: E402
import _soak_report as report  # noqa: E402
from _throwaway import portal_env, stop  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
# The newest PostgreSQL installed (Debian keeps each major version apart).
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda bin_: float(bin_.parent.name))
PG_PORT = 55432
HTTP_PORT = 8251
SAMPLE_SECONDS = 10
RESTART_SECONDS = 5  # deploy/systemd/portal-worker@.service: RestartSec=5


def say(message: str) -> None:
    print(f"soak: {message}", flush=True)


class Cluster:
    """A throwaway PostgreSQL 15 cluster owned by the `postgres` OS user (initdb refuses root)."""

    def __init__(self, base: Path) -> None:
        self.base, self.data, self.log = base, base / "data", base / "postgresql.log"
        postgres = pwd.getpwnam("postgres")
        os.chown(base, postgres.pw_uid, postgres.pw_gid)

    def _run(self, *args: str, check: bool = True) -> int:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], check=check, cwd="/",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ).returncode  # fmt: skip

    def init(self) -> None:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")  # fmt: skip
        self.start()

    def start(self) -> None:
        # A Unix socket in the cluster's directory (named for port 55432), no TCP: on this shared
        # machine 55432 lies in Linux's ephemeral range, and other processes' client sockets
        # (even in TIME_WAIT) held it, so the postmaster could not bind, at random.
        options = f"-p {PG_PORT} -c listen_addresses= -k {self.base}"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "60", "-o", options, "start")  # fmt: skip

    def restart(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60",
                  "restart")  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


def prepare_environment(media: Path, socket_dir: Path) -> tuple[str, str]:
    """Throwaway keys and this cluster's two roles; the processes started later inherit it."""
    from portal.dev.setup import app_role_url

    where = f"host={socket_dir}&port={PG_PORT}"
    owner_url = f"postgres://portal:{secrets.token_urlsafe(16)}@/portal?{where}"
    app_url = app_role_url(owner_url, secrets.token_urlsafe(16))
    for name in ("REDIS_URL", "DATABASE_AS_OWNER", "WEB_CONCURRENCY", "CONN_MAX_AGE"):
        os.environ.pop(name, None)  # the shipped defaults, not this shell's
    os.environ.update(
        portal_env(
            media,
            DATABASE_URL=app_url,
            DATABASE_OWNER_URL=owner_url,
            LOG_LEVEL="WARNING",
            GUNICORN_BIND=f"127.0.0.1:{HTTP_PORT}",
        )
    )
    return owner_url, app_url


def create_roles(socket_dir: Path, owner_url: str, app_url: str) -> None:
    from portal.dev.setup import role_statements

    with psycopg.connect(
        host=str(socket_dir), port=PG_PORT, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        for statement in role_statements(owner_url, app_url):
            conn.execute(statement)
        conn.execute("CREATE DATABASE portal OWNER portal")


def manage(log: Path, *args: str, owner: bool = False) -> str:
    env = {**os.environ, **({"DATABASE_AS_OWNER": "1"} if owner else {})}
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    with log.open("a") as fh:
        fh.write(f"$ manage.py {' '.join(args)}\n{done.stdout}{done.stderr}")
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


class Processes:
    """gunicorn and the db_workers. A worker that exits is started again as the shipped unit
    does it (deploy/systemd/portal-worker@.service: Restart=always, RestartSec=5, and
    portal-resume.service, `manage.py resume_notice_batches`, before each start). Every exit
    and restart is recorded."""

    def __init__(self, logs: Path, timeline: list[tuple[float, str]], t0: float) -> None:
        self.logs, self.timeline, self.t0 = logs, timeline, t0
        self.wall0 = time.time() - (time.monotonic() - t0)  # t0 on the wall clock
        self.pid_of: dict[str, int] = {}  # db_worker id -> pid
        self.gunicorn: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}
        self.generation: dict[str, int] = {}
        self.planned: set[str] = set()  # slots killed on purpose
        self.exits: list[dict] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def now(self) -> float:
        return time.monotonic() - self.t0

    def start_gunicorn(self) -> None:
        out = (self.logs / "gunicorn.log").open("a")
        self.gunicorn = subprocess.Popen(
            [GUNICORN, "-c", "python:portal.gunicorn", "portal.wsgi"], cwd=ROOT, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def gunicorn_workers(self) -> list[int]:
        pid = self.gunicorn.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def start_worker(self, slot: str) -> None:
        generation = self.generation.get(slot, 0) + 1
        self.generation[slot] = generation
        out = (self.logs / f"db_worker-{slot}.log").open("a")
        self.workers[slot] = subprocess.Popen(
            [PYTHON, "manage.py", "db_worker", "--queue-name", "*", "--worker-id",
             f"{slot}-{generation}", "--no-reload"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.pid_of[f"{slot}-{generation}"] = self.workers[slot].pid

    def kill_worker(self, slot: str) -> None:
        """SIGKILL; the supervisor starts it again, as systemd would."""
        with self.lock:
            self.planned.add(slot)
            self.workers[slot].kill()

    def resume(self) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", "resume_notice_batches"], cwd=ROOT, capture_output=True,
            text=True,
        )  # fmt: skip
        if done.returncode:
            return "resume_notice_batches failed (" + done.stderr.strip().splitlines()[-1] + ")"
        return "resume_notice_batches: " + (done.stdout.strip() or "nothing to resume")

    def supervise(self) -> None:
        while not self.stopping.wait(0.5):
            for slot, process in list(self.workers.items()):
                if process.poll() is None:
                    continue
                how = "SIGKILL" if slot in self.planned else f"exited {process.returncode}"
                self.planned.discard(slot)
                self.exits.append({"t": self.now(), "worker": slot, "how": how})
                self.timeline.append((self.now(), f"db_worker {slot}-{self.generation[slot]} "
                                                  f"{how}"))  # fmt: skip
                if self.stopping.wait(RESTART_SECONDS):
                    return
                resumed = self.resume()
                with self.lock:
                    if self.stopping.is_set():
                        return
                    self.start_worker(slot)
                label = f"db_worker {slot}-{self.generation[slot]} started after {resumed}"
                self.timeline.append((self.now(), label))

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
            everyone = [*self.workers.values(), *([self.gunicorn] if self.gunicorn else [])]
        stop(*everyone)


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def sample_memory(processes: Processes, samples: list[dict], stop: threading.Event) -> None:
    while True:
        t = processes.now()
        named = [("gunicorn master", processes.gunicorn.pid)]
        named += [("gunicorn worker", pid) for pid in processes.gunicorn_workers()]
        with processes.lock:
            named += [(f"db_worker {slot}", p.pid) for slot, p in processes.workers.items()]
        for role, pid in named:
            value = rss_mib(pid)
            if value is not None:
                samples.append({"t": t, "role": role, "pid": pid, "rss": value})
        if stop.wait(SAMPLE_SECONDS):
            return


def wait_for(condition, timeout: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def answers(port: int) -> bool:
    import http.client

    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load")
    parser.add_argument("--members", type=int, default=500, help="members added to the demo")
    parser.add_argument("--users", type=int, default=8, help="virtual users at once")
    parser.add_argument("--keep", action="store_true", help="leave the cluster and logs")
    parser.add_argument("--no-report", action="store_true", help="print only, leave docs alone")
    parser.add_argument("--report-from", type=Path, help="rewrite the page from a results.json")
    args = parser.parse_args()
    if args.report_from:
        report.write(json.loads(args.report_from.read_text()))
        return 0
    if os.geteuid() != 0:
        raise SystemExit("run as root: initdb runs as the postgres OS user through runuser")

    base = Path(tempfile.mkdtemp(prefix="soak-"))
    logs = base / "logs"
    logs.mkdir()
    media = base / "media"
    cluster = Cluster(base)
    processes: Processes | None = None
    load_before = os.getloadavg()
    try:
        say(f"PostgreSQL 15 cluster in {base}, port {PG_PORT}")
        cluster.init()
        owner_url, app_url = prepare_environment(media, base)
        create_roles(base, owner_url, app_url)
        setup_log = logs / "setup.log"
        manage(setup_log, "migrate", "--no-input", "-v", "0", owner=True)
        manage(setup_log, "createcachetable", "-v", "0", owner=True)
        manage(setup_log, "collectstatic", "--no-input", "-v", "0")
        manage(setup_log, "seed_demo")
        import django

        django.setup()
        from django.db import connections

        say(f"adding {args.members} members, accounts and their first notices")
        world = checks.seed(args.members)
        connections.close_all()

        t0 = time.monotonic()
        timeline: list[tuple[float, str]] = []
        processes = Processes(logs, timeline, t0)
        processes.start_gunicorn()
        for slot in ("w1", "w2"):
            processes.start_worker(slot)
        if not wait_for(lambda: answers(HTTP_PORT), 60):
            raise SystemExit("gunicorn did not answer within 60 s")
        threading.Thread(target=processes.supervise, daemon=True).start()
        samples: list[dict] = []
        sampling = threading.Event()
        sampler = threading.Thread(target=sample_memory, args=(processes, samples, sampling))
        sampler.start()

        recorder = load.Recorder(t0)
        stop_load = threading.Event()
        users = checks.users(world, args.users, HTTP_PORT, recorder, stop_load)
        load_start = processes.now()
        timeline.append((load_start, f"load starts: {args.users} virtual users"))
        for user in users:
            user.start()
        windows: list[dict] = []
        batches: list[int] = []
        duration = args.duration

        def at(seconds: float) -> None:
            stop_load.wait(max(0.0, load_start + seconds - processes.now()))

        # --- 1/3: a batch, then one db_worker and one gunicorn worker killed ---------------
        at(duration / 3)
        batches.append(checks.start_batch(timeline, processes.now))
        running = checks.wait_running(batches[-1], "w1", processes)
        victims = processes.gunicorn_workers()
        killed_at = processes.now()
        processes.kill_worker("w1")
        os.kill(victims[0], signal.SIGKILL)
        timeline.append((killed_at, f"SIGKILL: db_worker w1 ({running}) and gunicorn worker "
                                    f"{victims[0]}"))  # fmt: skip
        wait_for(lambda: victims[0] not in processes.gunicorn_workers()
                 and len(processes.gunicorn_workers()) == len(victims), 60, 0.05)  # fmt: skip
        windows.append({"what": "worker kill", "start": killed_at, "end": processes.now()})
        timeline.append((windows[-1]["end"], "gunicorn has replaced its worker"))

        # --- 2/3: a batch, then PostgreSQL restarted ---------------------------------------
        at(2 * duration / 3)
        batches.append(checks.start_batch(timeline, processes.now))
        running = checks.wait_running(batches[-1], None, processes)
        connections.close_all()
        restart_at = processes.now()
        timeline.append((restart_at, f"pg_ctl restart -m fast ({running})"))
        cluster.restart()
        windows.append({"what": "PostgreSQL restart", "start": restart_at, "end": processes.now()})
        timeline.append((windows[-1]["end"], "PostgreSQL accepts connections again"))

        at(duration)
        stop_load.set()
        for user in users:
            user.join()
        timeline.append((processes.now(), "load stops"))

        connections.close_all()
        operator = checks.finish_batches(batches, timeline, processes, setup_log, manage)
        time.sleep(SAMPLE_SECONDS + 1)  # one more memory sample with the work done
        sampling.set()
        sampler.join()
        results = checks.evaluate(
            recorder.records, windows, samples, batches, processes, operator, timeline
        )
        results.update(
            {
                "duration": duration,
                "users": args.users,
                "members": args.members,
                "load_before": load_before,
                "load_after": os.getloadavg(),
                "timeline": sorted(timeline),
                "windows": windows,
                "command": report.command(args),
            }
        )
        (logs / "results.json").write_text(json.dumps(results, indent=1, default=str))
        report.print_summary(results)
        if not args.no_report:
            report.write(results)
            say("wrote docs/RELIABILITY.md")
        return 0 if results["passed"] else 1
    finally:
        if processes is not None:
            processes.stop()
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        if args.keep:
            say(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""A PgBouncer 1.18 in transaction mode in front of the test database, for tests/test_pgbouncer.py:
started per test session as a subprocess with an ini of its own in a temporary directory (the
Debian package's own service is never used), and what child processes need to go through it."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.processes import stop, wait_until

ROOT = Path(__file__).resolve().parent.parent
POOLER_PORTS = range(6431, 6440)
SERVER_PORTS = range(8231, 8240)
TIMEOUT = 90


@dataclass(frozen=True)
class Pooler:
    port: int
    dbname: str
    roles: dict[str, tuple[str, str]]  # "app" / "owner": (user, password)
    log: Path

    def url(self, role: str = "app") -> str:
        user, password = self.roles[role]
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        return f"postgres://{auth}@127.0.0.1:{self.port}/{quote(self.dbname, safe='')}"

    def connect(self, role: str = "app", **options: object) -> psycopg.Connection:
        return psycopg.connect(self.url(role), **options)


def free_port(ports: range) -> int:
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {ports.start}-{ports.stop - 1}")


def _ini(directory: Path, port: int, database: dict, roles: dict[str, tuple[str, str]]) -> Path:
    # The server as the suite reaches it; a socket directory when it names no host.
    host = database["HOST"] or "/var/run/postgresql"
    users = "".join(
        '"{}" "{}"\n'.format(*(part.replace('"', '""') for part in role)) for role in roles.values()
    )
    (directory / "userlist.txt").write_text(users, encoding="utf-8")
    ini = directory / "pgbouncer.ini"
    ini.write_text(
        f"""[databases]
{database["NAME"]} = host={host} port={database["PORT"] or 5432} dbname={database["NAME"]}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = {"scram-sha-256" if all(p for _, p in roles.values()) else "trust"}
auth_file = {directory / "userlist.txt"}
pool_mode = transaction
default_pool_size = 4
max_client_conn = 100
logfile = {directory / "pgbouncer.log"}
log_connections = 0
log_disconnections = 0
""",
        encoding="utf-8",
    )
    return ini


def _binary() -> str:
    found = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(found).exists():
        pytest.fail("pgbouncer is not installed: `make system` (the Makefile's SYSTEM_PACKAGES)")
    return found


@pytest.fixture(scope="session")
def pooler(django_db_setup, django_db_blocker) -> Iterator[Pooler]:
    """A PgBouncer on a free port, pool_mode=transaction, for both roles on the test database."""
    database = dict(connection.settings_dict)  # the test database, as the portal's role
    roles = {
        "app": (database["USER"], database["PASSWORD"]),
        "owner": (settings.DATABASE_OWNER["USER"], settings.DATABASE_OWNER["PASSWORD"]),
    }
    directory = Path(tempfile.mkdtemp(prefix="portal-pgbouncer-"))
    port = free_port(POOLER_PORTS)
    command = [_binary(), str(_ini(directory, port, database, roles))]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root: it switches to nobody, who must read its files.
        nobody = pwd.getpwnam("nobody")
        for path in [directory, *directory.iterdir()]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        command[1:1] = ["-u", "nobody"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    result = Pooler(port, database["NAME"], roles, directory / "pgbouncer.log")
    try:
        wait_until(lambda: _answers(result), process, what="pgbouncer")
        yield result
    finally:
        stop(process)  # before the test database is dropped: it holds server connections
        shutil.rmtree(directory, ignore_errors=True)


def _answers(pooler: Pooler) -> bool:
    try:
        with pooler.connect(connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.OperationalError:
        return False


def child_env(pooler: Pooler, mode: str = "transaction", **extra: str) -> dict[str, str]:
    """A child process on the test database through the pooler, with the test's media directory
    and keys (this process may have read them from .env, which the child must not)."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OBJECT_STORE_", "DATABASE_", "REDIS_", "SECURE_"))
    }
    return {
        **keep,
        "DATABASE_URL": pooler.url("app"),
        "DATABASE_OWNER_URL": pooler.url("owner"),
        "DATABASE_POOLER": mode,
        "PORTAL_DOTENV": "",
        "DEBUG": "1",  # development's static files: the pages render without collectstatic
        "SECRET_KEY": settings.SECRET_KEY,
        "MYNUMBER_KEYS": settings.MYNUMBER_KEYS,
        "MYNUMBER_HMAC_KEY": settings.MYNUMBER_HMAC_KEY,
        "MFA_SECRET_KEYS": settings.MFA_SECRET_KEYS,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

"""Child processes the tests start (task workers, gunicorn, moto, PgBouncer): pointed at the
test database, waited for and stopped the same way everywhere (politely first)."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable

from django.conf import settings


def database_url() -> str:
    """The test database as a child process's DATABASE_URL (the portal's own role)."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_until(
    condition: Callable[[], bool], *processes: subprocess.Popen, what: str, timeout: float = 90
) -> None:
    """Polls condition; fails at once with a child's stderr if one of them exits first."""
    deadline = time.monotonic() + timeout
    while not condition():
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"{what}: exited {process.stderr.read().decode()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def stop(*processes: subprocess.Popen) -> None:
    """SIGTERM to each still running, then up to 20 s each to exit before a SIGKILL."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

"""Child processes the tests start (task workers, gunicorn, moto, PgBouncer): stopped the same
way everywhere, politely first."""

from __future__ import annotations

import signal
import subprocess


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

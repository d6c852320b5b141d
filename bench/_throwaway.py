"""The environment every benchmark runs the portal in: throwaway keys (nothing of the
developer's .env), a media directory of its own, DEBUG off, e-mails kept in memory. Each
benchmark adds what is its own (the database, the bind address, a proxy or an object store)."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

# The local server's superuser, trust authentication: it creates and drops the throwaway
# databases.
SERVER = "postgres://postgres@127.0.0.1:5432"


def admin(statement: sql.Composable) -> None:
    """One statement as the superuser, outside any database of the portal's."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def drop_database(name: str) -> None:
    admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def stop(*processes: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM to each still running, then up to `timeout` seconds each before a SIGKILL."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def portal_env(media: Path | None, *, plain_http: bool = True, **own: str) -> dict[str, str]:
    """`media`: None where each process is given its own (or an object store holds the PDFs).
    `plain_http`: served on loopback without a TLS proxy, so the HTTPS-only settings are
    off (a benchmark behind a pretend proxy keeps them and says BEHIND_TLS_PROXY=1)."""
    env = {
        "PORTAL_DOTENV": "",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MYNUMBER_KEYS": "k1:" + _key(),
        "MYNUMBER_HMAC_KEY": _key(),
        "MFA_SECRET_KEYS": "m1:" + _key(),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    if media is not None:
        env["MEDIA_ROOT"] = str(media)
    if plain_http:
        env.update(SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", SECURE_HSTS_SECONDS="0")
    return env | own

"""Local set-up steps behind `make run` and `make test`; they run before Django is set up.

`python -m portal.devsetup dotenv`   write .env with fresh secrets, or add keys it lacks
`python -m portal.devsetup database` make PostgreSQL answer and create the portal role and db

Works with PostgreSQL already running with trust authentication on 127.0.0.1, with Debian's
default peer/password authentication (the role gets a password from .env), and with a cluster
that is installed but stopped.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from portal import env

ROOT = Path(__file__).resolve().parents[2]
DOTENV = ROOT / ".env"
ROLE = "portal"


def _fresh_values() -> dict[str, str]:
    password = secrets.token_urlsafe(24)
    return {
        "DEBUG": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"postgres://{ROLE}:{quote(password)}@127.0.0.1:5432/{ROLE}",
        "MYNUMBER_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "MYNUMBER_HMAC_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }


def read_dotenv(path: Path | None = None) -> dict[str, str]:
    return env.read_dotenv(path or DOTENV)


def write_dotenv(path: Path | None = None) -> list[str]:
    """Create .env, or append the keys it lacks. Never changes a value already there."""
    path = path or DOTENV
    present = read_dotenv(path)
    missing = {k: v for k, v in _fresh_values().items() if k not in present}
    if missing:
        header = "" if path.exists() else "# Local settings for development; never commit.\n"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(header + "".join(f"{k}={v}\n" for k, v in missing.items()))
        path.chmod(0o600)
    return sorted(missing)


def _say(message: str) -> None:
    print(f"setup: {message}", flush=True)


def _connect(url: str, **overrides: str):
    import psycopg

    parts = urlsplit(url)
    params = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "",
        "password": parts.password or "",
        "dbname": parts.path.lstrip("/"),
        "connect_timeout": 3,
    }
    params.update(overrides)
    params["password"] = unquote(str(params["password"]))
    return psycopg.connect(**params, autocommit=True)


def _server_answers(url: str) -> bool:
    import psycopg

    try:
        _connect(url, user="postgres", dbname="postgres", password="").close()
        return True
    except psycopg.OperationalError as exc:
        # An authentication error still proves the server is up.
        text = str(exc)
        return "authentication" in text or "password" in text or "no pg_hba" in text


def _start_local_cluster() -> None:
    if not shutil.which("pg_lsclusters"):
        sys.exit(
            "setup: PostgreSQL does not answer on 127.0.0.1:5432 and is not installed here.\n"
            "       Install it (apt-get install postgresql) or set DATABASE_URL."
        )
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout.split()
    if not listing:
        versions = sorted(p.name for p in Path("/usr/lib/postgresql").iterdir())
        _say(f"creating PostgreSQL cluster {versions[-1]}/main")
        subprocess.run(["pg_createcluster", versions[-1], "main"], check=True)
        listing = [versions[-1], "main"]
    version, name = listing[0], listing[1]
    _say(f"starting PostgreSQL cluster {version}/{name}")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=False
    )


def _run_as_superuser(url: str, statements: list[str]) -> None:
    """Trust on 127.0.0.1 where it is allowed, else peer authentication as `postgres`."""
    import psycopg

    try:
        with _connect(url, user="postgres", dbname="postgres", password="") as conn:
            for sql in statements:
                conn.execute(sql)
        return
    except psycopg.OperationalError:
        pass
    if os.geteuid() != 0 or not shutil.which("runuser"):
        sys.exit(
            "setup: cannot act as the PostgreSQL superuser. Run as root, or create the role "
            f"yourself: CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '...'; then set DATABASE_URL."
        )
    port = str(urlsplit(url).port or 5432)
    for sql in statements:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "psql",
                "-p",
                port,
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
            check=True,
            cwd="/",
            stdout=subprocess.DEVNULL,
        )


def ensure_database() -> None:
    import psycopg
    from psycopg import sql

    if os.environ.get("DATABASE_URL"):
        _say("DATABASE_URL is set in the environment; using that database as it is")
        return
    url = read_dotenv()["DATABASE_URL"]
    for attempt in range(20):
        if _server_answers(url):
            break
        if attempt == 0:
            _start_local_cluster()
        time.sleep(0.5)
    else:
        sys.exit("setup: PostgreSQL did not start; see /var/log/postgresql/")

    try:
        _connect(url).close()
        return  # role, password and database are already right
    except psycopg.OperationalError:
        pass
    parts = urlsplit(url)
    password = unquote(parts.password or "")
    role, dbname = parts.username or ROLE, parts.path.lstrip("/")
    _say(f"creating PostgreSQL role {role} and database {dbname}")
    password_sql = sql.Literal(password).as_string(None)
    _run_as_superuser(
        url,
        [
            f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
            f"THEN CREATE ROLE {role} LOGIN CREATEDB; END IF; END$$",
            f"ALTER ROLE {role} LOGIN CREATEDB PASSWORD {password_sql}",
        ],
    )
    try:
        _connect(url).close()
    except psycopg.OperationalError:
        _run_as_superuser(url, [f"CREATE DATABASE {dbname} OWNER {role}"])
    try:
        _connect(url).close()
    except psycopg.OperationalError as exc:
        sys.exit(f"setup: the portal role still cannot connect: {exc}")


def main(argv: list[str]) -> None:
    if argv == ["dotenv"]:
        added = write_dotenv()
        if added:
            _say(f"wrote {', '.join(added)} to .env")
    elif argv == ["database"]:
        ensure_database()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

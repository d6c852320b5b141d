"""Local set-up steps behind `make run` and `make test`; they run before Django is set up.

`python -m portal.dev.setup dotenv`   write .env with fresh secrets, or add keys it lacks
`python -m portal.dev.setup database` make PostgreSQL answer; create the two roles and the db

Two roles (portal.database_roles): DATABASE_OWNER_URL's owns the database and runs migrations
(with CREATEDB, for the test databases); DATABASE_URL's, the one the running portal uses, owns
nothing. Works with PostgreSQL already running with trust authentication on 127.0.0.1, with
Debian's default peer/password authentication (the roles get their passwords from .env), and
with a cluster that is installed but stopped. With DATABASE_URL set in the environment nothing
is created or written: that database is used as it is. PORTAL_DOTENV names another .env file.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from portal import env

ROOT = Path(__file__).resolve().parents[2]
DOTENV = ROOT / ".env"
ROLE = "portal"  # the owner role, and the database's name
APP_ROLE_SUFFIX = "_app"  # the portal's own role is the owner's name with this suffix
DATABASE_KEYS = ("DATABASE_OWNER_URL", "DATABASE_URL")


def _dotenv_path() -> Path:
    return Path(os.environ.get("PORTAL_DOTENV") or DOTENV)


def app_role_url(owner_url: str, password: str) -> str:
    """The portal's own role: the owner's URL with user `<owner>_app` and its own password."""
    parts = urlsplit(owner_url)
    user = unquote(parts.username or ROLE) + APP_ROLE_SUFFIX
    where = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(user)}:{quote(password)}@{where}"))


def _fresh_values() -> dict[str, str]:
    owner_url = f"postgres://{ROLE}:{quote(secrets.token_urlsafe(24))}@127.0.0.1:5432/{ROLE}"
    return {
        "DEBUG": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_OWNER_URL": owner_url,
        "DATABASE_URL": app_role_url(owner_url, secrets.token_urlsafe(24)),
        "MYNUMBER_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "MYNUMBER_HMAC_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "MFA_SECRET_KEYS": "m1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }


def read_dotenv(path: Path | None = None) -> dict[str, str]:
    return env.read_dotenv(path or _dotenv_path())


def _split_one_role(path: Path, owner_url: str) -> None:
    """The one-role .env of earlier versions: its DATABASE_URL's role owns the database. That
    URL becomes DATABASE_OWNER_URL (line for line, in place) and DATABASE_URL names a new role
    of the portal's own. Written to a new file first, so an interrupted run loses nothing."""
    app_url = app_role_url(owner_url, secrets.token_urlsafe(24))
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.strip().partition("=")[0].strip() == "DATABASE_URL":
            line = f"DATABASE_OWNER_URL={owner_url}\nDATABASE_URL={app_url}\n"
        lines.append(line)
    new = path.with_name(path.name + ".new")
    new.write_text("".join(lines), encoding="utf-8")
    new.chmod(0o600)
    new.replace(path)


def write_dotenv(path: Path | None = None, environ: Mapping[str, str] | None = None) -> list[str]:
    """Create .env, or add the keys it lacks; returns the keys written. Never changes a value
    already there, but for the one-role upgrade (_split_one_role). With DATABASE_URL in the
    environment the database keys are left alone: that database is used as it is."""
    path = path or _dotenv_path()
    environ = os.environ if environ is None else environ
    present = read_dotenv(path)
    fresh = _fresh_values()
    changed: list[str] = []
    if environ.get("DATABASE_URL"):
        for key in DATABASE_KEYS:
            del fresh[key]
    elif "DATABASE_URL" in present and "DATABASE_OWNER_URL" not in present:
        _split_one_role(path, present["DATABASE_URL"])
        present = read_dotenv(path)
        changed += DATABASE_KEYS
    elif "DATABASE_OWNER_URL" in present:
        fresh["DATABASE_URL"] = app_role_url(
            present["DATABASE_OWNER_URL"], secrets.token_urlsafe(24)
        )
    missing = {k: v for k, v in fresh.items() if k not in present}
    if missing:
        header = "" if path.exists() else "# Local settings for development; never commit.\n"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(header + "".join(f"{k}={v}\n" for k, v in missing.items()))
        path.chmod(0o600)
    return sorted([*changed, *missing])


def _say(message: str) -> None:
    print(f"setup: {message}", flush=True)


def _connect(url: str, **overrides: str):
    import psycopg

    parts = urlsplit(url)
    params = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or ""),
        "password": parts.password or "",
        "dbname": unquote(parts.path.lstrip("/")),
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


def _start_local_cluster(port: int) -> None:
    if not shutil.which("pg_lsclusters"):
        sys.exit(
            f"setup: PostgreSQL does not answer on 127.0.0.1:{port} and is not installed here.\n"
            "       Install it (apt-get install postgresql) or set DATABASE_URL."
        )
    clusters = [
        line.split()
        for line in subprocess.run(
            ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        if line.strip()
    ]
    if not clusters:
        versions = sorted(p.name for p in Path("/usr/lib/postgresql").iterdir())
        _say(f"creating PostgreSQL cluster {versions[-1]}/main")
        subprocess.run(["pg_createcluster", versions[-1], "main"], check=True)
        clusters = [[versions[-1], "main", "5432"]]
    # The cluster on the URL's port, else the first one.
    version, name = next((c for c in clusters if c[2] == str(port)), clusters[0])[:2]
    _say(f"starting PostgreSQL cluster {version}/{name}")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=False
    )


def _run_as_superuser(url: str, statements: list[str], manual: str) -> None:
    """Trust on 127.0.0.1 where it is allowed, else peer authentication as `postgres`;
    neither: stop and tell what to do by hand (`manual`)."""
    import psycopg

    try:
        with _connect(url, user="postgres", dbname="postgres", password="") as conn:
            for sql in statements:
                conn.execute(sql)
        return
    except psycopg.OperationalError:
        pass
    if os.geteuid() != 0 or not shutil.which("runuser"):
        sys.exit(f"setup: cannot act as the PostgreSQL superuser. Run as root, or {manual}")
    port = str(urlsplit(url).port or 5432)
    for sql in statements:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "psql", "-p", port, "-q",
             "-v", "ON_ERROR_STOP=1", "-c", sql],
            check=True,
            cwd="/",
            stdout=subprocess.DEVNULL,
        )  # fmt: skip


def _role_flags(url: str) -> tuple[bool, ...] | None:
    """(superuser, createdb, createrole, replication, bypassrls) of the URL's role, connected
    to its database; None when it cannot connect."""
    import psycopg

    try:
        with _connect(url) as conn:
            return conn.execute(
                "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
                "FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
    except psycopg.OperationalError:
        return None


def roles_ready(owner: tuple[bool, ...] | None, app: tuple[bool, ...] | None) -> bool:
    """Both connect; the owner may create (test) databases; the portal's role may nothing."""
    return owner is not None and owner[1] and app is not None and not any(app)


def role_statements(owner_url: str, app_url: str) -> list[str]:
    """The superuser's part: both roles with their passwords from .env (created if missing)."""
    from psycopg import sql

    statements = []
    for url, attributes in (
        (owner_url, "LOGIN CREATEDB"),
        (app_url, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"),
    ):
        parts = urlsplit(url)
        name = unquote(parts.username or "")
        role = sql.Identifier(name).as_string(None)
        password = sql.Literal(unquote(parts.password or "")).as_string(None)
        statements += [
            f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
            f"{sql.Literal(name).as_string(None)}) THEN CREATE ROLE {role}; END IF; END$$",
            f"ALTER ROLE {role} {attributes} PASSWORD {password}",
        ]
    # Lets the owner make pgtrigger.ignore the database's default at each migrate
    # (portal.database_roles.set_ignore_default); PostgreSQL 15 wants a superuser's grant.
    owner = sql.Identifier(unquote(urlsplit(owner_url).username or "")).as_string(None)
    statements.append(f"GRANT SET ON PARAMETER pgtrigger.ignore TO {owner}")
    return statements


def _owner_may_set_ignore(url: str) -> bool:
    import psycopg

    try:
        with _connect(url) as conn:
            row = conn.execute("SELECT has_parameter_privilege('pgtrigger.ignore', 'SET')")
            return bool(row.fetchone()[0])
    except psycopg.Error:
        return False


def ensure_database(path: Path | None = None, environ: Mapping[str, str] | None = None) -> None:
    import psycopg
    from psycopg import sql

    environ = os.environ if environ is None else environ
    if environ.get("DATABASE_URL"):
        _say(
            "DATABASE_URL is set in the environment; using that database as it is "
            "(migrations run as DATABASE_OWNER_URL's role, or DATABASE_URL's without it)"
        )
        return
    values = read_dotenv(path)
    owner_url, app_url = values["DATABASE_OWNER_URL"], values["DATABASE_URL"]
    owner_role = unquote(urlsplit(owner_url).username or "")
    app_role = unquote(urlsplit(app_url).username or "")
    if not owner_role or not app_role or owner_role == app_role:
        sys.exit("setup: DATABASE_OWNER_URL and DATABASE_URL must name two different roles")
    for attempt in range(20):
        if _server_answers(owner_url):
            break
        if attempt == 0:
            _start_local_cluster(urlsplit(owner_url).port or 5432)
        time.sleep(0.5)
    else:
        sys.exit("setup: PostgreSQL did not start; see /var/log/postgresql/")

    app_flags = _role_flags(app_url)
    if roles_ready(_role_flags(owner_url), app_flags) and _owner_may_set_ignore(owner_url):
        return  # roles, passwords, grant and database are already right
    if app_flags is not None and app_flags[0]:
        sys.exit(f"setup: DATABASE_URL's role {app_role} is a superuser; give the portal its own")
    dbname = unquote(urlsplit(owner_url).path.lstrip("/"))
    manual = (
        f"as a superuser create the role {owner_role} (LOGIN CREATEDB, DATABASE_OWNER_URL's "
        f"password; GRANT SET ON PARAMETER pgtrigger.ignore TO it), the role {app_role} (LOGIN "
        f"only, DATABASE_URL's password) and the database {dbname} owned by {owner_role}; then "
        "run make again."
    )
    _say(f"creating or updating PostgreSQL roles {owner_role} (owner) and {app_role}")
    _run_as_superuser(owner_url, role_statements(owner_url, app_url), manual)
    try:
        _connect(owner_url).close()
    except psycopg.OperationalError:
        _say(f"creating PostgreSQL database {dbname}")
        create = (
            f"CREATE DATABASE {sql.Identifier(dbname).as_string(None)} "
            f"OWNER {sql.Identifier(owner_role).as_string(None)}"
        )
        _run_as_superuser(owner_url, [create], manual)
    if not roles_ready(_role_flags(owner_url), _role_flags(app_url)):
        sys.exit(f"setup: the roles {owner_role} and {app_role} still cannot connect to {dbname}")


def main(argv: list[str]) -> None:
    if argv == ["dotenv"]:
        written = write_dotenv()
        if written:
            _say(f"wrote {', '.join(written)} to {_dotenv_path()}")
    elif argv == ["database"]:
        ensure_database()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

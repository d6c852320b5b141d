"""The portal's two PostgreSQL roles, and what the owner grants the other.

The owner role (DATABASE_OWNER_URL) owns the database, its schema and every table: migrations
and createcachetable run as it (DATABASE_AS_OWNER=1). The running portal connects as a role of
its own (DATABASE_URL) that owns nothing, so it cannot `ALTER TABLE ... DISABLE TRIGGER`, drop
the audit log's triggers or take the table over; and on the audit table it may only SELECT and
INSERT, so `SET pgtrigger.ignore` gets it nowhere: PostgreSQL refuses the UPDATE, DELETE or
TRUNCATE before any trigger runs. After every migrate the owner grants the portal's role what it
needs on every table, then narrows the audit table again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register
from django.db import DatabaseError, connection, connections, transaction

AUDIT_TABLE = "portal_auditevent"
MIGRATIONS_TABLE = "django_migrations"
SCHEMA = "public"
READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"


def quote_role(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def privilege_statements(app_role: str, tables: set[str]) -> list[str]:
    """What the owner runs after each migrate, in this order, in one transaction."""
    role = quote_role(app_role)
    statements = [
        # PostgreSQL before 15 lets every role create tables in public; the portal's may not.
        f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {role}",
        f"GRANT {READ_WRITE} ON ALL TABLES IN SCHEMA {SCHEMA} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {role}",
        # Tables the owner makes later (createcachetable, the next migration's) are covered at
        # once, before the next post-migrate run of these statements.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA} GRANT {READ_WRITE} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    # Last, so that no grant above (nor a default privilege) outlives this run on these tables.
    if AUDIT_TABLE in tables:
        statements += [
            f"REVOKE ALL ON {AUDIT_TABLE} FROM PUBLIC, {role}",
            f"GRANT SELECT, INSERT ON {AUDIT_TABLE} TO {role}",
        ]
    if MIGRATIONS_TABLE in tables:
        statements += [
            f"REVOKE ALL ON {MIGRATIONS_TABLE} FROM PUBLIC, {role}",
            f"GRANT SELECT ON {MIGRATIONS_TABLE} TO {role}",
        ]
    return statements


def grant_app_role(cursor: Any, app_role: str) -> bool:
    """Grant the portal's role its privileges, when `cursor` is another role's (the owner's).
    False when there is nothing to do: the one-role set-up, or no role named."""
    cursor.execute("SELECT current_user")
    if not app_role or cursor.fetchone()[0] == app_role:
        return False
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename = ANY(%s)",
        [SCHEMA, [AUDIT_TABLE, MIGRATIONS_TABLE]],
    )
    tables = {row[0] for row in cursor.fetchall()}
    for statement in privilege_statements(app_role, tables):
        cursor.execute(statement)
    return True


# Every session of the database starts with pgtrigger.ignore set (settings.py says why), with
# or without a pooler: PgBouncer refuses the startup parameter that also sets it.
IGNORE_SETTING = "pgtrigger.ignore"
IGNORE_DEFAULT = "{}"
_DEFAULT_STATE_SQL = """
SELECT d.datname, pg_has_role(current_user, d.datdba, 'MEMBER'),
       has_parameter_privilege(%s, 'SET'),
       EXISTS (SELECT FROM pg_db_role_setting s
               WHERE s.setdatabase = d.oid AND s.setrole = 0 AND %s = ANY(s.setconfig))
FROM pg_database d WHERE d.datname = current_database()
"""


def _ignore_default_state(cursor: Any) -> tuple[str, bool, bool, bool]:
    """The database's name, whether this role owns it and may set the parameter, and whether
    the default is already there."""
    cursor.execute(_DEFAULT_STATE_SQL, [IGNORE_SETTING, f"{IGNORE_SETTING}={IGNORE_DEFAULT}"])
    return cursor.fetchone()


def set_ignore_default(cursor: Any) -> bool:
    """Make pgtrigger.ignore the database's default, if not yet; False when this role may not:
    PostgreSQL lets only a superuser, or a role granted `SET ON PARAMETER pgtrigger.ignore`,
    store a setting that no loaded module declares."""
    name, owner, may_set, done = _ignore_default_state(cursor)
    if done:
        return True
    if not (owner and may_set):
        return False
    cursor.execute(f"ALTER DATABASE {quote_role(name)} SET {IGNORE_SETTING} = '{IGNORE_DEFAULT}'")
    return True


def grant_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver (portal's app config): every migrate ends with the grants and the
    database's default for pgtrigger.ignore (check --deploy warns when it could not be set)."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        grant_app_role(cursor, settings.DATABASE_APP_ROLE)
        set_ignore_default(cursor)


_AUDIT_GUARD_SQL = """
SELECT current_user, r.rolsuper,
       coalesce(pg_has_role(current_user, c.relowner, 'MEMBER'), false),
       coalesce(has_table_privilege(c.oid, 'UPDATE, DELETE, TRUNCATE, TRIGGER'), false)
FROM pg_roles r LEFT JOIN pg_class c ON c.oid = to_regclass(%s)
WHERE r.rolname = current_user
"""


def audit_guard_warnings(cursor: Any) -> list[Warning]:
    """Warnings when the role behind `cursor` could rewrite the audit log."""
    cursor.execute(_AUDIT_GUARD_SQL, [AUDIT_TABLE])
    user, superuser, owner, may_rewrite = cursor.fetchone()
    if superuser:
        problem = "is a superuser"
    elif owner:
        problem = f"owns {AUDIT_TABLE} (and can switch its triggers off)"
    elif may_rewrite:
        problem = f"may UPDATE, DELETE or TRUNCATE {AUDIT_TABLE}"
    else:
        return []
    return [
        Warning(
            f"The portal connects to PostgreSQL as {user}, which {problem}: the audit log is "
            "append-only only against the application code.",
            hint=(
                "Point DATABASE_URL at a role that owns nothing, and DATABASE_OWNER_URL at the "
                "owner; run migrate and createcachetable with DATABASE_AS_OWNER=1."
            ),
            id="portal.W010",
        )
    ]


@register(deploy=True)
def portal_role_cannot_rewrite_the_audit_log(app_configs: Any, **kwargs: Any) -> list[Warning]:
    try:
        with connection.cursor() as cursor:
            return audit_guard_warnings(cursor)
    except DatabaseError:
        return []  # no database to ask here; /readyz and migrate report that


def ignore_default_warnings(cursor: Any, pooler: str) -> list[Warning]:
    """Behind a pooler only the database's default sets pgtrigger.ignore: warn without it."""
    if pooler == "none":
        return []  # the startup parameter sets it (settings.py)
    name, _owner, _may_set, done = _ignore_default_state(cursor)
    if done:
        return []
    return [
        Warning(
            f"The database {name} has no default for {IGNORE_SETTING}: behind the pooler, "
            "every audited write aborts a subtransaction (large imports slow down many times).",
            hint=(
                f"As a superuser: GRANT SET ON PARAMETER {IGNORE_SETTING} TO <the owner role>; "
                "then run DATABASE_AS_OWNER=1 manage.py migrate, which sets it."
            ),
            id="portal.W011",
        )
    ]


@register(deploy=True)
def pgtrigger_ignore_has_a_default(app_configs: Any, **kwargs: Any) -> list[Warning]:
    try:
        with connection.cursor() as cursor:
            return ignore_default_warnings(cursor, settings.DATABASE_POOLER)
    except DatabaseError:
        return []  # no database to ask here; /readyz and migrate report that

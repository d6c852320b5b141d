"""The running portal's PostgreSQL role owns nothing (portal.database_roles). The suite runs as
that role (tests/conftest.py), so every test proves the portal works without owning a table;
these prove what it cannot do: rewrite the audit log, even past the triggers, or switch the
triggers off. The owner's connection here stands for migrations."""

from __future__ import annotations

import pgtrigger
import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.checks import registry
from django.db import DatabaseError, connection, transaction

from portal import audit, database_roles
from portal.models import AuditEvent
from tests.factories import make_member

pytestmark = pytest.mark.django_db

APP = settings.DATABASE_APP_ROLE
INSUFFICIENT_PRIVILEGE = "42501"


def _sqlstate(sql: str, params: list | None = None) -> str | None:
    """Run `sql` as the portal in a savepoint; the SQLSTATE it is refused with, else None."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        return exc.__cause__.sqlstate
    return None


def _one(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _may(table: str, privilege: str) -> bool:
    return _one("SELECT has_table_privilege(%s, %s, %s)", [APP, table, privilege])[0]


@pytest.fixture
def owner(db):
    """The owner role on the test database, committing at once, as migrate does."""
    database = connection.settings_dict
    with psycopg.connect(
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        dbname=database["NAME"],
        user=settings.DATABASE_OWNER["USER"],
        password=settings.DATABASE_OWNER["PASSWORD"],
        autocommit=True,
    ) as conn:
        conn.execute("SET lock_timeout = '10s'")  # a mistake fails here instead of hanging
        yield conn


@pytest.fixture
def recorded(db):
    return audit.record("audit.view", target_label="監査ログ")


def test_the_suite_runs_as_the_portals_own_role():
    user, superuser, createdb, createrole, bypassrls = _one(
        "SELECT current_user, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls "
        "FROM pg_roles WHERE rolname = current_user"
    )
    assert user == APP
    assert settings.DATABASE_OWNER["USER"] != APP, "set DATABASE_OWNER_URL (README, Set-up)"
    assert not (superuser or createdb or createrole or bypassrls)
    owned = _one(
        "SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid)"
        " + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)"
        " + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)"
        " + (SELECT count(*) FROM pg_database WHERE datdba = r.oid)"
        " FROM pg_roles r WHERE r.rolname = current_user"
    )[0]
    assert owned == 0


def test_the_portal_appends_to_and_reads_the_audit_log(recorded):
    assert AuditEvent.objects.get(pk=recorded.pk).action == "audit.view"


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda pk: AuditEvent.objects.filter(pk=pk).update(action="auth.login"),
        lambda pk: AuditEvent.objects.filter(pk=pk).delete(),
        lambda pk: connection.cursor().execute("TRUNCATE portal_auditevent"),
    ],
    ids=["update", "delete", "truncate"],
)
def test_history_cannot_be_rewritten_even_past_the_triggers(recorded, rewrite):
    with (
        pytest.raises(DatabaseError) as refused,
        pgtrigger.ignore(
            "portal.AuditEvent:audit_append_only", "portal.AuditEvent:audit_no_truncate"
        ),
        transaction.atomic(),
    ):
        rewrite(recorded.pk)
    # PostgreSQL's privileges refuse it before any trigger could be asked.
    assert refused.value.__cause__.sqlstate == INSUFFICIENT_PRIVILEGE
    assert AuditEvent.objects.get(pk=recorded.pk).action == "audit.view"


def _trigger(name: str) -> tuple[str, str]:
    """The audit trigger's name in PostgreSQL and its function."""
    return _one(
        "SELECT tgname, tgfoid::regprocedure::text FROM pg_trigger "
        "WHERE tgrelid = 'portal_auditevent'::regclass AND tgname LIKE %s",
        [f"pgtrigger_{name}_%"],
    )


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE portal_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE portal_auditevent DISABLE TRIGGER USER",
        "DROP TRIGGER {trigger} ON portal_auditevent",
        "CREATE OR REPLACE FUNCTION {function} RETURNS trigger LANGUAGE plpgsql "
        "AS $$BEGIN RETURN NEW; END$$",
        "ALTER TABLE portal_auditevent OWNER TO {app}",
        "DROP TABLE portal_auditevent",
        "CREATE TABLE portal_auditevent_copy (id bigint)",
        "CREATE TABLE public.portal_shadow (id bigint)",
        "SET ROLE {owner}",
    ],
)
def test_the_portal_cannot_switch_the_guards_off(db, statement):
    trigger, function = _trigger("audit_append_only")
    sql = statement.format(
        trigger=trigger,
        function=function,
        app=database_roles.quote_role(APP),
        owner=database_roles.quote_role(settings.DATABASE_OWNER["USER"]),
    )
    assert _sqlstate(sql) == INSUFFICIENT_PRIVILEGE


def test_only_the_owner_could_switch_the_triggers_off(db, owner):
    # What the portal's role is refused above is the owner's to do: ownership is the guard.
    with owner.transaction(force_rollback=True):
        owner.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER ALL")


def test_the_portal_cannot_grant_itself_more(db):
    # Without the grant option PostgreSQL only warns, and grants nothing.
    assert _sqlstate(f"GRANT ALL ON portal_auditevent TO {database_roles.quote_role(APP)}") in {
        None,
        INSUFFICIENT_PRIVILEGE,
    }
    assert not any(_may("portal_auditevent", p) for p in ("UPDATE", "DELETE", "TRUNCATE"))


def test_the_portal_reads_but_never_writes_the_migration_history(db):
    assert _one("SELECT count(*) FROM django_migrations")[0] > 0
    assert _sqlstate("DELETE FROM django_migrations WHERE app = 'portal'") == INSUFFICIENT_PRIVILEGE


def test_ordinary_tables_and_the_cache_are_the_portals_to_change(db):
    member = make_member()
    assert type(member).objects.filter(pk=member.pk).update(address="大阪府大阪市北区1-1") == 1
    cache.set("database-roles", "ok")
    assert cache.get("database-roles") == "ok"
    cache.delete("database-roles")


AUDIT_REFUSED = ("UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def test_the_grants_after_each_migrate_cover_new_tables_and_keep_the_audit_log_narrow(owner):
    owner.execute("CREATE TABLE later_migration (id bigint GENERATED BY DEFAULT AS IDENTITY)")
    try:
        # The owner's default privileges: the portal may use a new table at once.
        assert all(_may("later_migration", p) for p in ("SELECT", "INSERT", "UPDATE", "DELETE"))
        # Every migrate ends with the grants again; they never widen the audit table.
        with owner.cursor() as cursor:
            assert database_roles.grant_app_role(cursor, APP)
        assert _may("portal_auditevent", "SELECT") and _may("portal_auditevent", "INSERT")
        assert not any(_may("portal_auditevent", p) for p in AUDIT_REFUSED)
        assert _may("later_migration", "UPDATE")
    finally:
        owner.execute("DROP TABLE later_migration")


def test_the_grants_skip_the_one_role_set_up(db):
    with connection.cursor() as cursor:
        assert not database_roles.grant_app_role(cursor, APP)  # the portal's own role
        assert not database_roles.grant_app_role(cursor, "")


def test_check_deploy_warns_when_the_portal_could_rewrite_the_audit_log(owner):
    with connection.cursor() as cursor:
        assert database_roles.audit_guard_warnings(cursor) == []
    with owner.cursor() as cursor:
        (warning,) = database_roles.audit_guard_warnings(cursor)
    assert warning.id == "portal.W010"
    assert "owns portal_auditevent" in warning.msg
    deploy_checks = registry.registry.get_checks(include_deployment_checks=True)
    assert database_roles.portal_role_cannot_rewrite_the_audit_log in deploy_checks


def test_privileges_end_with_the_audit_table_narrowed():
    statements = database_roles.privilege_statements(
        'we"ird', {"portal_auditevent", "django_migrations"}
    )
    assert statements[-4:] == [
        'REVOKE ALL ON portal_auditevent FROM PUBLIC, "we""ird"',
        'GRANT SELECT, INSERT ON portal_auditevent TO "we""ird"',
        'REVOKE ALL ON django_migrations FROM PUBLIC, "we""ird"',
        'GRANT SELECT ON django_migrations TO "we""ird"',
    ]
    assert not any(
        "portal_auditevent" in s for s in database_roles.privilege_statements("a", set())
    )

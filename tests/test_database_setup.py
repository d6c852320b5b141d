"""The set-up's pure parts for the two database roles (portal.dev.setup): the portal's role
derived from the owner's URL, a fresh .env with both, and the one-role .env of earlier versions
upgraded in place, once, losing nothing."""

from __future__ import annotations

import base64

import pytest

from portal.dev import setup as devsetup

OLD_URL = "postgres://portal:old%2Fpw@127.0.0.1:5432/portal"


@pytest.mark.parametrize(
    ("owner_url", "expected"),
    [
        (
            "postgres://portal:pw@127.0.0.1:5432/portal",
            "postgres://portal_app:NEW@127.0.0.1:5432/portal",
        ),
        ("postgres://kenpo@db.internal/portal", "postgres://kenpo_app:NEW@db.internal/portal"),
        (
            "postgresql://o:p%40ss@[::1]:5433/kenpo?sslmode=require",
            "postgresql://o_app:NEW@[::1]:5433/kenpo?sslmode=require",
        ),
        ("postgres://p%C3%B6rtal:x@h:1/d", "postgres://p%C3%B6rtal_app:NEW@h:1/d"),
    ],
)
def test_the_portals_role_is_the_owners_name_with_app_and_a_password_of_its_own(
    owner_url, expected
):
    assert devsetup.app_role_url(owner_url, "NEW") == expected


def test_a_fresh_env_names_two_roles_on_one_database(tmp_path):
    env_file = tmp_path / ".env"
    written = devsetup.write_dotenv(env_file, environ={})
    assert {"DATABASE_OWNER_URL", "DATABASE_URL", "MFA_SECRET_KEYS"} <= set(written)
    values = devsetup.read_dotenv(env_file)
    owner, app = values["DATABASE_OWNER_URL"], values["DATABASE_URL"]
    assert owner.startswith("postgres://portal:") and owner.endswith("@127.0.0.1:5432/portal")
    assert app.startswith("postgres://portal_app:") and app.endswith("@127.0.0.1:5432/portal")
    assert owner.split(":")[2] != app.split(":")[2]  # two passwords
    key_id, _, key = values["MFA_SECRET_KEYS"].partition(":")
    assert key_id == "m1" and len(base64.b64decode(key)) == 32


def test_a_one_role_env_is_split_in_place_once(tmp_path):
    env_file = tmp_path / ".env"
    old = f"# Local settings\nDEBUG=1\nDATABASE_URL={OLD_URL}\nSECRET_KEY=kept\n"
    env_file.write_text(old, encoding="utf-8")
    written = devsetup.write_dotenv(env_file, environ={})
    assert {"DATABASE_OWNER_URL", "DATABASE_URL"} <= set(written)
    assert "SECRET_KEY" not in written
    values = devsetup.read_dotenv(env_file)
    # The old role keeps the database it owns; the portal gets a new role on it.
    assert values["DATABASE_OWNER_URL"] == OLD_URL
    assert values["DATABASE_URL"].startswith("postgres://portal_app:")
    assert values["DATABASE_URL"].endswith("@127.0.0.1:5432/portal")
    assert values["SECRET_KEY"] == "kept" and values["DEBUG"] == "1"
    lines = env_file.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["# Local settings", "DEBUG=1", f"DATABASE_OWNER_URL={OLD_URL}"]
    assert lines[3].startswith("DATABASE_URL=postgres://portal_app:")
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*.new"))
    # Idempotent: a second run changes nothing.
    before = env_file.read_text(encoding="utf-8")
    assert devsetup.write_dotenv(env_file, environ={}) == []
    assert env_file.read_text(encoding="utf-8") == before


def test_an_env_with_only_the_owner_gets_the_portals_role(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"DATABASE_OWNER_URL={OLD_URL}\n", encoding="utf-8")
    assert "DATABASE_URL" in devsetup.write_dotenv(env_file, environ={})
    assert devsetup.read_dotenv(env_file)["DATABASE_URL"].startswith("postgres://portal_app:")


def test_a_database_url_from_the_environment_is_used_as_it_is(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"DATABASE_URL={OLD_URL}\n", encoding="utf-8")
    environ = {"DATABASE_URL": "postgres://ops@db.internal/kenpo"}
    written = devsetup.write_dotenv(env_file, environ=environ)
    assert "DATABASE_OWNER_URL" not in written and "DATABASE_URL" not in written
    assert devsetup.read_dotenv(env_file)["DATABASE_URL"] == OLD_URL
    fresh = tmp_path / "fresh.env"
    devsetup.write_dotenv(fresh, environ=environ)
    assert not {"DATABASE_URL", "DATABASE_OWNER_URL"} & set(devsetup.read_dotenv(fresh))


NOTHING = (False, False, False, False, False)
CREATEDB = (False, True, False, False, False)


@pytest.mark.parametrize(
    ("owner", "app", "ready"),
    [
        (CREATEDB, NOTHING, True),
        (None, NOTHING, False),  # the owner cannot connect (no role, no database)
        (CREATEDB, None, False),  # the portal's role is missing
        (NOTHING, NOTHING, False),  # the owner could not create the test databases
        (CREATEDB, CREATEDB, False),
        (CREATEDB, (True, False, False, False, False), False),
        (CREATEDB, (False, False, True, False, False), False),
        (CREATEDB, (False, False, False, False, True), False),
    ],
)
def test_a_second_run_only_checks_the_roles(owner, app, ready):
    assert devsetup.roles_ready(owner, app) is ready


def test_the_superuser_makes_the_portals_role_able_to_do_nothing_but_log_in():
    statements = devsetup.role_statements(
        "postgres://portal:o%27pw@127.0.0.1:5432/portal",
        "postgres://portal_app:a@127.0.0.1:5432/portal",
    )
    assert statements[1] == "ALTER ROLE \"portal\" LOGIN CREATEDB PASSWORD 'o''pw'"
    assert statements[3] == (
        'ALTER ROLE "portal_app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
        "NOBYPASSRLS PASSWORD 'a'"
    )
    assert "rolname = 'portal_app'" in statements[2] and 'CREATE ROLE "portal_app"' in statements[2]

"""Health endpoints, the system checks behind them, and the settings helpers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal import checks, health
from portal.dev import setup as devsetup
from portal.env import env_bool, env_int, env_list, load_dotenv, parse_database_url


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_reports_each_dependency(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "database": True,
        "japanese_font": True,
        "harfbuzz_subset": True,
        "keys": True,
    }


def test_readyz_fails_without_the_subsetter(client, db, monkeypatch):
    monkeypatch.setattr(health, "has_harfbuzz_subset", lambda: False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["harfbuzz_subset"] is False


def test_this_machine_has_what_the_pdfs_need():
    assert health.missing_fonts() == ()
    assert health.has_harfbuzz_subset()
    assert checks.pdf_dependencies(None) == []


def test_system_checks_name_the_missing_package(monkeypatch):
    monkeypatch.setattr(health, "missing_fonts", lambda: ("IPAexGothic",))
    monkeypatch.setattr(health, "has_harfbuzz_subset", lambda: False)
    errors = checks.pdf_dependencies(None)
    assert [e.id for e in errors] == ["portal.E001", "portal.E002"]
    assert "fonts-ipaexfont-gothic" in errors[0].hint
    assert "libharfbuzz-subset0" in errors[1].hint


def test_logging_goes_to_stdout_one_line_per_event():
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('portal.test').warning('an event\\nwith two lines')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1
    assert "WARNING portal.test an event\\nwith two lines" in result.stdout


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("", False),
        ("off", False),
    ],
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


@pytest.mark.parametrize("raw", ["2", "maybe", "tru"])
def test_env_bool_refuses_what_it_cannot_read(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG")


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("N", "12")
    monkeypatch.setenv("HOSTS", " a.example.jp, ,b.example.jp ")
    assert env_int("N", 1) == 12
    assert env_int("UNSET_N", 7) == 7
    assert env_list("HOSTS") == ["a.example.jp", "b.example.jp"]
    monkeypatch.setenv("N", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 1)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://portal:p%40ss@127.0.0.1:5432/portal",
            {
                "NAME": "portal",
                "USER": "portal",
                "PASSWORD": "p@ss",
                "HOST": "127.0.0.1",
                "PORT": "5432",
                "OPTIONS": {},
            },
        ),
        (
            "postgresql://u@db.internal/kenpo?sslmode=require",
            {
                "NAME": "kenpo",
                "USER": "u",
                "PASSWORD": "",
                "HOST": "db.internal",
                "PORT": "",
                "OPTIONS": {"sslmode": "require"},
            },
        ),
    ],
)
def test_parse_database_url(url, expected):
    parsed = parse_database_url(url)
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    assert {k: parsed[k] for k in expected} == expected


@pytest.mark.parametrize("url", ["sqlite:///db.sqlite3", "postgres://u@h:5432/", "mysql://x/y"])
def test_parse_database_url_is_postgres_only(url):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url)


def test_dotenv_never_overrides_the_environment(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nFROM_FILE=1\nALREADY=file\n", encoding="utf-8")
    monkeypatch.setenv("ALREADY", "environment")
    monkeypatch.delenv("FROM_FILE", raising=False)
    load_dotenv(env_file)
    assert os.environ["FROM_FILE"] == "1"
    assert os.environ["ALREADY"] == "environment"
    env_file.write_text("not a pair\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=":1"):
        load_dotenv(env_file)


def test_setup_writes_fresh_secrets_once_and_only_adds_missing_keys(tmp_path):
    env_file = tmp_path / ".env"
    added = devsetup.write_dotenv(env_file, environ={})
    assert "SECRET_KEY" in added and "MYNUMBER_KEYS" in added
    first = devsetup.read_dotenv(env_file)
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert first["MYNUMBER_KEYS"].startswith("k1:")
    assert devsetup.write_dotenv(env_file, environ={}) == []
    assert devsetup.read_dotenv(env_file) == first
    # A key that a later version needs is appended; the others keep their values.
    env_file.write_text(
        "".join(f"{k}={v}\n" for k, v in first.items() if k != "MYNUMBER_HMAC_KEY"),
        encoding="utf-8",
    )
    assert devsetup.write_dotenv(env_file, environ={}) == ["MYNUMBER_HMAC_KEY"]
    again = devsetup.read_dotenv(env_file)
    assert again["SECRET_KEY"] == first["SECRET_KEY"]
    # Two set-ups never share secrets.
    other = tmp_path / "other.env"
    devsetup.write_dotenv(other, environ={})
    assert devsetup.read_dotenv(other)["SECRET_KEY"] != first["SECRET_KEY"]

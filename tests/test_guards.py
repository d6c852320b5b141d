"""Guards over the whole project: migrations, every page, deploy settings, lint."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.urls import URLPattern, URLResolver, get_resolver

from portal.roles import Role

ROOT = Path(__file__).resolve().parent.parent


def test_no_missing_migrations(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def _argless_paths(patterns=None, prefix: str = "") -> list[str]:
    found: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern).lstrip("^").rstrip("$")
        if "<" in route or "(" in route:
            continue
        if isinstance(entry, URLResolver):
            found += _argless_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append("/" + prefix + route)
    return sorted(set(found))


ARGLESS_PATHS = _argless_paths()


class _HeadingCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.inline_script = False
        self.style_attribute = False

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        if (
            tag == "script"
            and "src" not in attributes
            and attributes.get("type") != "application/json"
        ):
            self.inline_script = True
        if "style" in attributes or any(name.startswith("on") for name in attributes):
            self.style_attribute = True


def _check_page(response, path: str) -> None:
    if "text/html" not in response.get("Content-Type", ""):
        return
    parser = _HeadingCounter()
    parser.feed(response.content.decode())
    assert parser.h1 == 1, f"{path}: {parser.h1} <h1> elements"
    assert not parser.inline_script, f"{path}: inline <script>"
    assert not parser.style_attribute, f"{path}: style= or on*= attribute"


def test_the_url_list_is_not_empty():
    assert {"/", "/healthz", "/accounts/login/", "/member/", "/audit/"} <= set(ARGLESS_PATHS)


@pytest.mark.parametrize("path", ARGLESS_PATHS)
def test_every_page_answers_anonymously(client, insurer, path):
    response = client.get(path)
    if response.status_code == 302:
        location = response["Location"]
        assert location.startswith(("/accounts/login/", "/")), location
        if not location.startswith("/accounts/login/"):
            # Only pages that are public anyway may send a visitor elsewhere.
            assert path.startswith("/accounts/"), f"{path} -> {location}"
        return
    assert response.status_code in {200, 405}, f"{path}: {response.status_code}"
    if response.status_code == 200:
        _check_page(response, path)


@pytest.mark.parametrize("role", list(Role))
def test_every_page_renders_for_each_role(client, insurer, everyone, role):
    client.force_login(everyone[role])
    for path in ARGLESS_PATHS:
        response = client.get(path)
        # 403: the branded page for an account without the URL's role.
        assert response.status_code in {200, 302, 403, 404, 405}, (
            f"{role} {path}: {response.status_code}"
        )
        if response.status_code in {200, 403, 404}:
            _check_page(response, f"{role} {path}")


def test_pages_carry_a_strict_content_security_policy(client, insurer):
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def _production_env() -> dict[str, str]:
    # The connection's own settings: during a test they name the test database.
    database = connections["default"].settings_dict
    # Nothing from the developer's .env (already loaded into this process) may leak in.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(
        PORTAL_DOTENV="",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.kenpo.example.jp",
        DATABASE_URL="postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(
            **{k: database[k] or "" for k in ("USER", "PASSWORD", "HOST", "PORT", "NAME")}
        ),
        # The database's own keys: a key that does not match its check value is refused.
        MYNUMBER_KEYS=settings.MYNUMBER_KEYS,
        MYNUMBER_HMAC_KEY=settings.MYNUMBER_HMAC_KEY,
        MFA_SECRET_KEYS=settings.MFA_SECRET_KEYS,
        EMAIL_HOST="smtp.kenpo.example.jp",
        # One machine here; on several, OBJECT_STORE_BUCKET instead (portal.W020).
        MEDIA_ROOT_SHARED="1",
    )
    return env


def test_check_deploy_passes_with_production_settings(db):
    # Against the test database (which only `db` names in the connection's settings: with
    # django_db_setup alone it still names the development database), whose keys are this
    # process's settings.
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_ruff_is_clean():
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is installed with the dev extra")
    result = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_no_template_uses_inline_style_or_script():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"\sstyle=|<style|<script(?![^>]*\ssrc=)(?![^>]*application/json)", text):
            offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []

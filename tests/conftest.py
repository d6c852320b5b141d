from __future__ import annotations

import time

import pgtrigger
import pytest
from django.conf import settings
from django.db import connections
from django.test import TransactionTestCase
from django.utils import translation

from portal import ratelimit
from portal.dev.catalogs import compile_stale
from portal.dev.demo import ensure_insurer
from portal.models import forget_page_copy
from portal.roles import Role
from tests.personas import make_user

# The message catalogs compiled if missing or stale (a clean clone has only the .po files),
# before any test activates a language and Django reads the .mo files.
compile_stale()

# The suite runs as the portal runs: the owner role (DATABASE_OWNER_URL) creates and migrates
# the test database, then every test connects as the portal's own role (DATABASE_URL), which
# owns nothing. Only harness work (the flush after a transactional test, dropping the test
# database) switches back to the owner.
_PORTAL_ROLE: dict[str, str] = {}


def _connect_as(role: dict[str, str]) -> None:
    """The default connection reconnects as `role`, to the same (test) database."""
    connection = connections["default"]
    connection.close()
    connection.settings_dict.update(USER=role["USER"], PASSWORD=role["PASSWORD"])


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    database = settings.DATABASES["default"]
    _PORTAL_ROLE.update(USER=database["USER"], PASSWORD=database["PASSWORD"])
    _connect_as(settings.DATABASE_OWNER)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _connect_as(_PORTAL_ROLE)
    yield
    with django_db_blocker.unblock():
        _connect_as(settings.DATABASE_OWNER)


_original_teardown = TransactionTestCase._fixture_teardown


def _teardown_as_owner_past_the_audit_guard(self):
    # Transactional tests end with a flush (TRUNCATE of every table): only the owner may, and
    # the audit table refuses TRUNCATE by design, so only the harness is let through.
    if not _PORTAL_ROLE:
        raise RuntimeError("transactional test without pytest-django's database set-up")
    _connect_as(settings.DATABASE_OWNER)
    try:
        with pgtrigger.ignore("portal.AuditEvent:audit_no_truncate"):
            return _original_teardown(self)
    finally:
        _connect_as(_PORTAL_ROLE)


TransactionTestCase._fixture_teardown = _teardown_as_owner_past_the_audit_guard


@pytest.fixture(autouse=True)
def _japanese_after_each_test():
    """A request leaves its language active in the thread (LocaleMiddleware never resets it);
    code a later test calls outside a request must start from the default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas are made by the dozen; production's slow hash would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_insurer_copy_from_another_test():
    # Pages show a per-process copy of the insurer (Insurer.for_pages); a rolled-back test's
    # insurer must not show on the next test's pages.
    forget_page_copy()


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path):
    # Every test stores its PDFs in a directory of its own, never in the checkout's media/.
    settings.MEDIA_ROOT = tmp_path / "media"


class _WindowsFromTheFirstAttempt:
    """portal.ratelimit counts in fixed windows (time // window). A test that makes its
    attempts across a window's edge (the hour turning mid-test) would see its count restart, so
    each test's clock for the limits starts at the beginning of a day, at its first attempt:
    every window (60 s to a day) then opens with the test. Moving time (time_machine) still
    moves the windows by as much."""

    def __init__(self) -> None:
        self.offset: float | None = None

    def time(self) -> float:
        now = time.time()
        if self.offset is None:
            self.offset = now % 86400
        return now - self.offset


@pytest.fixture(autouse=True)
def _rate_limit_windows_open_with_the_test(monkeypatch):
    monkeypatch.setattr(ratelimit, "time", _WindowsFromTheFirstAttempt())


@pytest.fixture
def insurer(db):
    return ensure_insurer()


@pytest.fixture
def member(db):
    return make_user("hanako@example.jp", Role.MEMBER)


@pytest.fixture
def other_member(db):
    return make_user("taro@example.jp", Role.MEMBER)


@pytest.fixture
def employer_user(db):
    return make_user("hr@buhin.example.jp", Role.EMPLOYER)


@pytest.fixture
def other_employer_user(db):
    return make_user("hr@other.example.jp", Role.EMPLOYER)


@pytest.fixture
def clerk(db):
    return make_user("clerk@kenpo.example.jp", Role.CLERK)


@pytest.fixture
def supervisor(db):
    return make_user("supervisor@kenpo.example.jp", Role.SUPERVISOR)


@pytest.fixture
def auditor(db):
    return make_user("auditor@kenpo.example.jp", Role.AUDITOR)


@pytest.fixture
def everyone(member, employer_user, clerk, supervisor, auditor):
    return {
        Role.MEMBER: member,
        Role.EMPLOYER: employer_user,
        Role.CLERK: clerk,
        Role.SUPERVISOR: supervisor,
        Role.AUDITOR: auditor,
    }

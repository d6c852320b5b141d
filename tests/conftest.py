from __future__ import annotations

import pgtrigger
import pytest
from django.test import TransactionTestCase

from portal.dev.demo import ensure_insurer
from portal.roles import Role
from tests.personas import make_user

_original_teardown = TransactionTestCase._fixture_teardown


def _teardown_past_the_audit_guard(self):
    # Transactional tests end with a flush (TRUNCATE of every table); the audit table refuses
    # TRUNCATE by design, so only the harness is let through, never the application.
    with pgtrigger.ignore("portal.AuditEvent:audit_no_truncate"):
        return _original_teardown(self)


TransactionTestCase._fixture_teardown = _teardown_past_the_audit_guard


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas are made by the dozen; production's slow hash would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path):
    # Every test stores its PDFs in a directory of its own, never in the checkout's media/.
    settings.MEDIA_ROOT = tmp_path / "media"


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

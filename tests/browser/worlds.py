"""The data each browser journey starts from, made in the test's own thread (the live server
shares the test database)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.utils import timezone

from members.linking import services as linking
from members.models import Member
from portal.dev.demo import ensure_insurer
from portal.roles import Role
from tests.mismatch_world import Household, make_household


@dataclass
class MemberWorld:
    household: Household
    code: str


def base() -> None:
    """What the migrations made and a transactional test's flush took away: the role groups."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    ensure_insurer()


def member_world() -> MemberWorld:
    """A household with numbers and notices, no account yet, and a 登録コード in the post."""
    base()
    household = make_household(None)
    issued = linking.issue_registration_code(
        household.insured, actor=None, ip=None, now=timezone.now()
    )
    return MemberWorld(household, issued.code)


def linked(household: Household) -> Member:
    household.insured.refresh_from_db()
    return household.insured

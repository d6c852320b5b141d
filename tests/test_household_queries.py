"""The household a login may see is found through indexes, whatever the size of the society:
every access helper's query, explained by PostgreSQL with sequential scans priced out, reads
the members table by index. (`account = user OR insured.account = user` across a join cannot:
at 600,000 members it read the whole table twice, 225 ms for each page of a member.) And every
query behind the member's pages has an index on each table that grows with the society.
Tables here are tiny, so PostgreSQL's own choice says nothing about scale: its plan with
sequential scans priced out says whether an index can answer at all."""

from __future__ import annotations

import contextlib

import pytest
from django.db import connection, transaction
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from eligibility.access import get_certificate_for_member
from members.access import get_household_member_for_user
from members.households import household_members, household_of
from notices.access import get_notice_for_member
from notices.mismatch.access import get_case_for_member, household_cases
from tests import notice_world
from tests.notice_world import issue

household = notice_world.household


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


LOOKUPS = {
    "household_of": lambda user: household_of(user, timezone.localdate()),
    "household_members": lambda user: list(household_members(user)),
    "get_household_member_for_user": lambda user: get_household_member_for_user(user, 10**9),
    "get_notice_for_member": lambda user: get_notice_for_member(_request(user), 10**9),
    "get_certificate_for_member": lambda user: get_certificate_for_member(_request(user), 10**9),
    "get_case_for_member": lambda user: get_case_for_member(user, 10**9),
    "household_cases": lambda user: household_cases(
        household_of(user, timezone.localdate()).people
    ),
}


# The tables that grow with the society (not its handful of employers, groups or settings).
GROWING = {
    "members_member",
    "notices_notice",
    "notices_mismatchcase",
    "eligibility_eligibilitycertificate",
    "eligibility_mynaregistration",
    "portal_auditevent",
    "django_session",
    "auth_user",
    "auth_user_groups",
    "mfa_authenticator",
}


def _unbounded_scans(plan: dict) -> list[str]:
    """Scans of the members table not bounded by an index condition: a sequential scan, or an
    index walked from end to end (which the planner prefers for a tiny table only when no
    condition can bound it: a lookup by the household's own columns always can)."""
    found = []
    if plan.get("Relation Name") == "members_member" and (
        plan["Node Type"] == "Seq Scan"
        or (plan["Node Type"] in {"Index Scan", "Index Only Scan"} and "Index Cond" not in plan)
    ):
        found.append(f"{plan['Node Type']} on {plan['Relation Name']}")
    for child in plan.get("Plans", []):
        found += _unbounded_scans(child)
    return found


def _sequential_scans(plan: dict) -> list[str]:
    found = [plan["Relation Name"]] if plan["Node Type"] == "Seq Scan" else []
    for child in plan.get("Plans", []):
        found += _sequential_scans(child)
    return found


def _without_an_index(sqls: list[str]) -> dict[str, list[str]]:
    """The queries among `sqls` that PostgreSQL can only answer by reading a growing table
    whole: with sequential scans priced out it still plans one (no index fits)."""
    found = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in sqls:
            if sql.startswith("SELECT"):
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                scans = _sequential_scans(cursor.fetchone()[0][0]["Plan"])
                if whole := [table for table in scans if table in GROWING]:
                    found[sql[:160]] = whole
    return found


def _plans(lookup, user) -> list[list[str]]:
    # A record that does not exist: the query that looked for it ran all the same.
    with CaptureQueriesContext(connection) as queries, contextlib.suppress(Http404):
        lookup(user)
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries.captured_queries:
            if "members_member" in query["sql"]:
                cursor.execute("EXPLAIN (FORMAT JSON) " + query["sql"])
                plans.append(_unbounded_scans(cursor.fetchone()[0][0]["Plan"]))
    return plans


@pytest.mark.parametrize("name", list(LOOKUPS))
def test_the_household_is_read_by_index(name, household, member, settings):
    settings.NOTICES_AVAILABLE_FROM = timezone.localdate()  # the notice helper's date gate
    plans = _plans(LOOKUPS[name], member)
    assert plans, "the lookup read no members"
    assert plans == [[]] * len(plans)


def test_the_old_join_could_not_be_read_by_index(household, member):
    # The check above can fail: the shape it replaced is refused by it.
    from django.db.models import Q

    from members.models import Member

    def across_the_join(user):
        return list(Member.objects.filter(Q(account=user) | Q(insured__account=user)))

    assert any(_plans(across_the_join, member))


def test_the_household_is_the_linked_person_and_their_dependents(household, member, other_member):
    people = {person.pk for person in household_members(member)}
    assert people == {household[key].pk for key in ("insured", "spouse", "child")}
    assert not household_members(other_member).exists()  # a login linked to no one sees no one


def test_a_members_pages_read_no_growing_table_whole(client, household, member, settings):
    """Every query behind the member's pages, explained: each has an index to answer it from
    on every table that grows with the society (the household, notices, cases, certificates,
    sessions...), none needs a table read whole."""
    settings.NOTICES_AVAILABLE_FROM = timezone.localdate()
    notice = issue(household["insured"])
    client.force_login(member)
    pages = [
        reverse("members:home"),
        reverse("notices:member_notice", args=[notice.pk]),
        reverse("notices:member_notice_pdf", args=[notice.pk]),
        reverse("members:access_log"),
        reverse("eligibility:guide"),
    ]
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200, page
        sqls = [query["sql"] for query in queries.captured_queries]
        assert _without_an_index(sqls) == {}, page

"""Finding 8a and 8c of issue 14: no page with personal data may be stored by a browser or a
proxy (`Cache-Control: no-store`), and every response denies the browser features the portal
never uses (`Permissions-Policy`).

The pages are taken from the resolver (every arg-less path) and from the access guards' table
(every page that takes an argument: member home, notices, the staff member page, employer
pages, PDFs), so a new view cannot be forgotten.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.roles import Role
from tests.test_access_guards import ACCESS
from tests.test_access_guards import world as world  # fixture
from tests.test_guards import ARGLESS_PATHS

PUBLIC_CACHEABLE = {"/", "/guide/"}
FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def _pages_for(role: Role, world) -> list[str]:
    urls = [*ARGLESS_PATHS, reverse("audit_log") + "?format=csv"]
    for name, access in ACCESS.items():
        if role in access.allowed and "get" in access.methods:
            urls.append(reverse(name, args=access.args(world)))
    return urls


@pytest.mark.parametrize("role", list(Role))
def test_every_page_a_signed_in_user_gets_is_no_store(client, everyone, world, role):
    client.force_login(everyone[role])
    answered = []
    for url in _pages_for(role, world):
        response = client.get(url)
        if response.status_code != 200:
            continue
        answered.append(url)
        assert _no_store(response), f"{role} {url}: {response.get('Cache-Control')!r}"
    # The check is not vacuous: each role's home and its object pages answered.
    assert len(answered) >= 5, answered


def test_the_main_pages_with_personal_data_are_no_store(client, everyone, world):
    cases = {
        Role.MEMBER: [
            reverse("members:home"),
            reverse("notices:member_notice", args=[world.notice.pk]),
        ],
        Role.CLERK: [reverse("members:staff_member", args=[world.insured.pk])],
        Role.EMPLOYER: [reverse("eligibility:employer_person", args=[world.dependent.pk])],
        Role.AUDITOR: [reverse("audit_log"), reverse("audit_log") + "?format=csv"],
    }
    for role, urls in cases.items():
        client.force_login(everyone[role])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, f"{role} {url}"
            assert _no_store(response), f"{role} {url}"


def test_exports_keep_their_own_no_store(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("audit_log"), {"format": "csv"})
    assert response["Cache-Control"] == "private, no-store"


def test_anonymous_pages_are_no_store_except_the_public_ones(client, insurer):
    for path in ARGLESS_PATHS:
        response = client.get(path)
        if path in PUBLIC_CACHEABLE:
            assert not _no_store(response), path
        else:
            assert _no_store(response), f"{path}: {response.get('Cache-Control')!r}"


def test_a_signed_in_user_gets_no_store_even_on_the_public_pages(client, member):
    client.force_login(member)
    assert _no_store(client.get("/guide/"))


@pytest.mark.parametrize("path", ["/", "/guide/", "/healthz", "/accounts/login/", "/member/"])
def test_every_response_carries_a_permissions_policy(client, insurer, path):
    policy = client.get(path)["Permissions-Policy"]
    for feature in FEATURES:
        assert f"{feature}=()" in policy


def test_signed_in_pages_carry_the_permissions_policy_too(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("staff_home"))
    assert response.status_code == 200
    assert "camera=()" in response["Permissions-Policy"]

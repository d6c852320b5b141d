"""Finding 5: no input to a search box or list filter makes a 500, and a number is never echoed.

Query strings are written percent-encoded by hand so that bytes a browser may send (NUL,
invalid UTF-8, an encoded lone surrogate) reach the portal as they would from outside.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.employer_world import buhin as buhin
from tests.employer_world import hr as hr

# Percent-encoded values; the ones holding a (spaced) number are marked.
NASTY = [
    (quote("a1234  5678  9012"), True),
    (quote("１２３４　５６７８　９０１２"), True),
    (quote("1234\t5678\t9012"), True),
    (quote("1234--5678--9012"), True),
    (quote("1234ー5678ー9012"), True),
    (quote("1234\u200b5678\u200b9012"), True),
    ("1234%005678%009012", True),  # NUL between the groups
    ("%00", False),
    ("%ED%A0%80", False),  # an encoded lone surrogate: not UTF-8
    ("%FF%FE%FD", False),
    (quote("x" * 20_000), False),
    (quote("1" * 5_000), True),
    (quote("ー" * 2_000), False),
    (quote("令和99年99月99日"), False),
    (quote("2024-02-30"), False),
    (quote("'; DROP TABLE portal_auditevent; --"), False),
    (quote("<script>alert(1)</script>"), False),
    (quote("%"), False),
    (quote("-1"), False),
    (quote("99999999999999999999"), True),
]

STAFF_PAGES = [
    ("clerk", "/staff/members/", ("q", "birth_date", "employer", "include_lost")),
    ("clerk", "/staff/copay-missing/", ("day",)),
    ("clerk", "/staff/no-valid-document/", ("day", "employer")),
    ("clerk", "/staff/mismatch/", ("status", "employer")),
    ("clerk", "/staff/certificate-applications/", ("status", "employer", "q")),
    ("clerk", "/staff/employer-users/", ("employer", "q")),
    ("clerk", "/staff/notice-batches/", ("page",)),
    ("clerk", "/staff/certificate-renewals/", ("days", "page")),
    ("supervisor", "/staff/certificate-batches/", ("page",)),
    ("auditor", "/audit/", ("actor", "target", "action", "date_from", "date_to", "page")),
    ("auditor", "/audit/", ("actor", "target", "format")),
    ("hr", "/employer/people/", ("q", "include_lost")),
    ("hr", "/employer/applications/", ("status", "page")),
]


def _assert_not_echoed(response, held: bool) -> None:
    body = response.content.decode("utf-8", "replace")
    if held:
        for fragment in ("9012", "９０１２", "1" * 12, "9" * 12):
            assert fragment not in body


@pytest.mark.parametrize(("persona", "path", "params"), STAFF_PAGES)
@pytest.mark.parametrize(("value", "held"), NASTY)
def test_no_filter_input_makes_a_500(client, request, insurer, persona, path, params, value, held):
    client.force_login(request.getfixturevalue(persona))
    for name in params:
        response = client.get(f"{path}?{name}={value}")
        assert response.status_code in (200, 400), (name, response.status_code)
        _assert_not_echoed(response, held)
    every = "&".join(f"{name}={value}" for name in params)
    response = client.get(f"{path}?{every}")
    assert response.status_code in (200, 400)
    _assert_not_echoed(response, held)


@pytest.mark.parametrize(("value", "held"), NASTY)
def test_the_notice_batch_form_takes_any_input(client, clerk, insurer, value, held):
    from notices.models import NoticeBatch

    client.force_login(clerk)
    body = f"reason=initial&scope=members&as_of={value}&members={value}"
    response = client.post(
        "/staff/notice-batches/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 400)
    _assert_not_echoed(response, held)
    assert not NoticeBatch.objects.exists()


# 職権交付 and renewals: a supervisor's forms (a clerk's post is refused before any parsing).
EXTRA_CHOICES = [
    ("%C2%B2", False),  # ² : str.isdigit() says yes, int() says no
    (quote("１２３"), False),
    ("0", False),
    ("00000000000000000000001", False),
]


@pytest.mark.parametrize(("value", "held"), NASTY + EXTRA_CHOICES)
@pytest.mark.parametrize("action", ["preview", "start"])
def test_the_ex_officio_form_takes_any_input(client, supervisor, insurer, value, held, action):
    from eligibility.models import CertificateBatch

    client.force_login(supervisor)
    for body in (f"action={action}&as_of={value}", f"action={value}&as_of=2026-12-01"):
        response = client.post(
            "/staff/certificate-batches/", body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code in (200, 400), body
        _assert_not_echoed(response, held)
    assert not CertificateBatch.objects.filter(total__gt=0).exists()


@pytest.mark.parametrize(("value", "held"), NASTY + EXTRA_CHOICES)
def test_the_renewal_form_takes_any_input(client, supervisor, insurer, value, held):
    from eligibility.models import CertificateBatch

    client.force_login(supervisor)
    for query in (f"days={value}", f"page={value}", f"days={value}&page={value}"):
        response = client.get(f"/staff/certificate-renewals/?{query}")
        assert response.status_code in (200, 400), query
        _assert_not_echoed(response, held)
    for body in (f"days={value}", f"days=90&certificate={value}", f"days={value}&certificate=1"):
        response = client.post(
            "/staff/certificate-renewals/", body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code in (200, 302, 400), body
        _assert_not_echoed(response, held)
    assert not CertificateBatch.objects.exists()

"""The client's address behind trusted proxies: X-Forwarded-For, read as far as proxies wrote it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.audit import forwarded_client
from portal.models import AuditEvent
from tests import linking_world
from tests.linking_world import issue as _issue
from tests.linking_world import link_form as _link_form
from tests.personas import make_user

household = linking_world.household
newcomer = linking_world.newcomer

PROXY = "10.0.0.5"


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "hops", "expected"),
    [
        # No trusted proxy: the header is the client's own say, never believed.
        ("192.0.2.1", "203.0.113.9", 0, "192.0.2.1"),
        ("192.0.2.1", None, 0, "192.0.2.1"),
        # One proxy: the last entry is the one it appended.
        (PROXY, "203.0.113.9", 1, "203.0.113.9"),
        (PROXY, " 203.0.113.9 ", 1, "203.0.113.9"),
        # Spoofed entries on the left are skipped, whatever they say.
        (PROXY, "198.51.100.66, 203.0.113.9", 1, "203.0.113.9"),
        (PROXY, "1.1.1.1, not-an-ip, 203.0.113.9", 1, "203.0.113.9"),
        # Two proxies: the second entry from the right; the rightmost is the inner proxy's.
        (PROXY, "198.51.100.66, 203.0.113.9, 10.0.0.4", 2, "203.0.113.9"),
        (PROXY, "203.0.113.9, 10.0.0.4", 2, "203.0.113.9"),
        # Too short for the configured hops: not trusted, the connection's address stands.
        (PROXY, "203.0.113.9", 2, PROXY),
        (PROXY, None, 1, PROXY),
        (PROXY, "", 1, PROXY),
        # Garbage where the proxies write: not trusted.
        (PROXY, "203.0.113.9, garbage", 1, PROXY),
        (PROXY, "garbage, 10.0.0.4", 2, PROXY),
        (PROXY, "203.0.113.9,", 1, PROXY),
        (PROXY, "203.0.113.9:4711", 1, PROXY),
        (PROXY, "<script>", 1, PROXY),
        (PROXY, "1" * 5000, 1, PROXY),
        # IPv6, normalised.
        (PROXY, "2001:DB8:0:0::1", 1, "2001:db8::1"),
        ("2001:db8::5", "198.51.100.66, 2001:db8::1, 2001:db8::4", 2, "2001:db8::1"),
        ("::1", None, 0, "::1"),
        # A connection without an address (a UNIX socket) has none, rather than a bad value.
        ("", None, 0, None),
        (None, "203.0.113.9", 0, None),
    ],
)
def test_the_client_address_is_the_entry_the_trusted_proxies_wrote(
    remote_addr, forwarded_for, hops, expected
):
    assert forwarded_client(remote_addr, forwarded_for, hops=hops) == expected


def test_behind_one_proxy_the_audit_row_and_the_limit_use_the_forwarded_address(
    client, household, newcomer, settings
):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.LINK_MAX_FAILURES_PER_IP = 2
    settings.LINK_MAX_FAILURES_PER_ACCOUNT = 100
    issued = _issue(household)
    # Two guessers from one address, through the proxy, each claiming another origin.
    for number, spoofed in enumerate(["192.0.2.50", "192.0.2.51"]):
        client.force_login(make_user(f"guesser{number}@example.jp", None))
        client.post(
            reverse("members:link"),
            _link_form("AAAA-BBBB-CCCC"),
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"{spoofed}, 203.0.113.9",
        )
    refused = AuditEvent.objects.filter(action="member.link_refused")
    assert set(refused.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    client.force_login(newcomer)
    # That address is now limited ...
    response = client.post(
        reverse("members:link"),
        _link_form(issued.code),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert "受付を一時停止しています" in response.content.decode()
    # ... while another client behind the same proxy is not.
    response = client.post(
        reverse("members:link"),
        _link_form(issued.code),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    household.refresh_from_db()
    assert household.account == newcomer
    linked = AuditEvent.objects.get(action="member.link")
    assert linked.ip_address == "198.51.100.20"


def test_without_trusted_proxies_a_forwarded_header_changes_nothing(client, household, newcomer):
    client.force_login(newcomer)
    client.post(
        reverse("members:link"),
        _link_form("AAAA-BBBB-CCCC"),
        REMOTE_ADDR="192.0.2.77",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert AuditEvent.objects.get(action="member.link_refused").ip_address == "192.0.2.77"

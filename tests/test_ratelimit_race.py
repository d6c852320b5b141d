"""Rate limits count and check in one atomic step: parallel guesses cannot slip under them."""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.urls import reverse

from members.linking import services as linking
from notices.models import MismatchCase
from notices.verification import token_for
from portal import ratelimit
from portal.models import AuditEvent
from tests import linking_world, mismatch_world
from tests.linking_world import issue as _issue
from tests.linking_world import link_form as _link_form

household = linking_world.household
newcomer = linking_world.newcomer


def test_attempts_are_allowed_up_to_the_limit_and_can_be_given_back(db):
    allowed = [ratelimit.attempt("t", "a", limit=3, window=60) for _ in range(4)]
    assert [bool(one) for one in allowed] == [True, True, True, False]
    assert ratelimit.attempts("t", "a", limit=3, window=60) == 3
    assert ratelimit.attempt("t", "b", limit=3, window=60)  # another key counts apart
    ratelimit.give_back(allowed[1])
    ratelimit.give_back(allowed[3])  # a refused attempt holds nothing to give back
    assert ratelimit.attempts("t", "a", limit=3, window=60) == 2
    assert ratelimit.attempt("t", "a", limit=3, window=60)
    assert not ratelimit.attempt("t", "a", limit=3, window=60)
    ratelimit.clear("t", "a", limit=3, window=60)
    assert ratelimit.attempts("t", "a", limit=3, window=60) == 0


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_on_one_account_are_checked_at_most_limit_times(
    household, newcomer, settings, monkeypatch
):
    settings.LINK_MAX_FAILURES_PER_ACCOUNT = 5
    _issue(household)
    # Comparing a code takes a moment, so the twelve requests always overlap: a limit checked
    # before and counted after the comparison lets them all through.
    hashed = linking.code_hash

    def slow_code_hash(code: str) -> str:
        time.sleep(0.3)
        return hashed(code)

    monkeypatch.setattr(linking, "code_hash", slow_code_hash)
    guessers = 12
    barrier = threading.Barrier(guessers)
    statuses: list[int] = []

    def guess(number: int) -> None:
        try:
            client = Client(REMOTE_ADDR="198.51.100.7")
            client.force_login(newcomer)
            barrier.wait(timeout=20)
            response = client.post(reverse("members:link"), _link_form(f"AAAA-BBBB-CC{number:02}"))
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guessers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        refused = AuditEvent.objects.filter(action="member.link_refused")
        assert len(statuses) == guessers
        assert refused.filter(detail__reason="no_match").count() == 5
        assert refused.filter(detail__reason="rate_limited").count() == guessers - 5
    finally:
        cache.clear()  # the database cache outlives a transactional test's flush


def _in_parallel(requests: list) -> list[int]:
    """Run each request (a callable giving a response) in its own thread, all at once."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []

    def run(request) -> None:
        try:
            barrier.wait(timeout=20)
            statuses.append(request().status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


@pytest.fixture
def slow_cache_reads(monkeypatch):
    """Reading a count takes a moment, so parallel requests always read before any writes."""
    backend = type(caches["default"])
    for name in ("get", "get_many"):
        original = getattr(backend, name)

        def slow(self, *args, _original=original, **kwargs):
            time.sleep(0.3)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(backend, name, slow)
    yield
    monkeypatch.undo()
    cache.clear()  # the database cache outlives a transactional test's flush


@pytest.mark.django_db(transaction=True)
def test_parallel_qr_verifications_stay_within_the_limit(
    insurer, member, settings, slow_cache_reads
):
    settings.VERIFY_MAX_PER_IP = 3
    notice = mismatch_world.make_household(member).spouse_notice
    url = reverse("notices:verify", args=[token_for(notice.public_id)])
    clients = [Client(REMOTE_ADDR="198.51.100.8") for _ in range(8)]
    statuses = _in_parallel([partial(one.get, url) for one in clients])
    assert statuses == [200] * 3 + [429] * 5
    assert AuditEvent.objects.filter(action="notice.verify").count() == 3


@pytest.mark.django_db(transaction=True)
def test_parallel_mismatch_reports_stay_within_the_limit(
    insurer, member, settings, slow_cache_reads
):
    settings.MISMATCH_REPORTS_PER_ACCOUNT = 1
    household = mismatch_world.make_household(member)
    requests = []
    for notice in (household.insured_notice, household.spouse_notice):
        one = Client()
        one.force_login(member)
        url = reverse("members:mismatch_report", args=[notice.pk])
        requests.append(partial(one.post, url, {"card_last4": "1234", "contact": "03-1234-5678"}))
    assert _in_parallel(requests) == [302, 429]
    assert MismatchCase.objects.count() == 1

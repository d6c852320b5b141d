"""Reissue at 70 and for each new 1 August period: which certificates the renewal list takes
(boundaries), and what a renewal across the 発効期日 issues (the rate on file, or a failure
that says why)."""

from __future__ import annotations

from datetime import date

import pytest

from eligibility.certificates import batches
from eligibility.certificates.services import issue_certificate
from eligibility.models import EligibilityCertificate
from tests.employer_world import TODAY
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import buhin as buhin
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _holder(buhin, birth: date, valid_from: date, valid_to: date, rate: str = ""):
    """A certificate issued before the 70-74 rules (it runs across a new term)."""
    person = make_member(buhin, name=f"確認書　{birth:%Y%m%d}", birth_date=birth)
    person.copay_rate = rate
    person.save(update_fields=["copay_rate"])
    return EligibilityCertificate.objects.create(
        member=person, issued_on=valid_from, valid_from=valid_from, valid_to=valid_to
    )


@pytest.mark.parametrize(
    ("birth", "days", "listed"),
    [
        (date(1956, 12, 20), 90, True),  # 70 in December: the 発効期日 2027-01-01 is near
        (date(1957, 1, 1), 36, True),  # born on 1 January: the 発効期日 is the birthday itself
        (date(1957, 1, 1), 35, False),
        (date(1957, 3, 15), 90, False),  # 発効期日 2027-04-01: beyond 90 days
        (date(1957, 3, 15), 150, True),
        (date(1953, 5, 5), 90, True),  # 73: it ran past 1 August 2026 already
        (date(1985, 4, 1), 90, False),  # far from 70
    ],
)
def test_certificates_running_into_a_new_70_74_term_are_on_the_renewal_list(
    buhin, birth, days, listed
):
    certificate = _holder(buhin, birth, date(2025, 1, 5), date(2029, 12, 31))
    assert (certificate in batches.expiring(TODAY, days)) is listed


def test_a_certificate_ending_on_31_july_is_listed_like_any_expiring_one(buhin):
    certificate = _holder(buhin, date(1953, 5, 5), date(2026, 8, 1), date(2027, 7, 31))
    assert certificate not in batches.expiring(date(2027, 5, 1), 90)
    assert certificate in batches.expiring(date(2027, 5, 2), 90)


def _renew(certificate, clerk, today=TODAY):
    batch = batches.start_renewal([certificate], today=today, actor=clerk, enqueue=False)
    for chunk in batches.pending_chunks(batch.pk):
        batches.run_chunk(batch.pk, chunk, today=today)
    return batch.items.get()


def test_reaching_70_replaces_the_certificate_from_the_hakko_kijitsu_with_the_rate(buhin, clerk):
    old = _holder(buhin, date(1956, 12, 20), date(2025, 1, 5), date(2029, 12, 31), "2割")
    item = _renew(old, clerk)
    assert item.status == "done", item.error
    new = item.certificate
    assert (new.valid_from, new.valid_to) == (date(2027, 1, 1), date(2027, 7, 31))
    assert new.snapshot["copay_ratio"] == "2割" and new.snapshot["copay_from"] == "2027-01-01"
    old.refresh_from_db()
    assert old.revoked_on == date(2027, 1, 1)  # it stops where the new one starts


def test_a_new_1_august_period_without_a_rate_fails_with_the_reason_and_issues_nothing(
    buhin, clerk
):
    old = _holder(buhin, date(1953, 5, 5), date(2026, 1, 5), date(2031, 1, 4))
    item = _renew(old, clerk)
    assert item.status == "failed" and "負担割合が未登録のため" in item.error
    old.refresh_from_db()
    assert old.revoked_on is None and not EligibilityCertificate.objects.filter(renews=old)


def test_ex_officio_records_a_70_74_person_without_a_rate_as_failed(buhin, supervisor):
    person = make_member(buhin, name="職権　未登録", birth_date=date(1953, 5, 5))
    rated = make_member(buhin, name="職権　登録済", birth_date=date(1953, 6, 6))
    rated.copay_rate = "3割"
    rated.save(update_fields=["copay_rate"])
    batch = batches.start_ex_officio(TODAY, actor=supervisor, enqueue=False)
    for chunk in batches.pending_chunks(batch.pk):
        batches.run_chunk(batch.pk, chunk, today=TODAY)
    failed = batch.items.get(member=person)
    assert failed.status == "failed" and "負担割合が未登録のため" in failed.error
    done = batch.items.get(member=rated)
    assert done.status == "done" and done.certificate.valid_to == date(2027, 7, 31)
    assert not EligibilityCertificate.objects.filter(member=person).exists()


def test_an_old_certificate_past_a_registration_is_not_issued_twice(buhin, clerk):
    # The renewal of an ordinary certificate still starts the day after it ends.
    person = make_member(buhin, name="普通　更新")
    old = issue_certificate(
        person,
        issued_on=date(2022, 1, 5),
        valid_from=date(2022, 1, 5),
        valid_to=date(2026, 12, 31),
        source="application",
    )
    item = _renew(old, clerk)
    assert item.certificate.valid_from == date(2027, 1, 1)
    old.refresh_from_db()
    assert old.revoked_on is None

"""職権交付 and renewals in bulk: the targets, idempotent chunks (a chunk run twice issues
nothing twice), skips, progress, the supervisor's page, the renewal list and bulk renewal.
Chunks are run in-process here; real task workers are proven by the notice batches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from eligibility.certificates import batches
from eligibility.certificates.services import issue_certificate
from eligibility.models import CertificateBatch, CertificateBatchItem, EligibilityCertificate
from portal.models import AuditEvent
from tests.employer_world import TODAY, register
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import buhin as buhin
from tests.employer_world import household as household
from tests.employer_world import new_hire as new_hire
from tests.factories import make_member

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 12, 2)


@pytest.fixture
def people(buhin, new_hire, household):
    """Who gets a certificate on AS_OF, and who does not."""
    cancelled = make_member(buhin, name="解除　花子", acquired_on=date(2012, 4, 1))
    register(cancelled, "cancelled", cancelled=date(2026, 11, 20))  # usable until 2026-12-31
    holder = make_member(buhin, name="確認書　持子", acquired_on=date(2012, 4, 1))
    issue_certificate(
        holder,
        issued_on=date(2026, 1, 5),
        valid_from=date(2026, 1, 5),
        valid_to=date(2031, 1, 4),
        source="application",
    )
    left = make_member(buhin, name="退職　次郎", acquired_on=date(2000, 4, 1), lost_on=AS_OF)
    return {
        "hire": new_hire,
        "cancelled": cancelled,
        "holder": holder,
        "registered": household,
        "left": left,
    }


def _run_all(batch, today=TODAY) -> list[batches.ChunkResult]:
    return [
        batches.run_chunk(batch.pk, chunk, today=today)
        for chunk in batches.pending_chunks(batch.pk)
    ]


def test_ex_officio_targets_everyone_enrolled_without_registration_or_certificate(people):
    targets = set(batches.ex_officio_targets(AS_OF))
    assert targets == {people["hire"], people["cancelled"]}


def test_a_batch_issues_one_certificate_each_and_a_chunk_run_twice_issues_nothing_twice(
    people, supervisor
):
    batch = batches.start_ex_officio(AS_OF, actor=supervisor, enqueue=False)
    assert batch.total == 2
    chunk = next(batches.pending_chunks(batch.pk))
    first = batches.run_chunk(batch.pk, chunk, today=TODAY)
    again = batches.run_chunk(batch.pk, chunk, today=TODAY)
    assert len(first.done) == 2 and again.as_dict() == {
        "done": 0,
        "skipped": 0,
        "failed": 0,
        "untouched": 2,
    }
    issued = EligibilityCertificate.objects.filter(batch=batch)
    assert issued.count() == 2
    hire = issued.get(member=people["hire"])
    assert (hire.issued_on, hire.valid_from, hire.valid_to) == (TODAY, AS_OF, date(2031, 12, 1))
    assert hire.source == "ex_officio" and hire.pdf
    # Nobody holds both: the cancelled registration works until 2026-12-31.
    assert issued.get(member=people["cancelled"]).valid_from == date(2027, 1, 1)
    batch.refresh_from_db()
    assert batch.status == CertificateBatch.Status.FINISHED
    assert AuditEvent.objects.filter(action="certificate_batch.finish").count() == 1

    # An item reset by hand: the belt (one certificate per batch and member) holds.
    CertificateBatchItem.objects.filter(batch=batch).update(status="pending", certificate=None)
    _run_all(batch)
    assert EligibilityCertificate.objects.filter(batch=batch).count() == 2
    assert set(
        CertificateBatchItem.objects.filter(batch=batch).values_list("status", flat=True)
    ) == {"done"}

    # A second batch on the same day finds nobody left.
    with pytest.raises(batches.BatchError):
        batches.start_ex_officio(AS_OF, actor=supervisor, enqueue=False)


def test_someone_whose_situation_changed_is_skipped_with_the_reason(people, supervisor):
    batch = batches.start_ex_officio(AS_OF, actor=supervisor, enqueue=False)
    register(people["hire"])  # registered as マイナ保険証 after the batch started
    results = _run_all(batch)
    assert sum(r.skipped for r in results) == 1
    item = CertificateBatchItem.objects.get(batch=batch, member=people["hire"])
    assert item.status == "skipped" and "対象ではなくなりました" in item.error
    assert not EligibilityCertificate.objects.filter(member=people["hire"]).exists()


def test_batch_certificates_tell_linked_members(people, supervisor, member, mailoutbox):
    people["hire"].account = member
    people["hire"].save()
    batch = batches.start_ex_officio(AS_OF, actor=supervisor, enqueue=False)
    _run_all(batch)
    assert [m.to for m in mailoutbox] == [[member.email]]


def test_the_supervisor_previews_and_starts_the_batch_as_task_chunks(
    client, people, supervisor, clerk, django_capture_on_commit_callbacks
):
    url = reverse("eligibility:certificate_batches")
    client.force_login(clerk)
    response = client.post(url, {"as_of": "2026-12-02", "action": "start"}, follow=True)
    assert "承認者(supervisor)だけ" in response.content.decode()
    assert not CertificateBatch.objects.exists()

    client.force_login(supervisor)
    preview = client.post(url, {"as_of": "令和8年12月2日", "action": "preview"})
    assert "対象は 2人です" in preview.content.decode()
    assert not CertificateBatch.objects.exists()
    bad = client.post(url, {"as_of": "2026-13-40", "action": "start"})
    assert bad.status_code == 200 and not CertificateBatch.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"as_of": "2026-12-02", "action": "start"})
    batch = CertificateBatch.objects.get()
    assert response["Location"] == reverse("eligibility:certificate_batch", args=[batch.pk])
    tasks = DBTaskResult.objects.filter(task_path="eligibility.tasks.run_certificate_chunk")
    assert [t.args_kwargs["args"][0] for t in tasks] == [batch.pk]
    assert tasks.get().queue_name == "certificates"

    page = client.get(response["Location"]).content.decode()
    assert "0%" in page and "未処理の分を再開する" in page
    _run_all(batch)
    page = client.get(response["Location"]).content.decode()
    assert "100%" in page and "完了" in page


# --- renewal -------------------------------------------------------------------------------------


@pytest.fixture
def expiring(buhin):
    soon, later = (
        make_member(buhin, name=name, acquired_on=date(2012, 4, 1))
        for name in ("期限　近子", "期限　先子")
    )
    certificates = {}
    for person, valid_to in (
        (soon, TODAY + timedelta(days=30)),
        (later, TODAY + timedelta(days=120)),
    ):
        certificates[person.name] = issue_certificate(
            person,
            issued_on=date(2023, 1, 1),
            valid_from=date(2023, 1, 1),
            valid_to=valid_to,
            source="application",
        )
    return certificates


def test_the_renewal_list_and_a_bulk_renewal(client, supervisor, expiring):
    soon = expiring["期限　近子"]
    client.force_login(supervisor)
    url = reverse("eligibility:certificate_renewals")
    page = client.get(url).content.decode()
    assert "期限　近子" in page and "期限　先子" not in page
    assert "期限　先子" in client.get(url, {"days": "150"}).content.decode()
    assert "日数の指定に誤り" in client.get(url, {"days": "abc"}).content.decode()

    response = client.post(url, {"days": "90"})
    batch = CertificateBatch.objects.get(kind="renewal")
    assert response["Location"] == reverse("eligibility:certificate_batch", args=[batch.pk])
    assert batch.total == 1
    _run_all(batch)
    _run_all(batch)
    renewal = EligibilityCertificate.objects.get(renews=soon)
    assert renewal.valid_from == soon.valid_to + timedelta(days=1)
    assert renewal.valid_to == date(2031, 12, 26)
    assert renewal.source == "renewal" and renewal.issued_on == TODAY
    assert "期限　近子" not in client.get(url).content.decode()  # renewed: off the list
    # Renewing the same certificate again issues nothing.
    again = batches.start_renewal([soon], today=TODAY, actor=supervisor, enqueue=False)
    _run_all(again)
    item = again.items.get()
    assert item.status == "skipped" and "すでに更新されています" in item.error
    assert EligibilityCertificate.objects.filter(renews=soon).count() == 1


def test_renewing_only_the_ticked_certificates(client, supervisor, expiring):
    later = expiring["期限　先子"]
    client.force_login(supervisor)
    client.post(
        reverse("eligibility:certificate_renewals"), {"days": "150", "certificate": [later.pk]}
    )
    batch = CertificateBatch.objects.get()
    assert list(batch.items.values_list("renews", flat=True)) == [later.pk]


def test_an_empty_renewal_list_starts_nothing(client, supervisor, buhin):
    client.force_login(supervisor)
    response = client.post(reverse("eligibility:certificate_renewals"), {"days": "90"}, follow=True)
    assert "更新する資格確認書がありません" in response.content.decode()
    assert not CertificateBatch.objects.exists()

"""Staff and employer screens: what waits in each queue on the home pages; the CSV template for
the employer's application upload; upload errors sorted by line, each naming its column."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from eligibility.applications import csv_upload as application_csv
from eligibility.applications import services as applications
from eligibility.models import CertificateApplication
from members.models import MyNumberConflict
from notices.models import MismatchCase, Notice
from notices.services import issue_notice
from tests.employer_world import TODAY
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import buhin as buhin
from tests.employer_world import household as household
from tests.employer_world import hr as hr
from tests.employer_world import new_dependent as new_dependent
from tests.employer_world import new_hire as new_hire
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _count(page: str, label: str) -> int:
    found = re.search(re.escape(label) + r'<span class="pending__count">(\d+)件</span>', page)
    assert found, label
    return int(found.group(1))


def _case(person, reporter, status=MismatchCase.Status.RECEIVED) -> MismatchCase:
    notice = issue_notice(person, Notice.Reason.INITIAL, now=timezone.now(), notify=False)
    return MismatchCase.objects.create(
        member=person,
        notice=notice,
        reported_by=reporter,
        registered_last4="0000",
        reported_last4="4321",
        contact="090-1234-5678",
        comment="",
        status=status,
        # Pending approval holds the proposal's ciphertext (a constraint); its content is not
        # read here.
        proposed_token="x" if status == MismatchCase.Status.PENDING_APPROVAL else "",
        closed_at=None if status in MismatchCase.OPEN_STATUSES else timezone.now(),
    )


@pytest.fixture
def work(buhin, new_hire, household, new_dependent, member, clerk):
    """Two open cases (one awaiting approval), one closed; two applications to review, one
    returned; one open number conflict and one resolved."""
    _case(new_hire, member)
    _case(household, member, MismatchCase.Status.PENDING_APPROVAL)
    _case(new_dependent, member, MismatchCase.Status.NO_ERROR)
    for person in (new_hire, new_dependent):
        applications.submit(buhin, [person], reason="no_card", applied_on=TODAY, user=None)
    extra = make_member(buhin, name="返戻　太郎", acquired_on=date(2026, 10, 1))
    returned = applications.submit(buhin, [extra], reason="no_card", applied_on=TODAY, user=None)
    applications.return_application(returned, "記載に誤りがあります。", user=clerk)
    MyNumberConflict.objects.create(member=new_hire, holder=household, offered_last4="1234")
    MyNumberConflict.objects.create(
        member=household, holder=new_hire, offered_last4="5678", resolved_at=timezone.now()
    )


def test_the_staff_home_counts_what_waits(client, work, clerk):
    client.force_login(clerk)
    page = client.get(reverse("staff_home")).content.decode()
    assert _count(page, "下4桁相違の申出(未完了)") == 2
    assert _count(page, "資格確認書の申請(審査待ち)") == 2
    assert f'href="{reverse("members:mismatch_queue")}"' in page
    assert f'href="{reverse("eligibility:staff_queue")}"' in page
    assert "承認者メニュー(" not in page  # a clerk's menu leaves out the supervisor's queue


def test_the_supervisor_home_counts_approvals_and_conflicts(client, work, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("supervisor_home")).content.decode()
    assert _count(page, "マイナンバー訂正(承認待ち)") == 1
    assert _count(page, "マイナンバー重複(未解決)") == 1
    assert _count(page, "下4桁相違の申出(未完了)") == 2
    assert "?status=pending_approval" in page
    staff = client.get(reverse("staff_home")).content.decode()
    assert "承認待ち 1件・重複 1件" in staff


def test_the_employer_home_points_at_returned_applications(client, work, hr):
    client.force_login(hr)
    page = client.get(reverse("members:employer_home")).content.decode()
    assert "差し戻された申請が1件あります" in page
    assert f'href="{reverse("eligibility:employer_applications")}?status=returned"' in page


def test_an_employer_with_nothing_returned_sees_no_call_to_act(client, buhin, hr):
    client.force_login(hr)
    page = client.get(reverse("members:employer_home")).content.decode()
    assert "差し戻された申請が" not in page


# --- the CSV template ---------------------------------------------------------------------------

TEMPLATE = "csv/certificate-application-template.csv"


def test_the_csv_template_is_the_upload_header_with_a_bom(client, hr):
    data = (settings.BASE_DIR / "static" / TEMPLATE).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == [",".join(application_csv.COLUMNS)]
    client.force_login(hr)
    page = client.get(reverse("eligibility:employer_upload")).content.decode()
    assert f'href="{settings.STATIC_URL}{TEMPLATE}" download=' in page


def test_the_template_itself_uploads_as_a_file_with_no_rows(buhin):
    data = (settings.BASE_DIR / "static" / TEMPLATE).read_bytes()
    result = application_csv.upload(
        io.BytesIO(data), employer=buhin, applied_on=TODAY, user=None, file_name="t.csv"
    )
    assert not result.applied and len(result.errors) == 1  # "no rows", not a header error
    assert result.errors[0]["line"] is None


# --- errors by line, naming the column ----------------------------------------------------------


def test_upload_errors_are_sorted_by_line_and_name_the_column(buhin, new_hire, household):
    rows = [
        "記号,番号,枝番,氏名,生年月日,申請理由,理由の詳細",
        "1201,8051,00,高橋　直樹,1990-12-24,1,",  # 2: registered (found in the last pass)
        "1201,9999,00,誰　でもない,1990-01-01,1,",  # 3: nobody (second pass)
        "1201,8050,00,新井　翔,2003-04-03,1,",  # 4: birth date differs (second pass)
        "1201,ab,00,新井　翔,2003-04-02,1,",  # 5: a bad cell (first pass)
    ]
    data = ("\r\n".join(rows) + "\r\n").encode("utf-8-sig")
    result = application_csv.upload(
        io.BytesIO(data), employer=buhin, applied_on=TODAY, user=None, file_name="a.csv"
    )
    assert not result.applied
    assert not CertificateApplication.objects.exists()
    lines = [error["line"] for error in result.errors]
    assert lines == [2, 3, 4, 5]
    messages = {error["line"]: error["message"] for error in result.errors}
    assert messages[3].startswith("記号・番号・枝番: ")
    assert messages[4].startswith("氏名・生年月日: ")
    assert messages[5].startswith("番号: ")

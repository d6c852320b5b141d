"""The CSV upload of many applications: all or nothing, every bad row reported by line."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from eligibility.applications import csv_upload as application_csv
from eligibility.models import CertificateApplication
from portal.models import AuditEvent
from tests.employer_world import TODAY
from tests.employer_world import _media_and_day as _media_and_day  # autouse fixture
from tests.employer_world import brakes as brakes
from tests.employer_world import buhin as buhin
from tests.employer_world import household as household
from tests.employer_world import hr as hr
from tests.employer_world import new_dependent as new_dependent
from tests.employer_world import new_hire as new_hire
from tests.employer_world import outsider as outsider
from tests.factories import make_member

pytestmark = pytest.mark.django_db

HEADER = "記号,番号,枝番,氏名,生年月日,申請理由,理由の詳細"


@pytest.fixture
def hire_family(new_hire):
    spouse = make_member(
        insured=new_hire,
        edaban="01",
        relation="配偶者",
        name="新井　美和",
        name_kana="アライ　ミワ",
        birth_date=date(2002, 8, 8),
        acquired_on=date(2026, 10, 1),
    )
    return new_hire, spouse


def _csv(*rows: str, encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding)


def _upload(employer, data: bytes):
    return application_csv.upload(
        io.BytesIO(data), employer=employer, applied_on=TODAY, user=None, file_name="a.csv"
    )


GOOD = (
    "1201,8050,00,新井 翔,2003-04-02,1,",
    "1201,8050,1,新井　美和,平成14年8月8日,カード未取得,",
    "1201,8051,01,高橋　陽菜,R8.9.15,5,出生直後のため",
)


def test_a_good_file_becomes_one_application_per_household_and_reason(
    buhin, hire_family, new_dependent
):
    result = _upload(buhin, _csv(*GOOD))
    assert result.applied and result.errors == [] and result.rows == 3
    assert len(result.created) == 2
    hire_app = CertificateApplication.objects.get(insured=hire_family[0])
    assert sorted(p.edaban for p in hire_app.persons.all()) == ["00", "01"]
    assert hire_app.source == "csv" and hire_app.reason == "no_card"
    child_app = CertificateApplication.objects.get(persons__member=new_dependent)
    assert child_app.reason_label == "その他(出生直後のため)"
    assert AuditEvent.objects.get(action="certificate_application.upload").outcome == "success"


def test_shift_jis_files_are_read(buhin, hire_family):
    result = _upload(buhin, _csv(*GOOD[:2], encoding="cp932"))
    assert result.applied and len(result.created) == 1


def test_one_bad_row_stops_the_whole_file_and_every_bad_row_is_reported(
    buhin, hire_family, new_dependent, household, outsider
):
    data = _csv(
        GOOD[0],
        "1201,8050,01,新井　美和,2002-08-09,1,",  # 3: birth date differs from the record
        "1305,8070,00,中村　浩二,1985-04-01,1,",  # 4: the other employer's person
        "1201,8051,00,高橋　直樹,1990-12-24,1,",  # 5: registered as マイナ保険証
        "1201,8051,01,高橋　陽菜,2026-09-15,5,",  # 6: その他 without its text
        "1201,8050,00,新井　翔,2003-04-02,2,",  # 7: the same person again
        "1201,ab,00,新井　翔,2003-13-01,9,",  # 8: three bad cells
    )
    result = _upload(buhin, data)
    assert not result.applied
    assert not CertificateApplication.objects.exists()
    by_line: dict[int, list[str]] = {}
    for error in result.errors:
        by_line.setdefault(error["line"], []).append(error["message"])
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert "一致しません" in by_line[3][0]
    assert "該当する加入者がいません" in by_line[4][0]
    assert "マイナ保険証の利用登録があるため" in by_line[5][0]
    assert "理由を具体的に" in by_line[6][0]
    assert "2行目にもあります" in by_line[7][0]
    assert len(by_line[8]) == 3
    assert "中村" not in str(result.errors)  # no cell is echoed
    assert AuditEvent.objects.get(action="certificate_application.upload").outcome == "failure"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "ファイルが空です"),
        (b"\x00\x01\x02", "読み取れません"),
        ("記号,番号\r\n1201,50\r\n".encode(), "見出し行"),
        (_csv(), "データ行がありません"),
    ],
)
def test_unreadable_files_change_nothing(buhin, data, message):
    result = _upload(buhin, data)
    assert not result.applied and message in result.errors[0]["message"]


def test_the_upload_page(client, hr, hire_family):
    client.force_login(hr)
    url = reverse("eligibility:employer_upload")
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile("a.csv", _csv("1201,8050,00,新井 翔,2003-04-03,1,"), "text/csv")
    page = client.post(url, {"file": bad}).content.decode()
    assert "2行目: 氏名・生年月日: 記号・番号・枝番の方の記録と一致しません" in page
    assert "1件も申請されていません" in page
    good = SimpleUploadedFile("a.csv", _csv(*GOOD[:2]), "text/csv")
    response = client.post(url, {"file": good}, follow=True)
    assert "2人分を1件の申請として受け付けました" in response.content.decode()
    assert CertificateApplication.objects.count() == 1
    assert client.post(url, {}).status_code == 200  # no file: a message, nothing else

"""資格情報のお知らせ on the web: the verification page, the member's and staff pages, the
household's e-mail, and new notices after a change of number or name."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from members.models import Member
from members.roster.importer import import_roster
from members.services import register_my_number
from notices import services
from notices.models import Notice
from notices.verification import token_for
from portal.dev.demo import DEMO_ROSTER_DIR as DATA
from portal.dev.demo import load_demo_roster
from portal.models import AuditEvent
from tests import notice_world
from tests.factories import valid_my_number
from tests.notice_world import NUMBERS
from tests.notice_world import issue as _issue

# The shared fixture, by name (tests/notice_world.py).
household = notice_world.household


def test_the_verification_page_says_current_superseded_or_revoked(client, household):
    first = _issue(household["insured"])
    url = reverse("notices:verify", args=[token_for(first.public_id)])
    page = client.get(url).content.decode()
    assert "最新" in page and "髙橋 ○○" in page and "12**" in page
    assert "花子" not in page and NUMBERS["insured"][-4:] not in page
    _issue(household["insured"], Notice.Reason.REISSUE)
    assert "置き換えられています" in client.get(url).content.decode()
    Notice.objects.filter(pk=first.pk).update(revoked_at=timezone.now())
    assert "無効" in client.get(url).content.decode()
    assert AuditEvent.objects.filter(action="notice.verify").count() == 3


@pytest.mark.parametrize("token", ["nothing", "abc:def", token_for("no-such-notice")])
def test_a_forged_or_unknown_token_is_a_404(client, db, token):
    assert client.get(reverse("notices:verify", args=[token])).status_code == 404


def test_the_verification_page_is_rate_limited(client, household, settings):

    settings.VERIFY_MAX_PER_IP = 3
    notice = _issue(household["insured"])
    url = reverse("notices:verify", args=[token_for(notice.public_id)])
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_member_sees_the_households_notices_and_opens_them(client, household, member):
    notices = {key: _issue(person) for key, person in household.items()}
    client.force_login(member)
    home = client.get(reverse("members:home")).content.decode()
    for notice in notices.values():
        assert reverse("notices:member_notice_pdf", args=[notice.pk]) in home
    page = client.get(reverse("notices:member_notice", args=[notices["spouse"].pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "髙橋　𠮷男" in text
    assert NUMBERS["spouse"][-4:] in text and NUMBERS["spouse"] not in text
    assert AuditEvent.objects.filter(action="notice.view", actor=member).count() == 1


def test_before_the_availability_date_members_see_no_notice(
    client, household, member, time_machine
):
    notice = _issue(household["insured"])
    time_machine.move_to(date(2024, 10, 14))
    client.force_login(member)
    assert "令和6年10月15日 (2024年)から" in client.get(reverse("members:home")).content.decode()
    assert client.get(reverse("notices:member_notice", args=[notice.pk])).status_code == 404
    time_machine.move_to(date(2024, 10, 15))
    client.force_login(member)  # sessions last eight hours
    assert client.get(reverse("notices:member_notice", args=[notice.pk])).status_code == 200


def test_other_households_and_old_versions_are_404_for_members(
    client, household, member, other_member
):
    old = _issue(household["insured"])
    _issue(household["insured"], Notice.Reason.REISSUE)
    client.force_login(member)
    for name in ["notices:member_notice", "notices:member_notice_pdf"]:
        assert client.get(reverse(name, args=[old.pk])).status_code == 404
    current = Notice.objects.get(member=household["insured"], superseded_by__isnull=True)
    client.force_login(other_member)
    for name in ["notices:member_notice", "notices:member_notice_pdf"]:
        assert client.get(reverse(name, args=[current.pk])).status_code == 404


def test_staff_see_every_version_and_issue_one_by_hand(client, household, clerk):
    first = _issue(household["insured"])
    client.force_login(clerk)
    page = client.get(reverse("members:staff_member", args=[household["insured"].pk]))
    assert "第1版" in page.content.decode()
    response = client.post(
        reverse("notices:staff_issue", args=[household["insured"].pk]), {"reason": "reissue"}
    )
    assert response.status_code == 302
    page = client.get(reverse("members:staff_member", args=[household["insured"].pk]))
    assert "第2版" in page.content.decode() and "差し替え済" in page.content.decode()
    pdf = client.get(reverse("notices:staff_notice_pdf", args=[first.pk]))
    assert pdf.status_code == 200
    assert AuditEvent.objects.filter(action="notice.download", actor=clerk).count() == 1


def test_a_bad_reason_issues_nothing(client, household, clerk):
    client.force_login(clerk)
    client.post(reverse("notices:staff_issue", args=[household["insured"].pk]), {"reason": "x"})
    assert not Notice.objects.exists()


def test_the_household_gets_an_email_with_the_name_only(
    household, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _issue(household["spouse"])
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [household["insured"].account.email]
    assert "髙橋　花子" in mail.body
    body = mail.body + mail.alternatives[0].content
    # The links to each new notice carry only its id, which may hold any digits.
    body = re.sub(r"https?://[^\s\"<]+", "", body)
    for private in ["1201", "𠮷男", NUMBERS["spouse"][-4:], NUMBERS["insured"][-4:]]:
        assert private not in body


def test_a_corrected_my_number_issues_a_new_notice(household, django_capture_on_commit_callbacks):
    first = _issue(household["insured"])
    corrected = valid_my_number(16180339887)
    with django_capture_on_commit_callbacks(execute=True):
        register_my_number(household["insured"], corrected, source="correction")
    latest = Notice.objects.get(member=household["insured"], superseded_by__isnull=True)
    assert latest.version == 2 and latest.reason == Notice.Reason.MYNUMBER_CORRECTION
    assert latest.snapshot["last4"] == corrected[-4:]
    first.refresh_from_db()
    assert first.state == "superseded"


def test_a_first_number_for_someone_without_a_notice_issues_nothing(
    household, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register_my_number(household["child"], valid_my_number(14142135623), source="test")
    assert not Notice.objects.exists()


def _demo_members_file(**changes_by_key: dict[str, str]) -> bytes:
    text = (DATA / "members.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        key = f"{row['記号']}-{row['番号']}-{row['枝番']}"
        row.update(changes_by_key.get(key, {}))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_a_name_change_in_the_roster_issues_a_new_notice(
    insurer, django_capture_on_commit_callbacks
):
    load_demo_roster()
    hanako = Member.objects.get(kigo="1201", bango="1", edaban="00")
    taro = Member.objects.get(kigo="1201", bango="1", edaban="01")
    for person in (hanako, taro):
        _issue(person)
    data = _demo_members_file(**{"1201-1-00": {"氏名": "佐藤　花子", "氏名カナ": "サトウ　ハナコ"}})
    with django_capture_on_commit_callbacks(execute=True):
        run = import_roster(io.BytesIO(data), file_name="members.csv")
    assert run.outcome == "applied" and run.updated == 1
    latest = Notice.objects.get(member=hanako, superseded_by__isnull=True)
    assert (latest.version, latest.reason) == (2, Notice.Reason.CHANGE)
    assert latest.snapshot["name"] == "佐藤　花子"
    # Nobody else's notice changed.
    assert Notice.objects.filter(member=taro).count() == 1


def test_an_address_change_issues_no_notice(insurer, django_capture_on_commit_callbacks):
    load_demo_roster()
    hanako = Member.objects.get(kigo="1201", bango="1", edaban="00")
    _issue(hanako)
    data = _demo_members_file(**{"1201-1-00": {"住所": "東京都港区高輪9-9-9"}})
    with django_capture_on_commit_callbacks(execute=True):
        import_roster(io.BytesIO(data), file_name="members.csv")
    assert Notice.objects.filter(member=hanako).count() == 1


def _fonts(resources) -> list[str]:
    """Every font a page uses, the form layer's (a form XObject) included."""
    names = [
        font.get_object()["/BaseFont"].split("+", 1)[1]
        for font in resources.get("/Font", {}).values()
    ]
    for xobject in resources.get("/XObject", {}).values():
        xobject = xobject.get_object()
        if xobject["/Subtype"] == "/Form":
            names += _fonts(xobject["/Resources"])
    return names


def test_the_notice_embeds_only_its_own_fonts(household):
    # A character missing from IPAex makes Pango reach for any system font (DejaVu for ✂ once),
    # which costs a font subset per notice and looks foreign on the page. The entries layer
    # uses one face only: the bold one lives in the form.
    reader = PdfReader(io.BytesIO(services.pdf_bytes(_issue(household["insured"]))))
    fonts = _fonts(reader.pages[0]["/Resources"])
    assert set(fonts) == {"IPAexGothic", "IPAexGothic-Bold"}
    entries_fonts = [
        font.get_object()["/BaseFont"] for font in reader.pages[0]["/Resources"]["/Font"].values()
    ]
    assert [name.split("+", 1)[1] for name in entries_fonts] == ["IPAexGothic"]

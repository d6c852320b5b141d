"""Staff: the status on the member page, editing the records behind it (audited), and the list
of members with no valid document (filters, pages, CSV)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from eligibility.followup import services as followup
from eligibility.followup import views as eligibility_views
from eligibility.models import EligibilityCertificate, LegacyCard, MynaRegistration
from eligibility.rules import Primary
from eligibility.status import member_advice
from members.models import Employer, Member
from portal.models import AuditEvent, contains_full_number
from tests.eligibility_demo import DAYS, at, expected_on, key_of, load_demo, member_by_key
from tests.test_guards import _check_page

LIST = reverse("eligibility:no_valid_document")
NO_DOCUMENT = {Primary.NONE, Primary.NOTICE_PROVISIONAL}


@pytest.fixture
def demo(db, insurer, time_machine):
    load_demo(time_machine)


def _edit_urls(member: Member, certificate: EligibilityCertificate) -> list[str]:
    return [
        reverse("eligibility:staff_registration", args=[member.pk]),
        reverse("eligibility:staff_legacy_card", args=[member.pk]),
        reverse("eligibility:staff_certificate_add", args=[member.pk]),
        reverse("eligibility:staff_certificate_edit", args=[certificate.pk]),
    ]


def _tome_certificate() -> EligibilityCertificate:
    return EligibilityCertificate.objects.get(member=member_by_key("1202-102-03"))


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["member", "employer_user", "auditor"])
def test_only_staff_open_the_staff_pages(client, demo, request, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in [*_edit_urls(member_by_key("1201-1-00"), _tome_certificate()), LIST]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert client.get(LIST, {"format": "csv"}).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, demo):
    for url in [*_edit_urls(member_by_key("1201-1-00"), _tome_certificate()), LIST]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["clerk", "supervisor"])
def test_staff_pages_render_with_one_heading_and_are_audited(client, demo, request, persona):
    client.force_login(request.getfixturevalue(persona))
    urls = _edit_urls(member_by_key("1201-1-00"), _tome_certificate())
    for url in [*urls, LIST]:
        response = client.get(url)
        assert response.status_code == 200, url
        _check_page(response, url)
    pages = [event.detail["page"] for event in _events("eligibility.view")]
    assert pages == ["registration", "legacy_card", "certificate_add", "certificate_edit"]
    assert len(_events("eligibility.no_document_list")) == 1


# --- the member page --------------------------------------------------------------------------


def test_the_member_page_shows_the_status_and_the_records(client, demo, clerk, time_machine):
    time_machine.move_to(at("2026-01-15"))
    client.force_login(clerk)
    koji = member_by_key("1305-21-00")
    html = client.get(reverse("members:staff_member", args=[koji.pk])).content.decode()
    section = html[html.index('id="eligibility-title"') :]
    assert Primary.MYNA_CARD.label in section
    assert "電子証明書の有効期限（令和7年12月10日）" in section  # the grace warning
    assert "令和3年3月1日 (2021年)" in section
    for name in ("staff_registration", "staff_legacy_card", "staff_certificate_add"):
        assert reverse(f"eligibility:{name}", args=[koji.pk]) in section
    tome = member_by_key("1202-102-03")
    html = client.get(reverse("members:staff_member", args=[tome.pk])).content.decode()
    assert (
        '<span class="nowrap">令和7年12月2日 (2025年)</span>〜'
        '<span class="nowrap">令和12年11月30日 (2030年)</span>'
    ) in html
    assert reverse("eligibility:staff_certificate_edit", args=[_tome_certificate().pk]) in html


# --- editing ----------------------------------------------------------------------------------


def test_staff_record_a_cancellation(client, demo, clerk):
    hanako = member_by_key("1201-1-00")
    client.force_login(clerk)
    url = reverse("eligibility:staff_registration", args=[hanako.pk])
    response = client.post(
        url,
        {
            "status": "cancelled",
            "registered_on": "",
            "cancellation_applied_on": "令和7年1月15日",
            "card_certificate_expires_on": "2029-04-01",
            "has_card": "yes",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("members:staff_member", args=[hanako.pk]))
    registration = MynaRegistration.objects.get(member=hanako)
    assert registration.status == "cancelled" and registration.source == "staff"
    assert str(registration.registered_on) == "2023-05-10"  # kept from the record
    assert str(registration.cancellation_applied_on) == "2025-01-15"
    [event] = [e for e in _events("eligibility.registration_update") if e.actor == clerk]
    assert event.target_id == str(hanako.pk)
    assert event.detail["changes"]["status"] == {"before": "registered", "after": "cancelled"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"registered_on": "2025-13-45"}, "日付として正しくありません", id="存在しない日"
        ),
        pytest.param({"registered_on": "きのう"}, "日付の形式が正しくありません", id="日付でない"),
        pytest.param({"registered_on": "2099-01-01"}, "未来の日付は入力できません", id="未来"),
        pytest.param({"status": "unknown"}, "正しく選択してください", id="不正な状態"),
        pytest.param({"has_card": "maybe"}, "正しく選択してください", id="不正な所持"),
        pytest.param(
            {"status": "cancelled", "cancellation_applied_on": "2020-01-01"},
            "利用登録日より前",
            id="登録前の解除",
        ),
    ],
)
def test_bad_registration_input_changes_nothing(client, demo, clerk, data, message):
    hanako = member_by_key("1201-1-00")
    before = MynaRegistration.objects.get(member=hanako).updated_at
    client.force_login(clerk)
    fields = {"status": "registered", "registered_on": "2023-05-10", "has_card": "yes"}
    url = reverse("eligibility:staff_registration", args=[hanako.pk])
    response = client.post(url, {**fields, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert MynaRegistration.objects.get(member=hanako).updated_at == before
    assert not [e for e in _events("eligibility.registration_update") if e.actor == clerk]


def test_staff_record_a_legacy_card_and_are_refused_an_impossible_one(client, demo, clerk):
    client.force_login(clerk)
    hiroki = member_by_key("1201-4-00")
    url = reverse("eligibility:staff_legacy_card", args=[hiroki.pk])
    response = client.post(url, {"issued": "on", "issued_on": "R6.4.1", "expires_on": ""})
    assert response.status_code == 302
    assert str(LegacyCard.objects.get(member=hiroki).issued_on) == "2024-04-01"
    sakura = member_by_key("1202-103-00")  # joined 2024-12-02
    url = reverse("eligibility:staff_legacy_card", args=[sakura.pk])
    response = client.post(url, {"issued": "on", "issued_on": "", "expires_on": ""})
    assert response.status_code == 200 and "発行されていません" in response.content.decode()
    assert not LegacyCard.objects.filter(member=sakura).exists()


def test_staff_add_and_return_a_certificate(client, demo, clerk, time_machine):
    time_machine.move_to(at("2026-01-15"))
    sakura = member_by_key("1202-103-00")
    client.force_login(clerk)
    url = reverse("eligibility:staff_certificate_add", args=[sakura.pk])
    response = client.post(url, {"issued_on": "2026-01-10", "valid_from": "2026-01-10"})
    assert response.status_code == 302
    certificate = EligibilityCertificate.objects.get(member=sakura)
    assert str(certificate.valid_to) == "2031-01-09"  # the default: 5 years
    assert member_advice(sakura, at("2026-01-15").date()).primary is Primary.CERTIFICATE
    url = reverse("eligibility:staff_certificate_edit", args=[certificate.pk])
    data = {"issued_on": "2026-01-10", "valid_from": "2026-01-10", "valid_to": "2031-01-09"}
    assert client.post(url, {**data, "revoked_on": "2026-01-14"}).status_code == 302
    # Joined on 2024-12-02, never held a legacy card: no provisional measure (issue 13).
    assert member_advice(sakura, at("2026-01-15").date()).primary is Primary.NONE
    response = client.post(url, {**data, "valid_to": "2031-01-10"})
    assert response.status_code == 200 and "5年以内" in response.content.decode()
    actions = [e.action for e in AuditEvent.objects.filter(target_id=str(sakura.pk))]
    assert actions.count("eligibility.certificate_add") == 1
    assert actions.count("eligibility.certificate_update") == 1


def test_no_certificate_for_a_registered_member(client, demo, clerk):
    hanako = member_by_key("1201-1-00")
    client.force_login(clerk)
    url = reverse("eligibility:staff_certificate_add", args=[hanako.pk])
    response = client.post(url, {"issued_on": "2025-11-20", "valid_from": "2025-12-02"})
    assert response.status_code == 200 and "利用登録がある方" in response.content.decode()
    assert not EligibilityCertificate.objects.filter(member=hanako).exists()


# --- the no-valid-document list ---------------------------------------------------------------


def _listed(day) -> set[str]:
    return {key_of(m) for m in Member.objects.filter(pk__in=followup.without_valid_document(day))}


@pytest.mark.parametrize("day", DAYS)
def test_the_list_is_exactly_who_has_nothing_valid(demo, day):
    moment = at(day).date()
    expected = {
        key
        for key, primary in expected_on(day).items()
        if primary in NO_DOCUMENT and member_by_key(key).is_enrolled(moment)
    }
    assert _listed(moment) == expected
    # The definition agrees with the advice for every demo person.
    by_advice = {
        key_of(m)
        for m in Member.objects.enrolled_on(moment)
        if member_advice(m, moment).primary in NO_DOCUMENT
    }
    assert by_advice == expected


def test_the_list_page_filters_and_pages(client, demo, clerk, time_machine, monkeypatch):
    time_machine.move_to(at("2026-11-26"))
    monkeypatch.setattr(eligibility_views, "PER_PAGE", 4)
    client.force_login(clerk)
    response = client.get(LIST)
    html = response.content.decode()
    assert "9名" in html and "1 / 3 ページ" in html and "山田　翔太" in html
    page3 = client.get(LIST, {"page": "3"}).content.decode()
    assert "中村　大翔" in page3 and "山田　翔太" not in page3
    nakamura = Employer.objects.get(kigo="1305")
    html = client.get(LIST, {"employer": nakamura.pk}).content.decode()
    assert "3名" in html and "中村　由美" in html and "山田" not in html
    html = client.get(LIST, {"day": "令和7年6月1日"}).content.decode()
    assert "令和7年6月1日 (2025年)" in html and "山田　結衣" in html and "山田　翔太" not in html
    details = [e.detail for e in _events("eligibility.no_document_list")]
    assert details[2] == {"day": "2026-11-26", "employer": "1305", "rows": 3, "page": 1}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"employer": "xyz"}, "事業所の指定が正しくありません"),
        ({"employer": "999999"}, "事業所の指定が正しくありません"),
        ({"day": "2025-02-30"}, "日付として正しくありません"),
        ({"page": "abc"}, "ページの指定が正しくない"),
        ({"page": "²"}, "ページの指定が正しくない"),  # a digit to str.isdigit(), not a number
        ({"page": "999"}, "受診に使える書類がない加入者"),
    ],
)
def test_bad_list_input_gets_a_message(client, demo, clerk, query, message):
    client.force_login(clerk)
    response = client.get(LIST, query)
    assert response.status_code == 200
    _check_page(response, LIST)
    assert message in response.content.decode()


def test_the_csv_export(client, demo, clerk, time_machine):
    time_machine.move_to(at("2026-11-26"))
    client.force_login(clerk)
    response = client.get(LIST, {"format": "csv", "employer": Employer.objects.get(kigo="1201").pk})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="no-valid-document-1201-20261126.csv"'
    )
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff記号,番号,枝番,氏名")
    lines = body.strip().splitlines()
    assert len(lines) == 1 + 3
    assert lines[1].startswith("1201,1,02,山田　翔太,")
    assert not contains_full_number(body)
    for number in ("314159265352", "161803398872"):  # the demo's numbers
        assert number[-4:] not in body
    [event] = _events("eligibility.no_document_export")
    assert event.detail == {"day": "2026-11-26", "employer": "1201", "rows": 3}
    assert event.actor == clerk


def test_the_staff_menu_links_the_list(client, clerk, insurer):
    client.force_login(clerk)
    assert LIST in client.get(reverse("staff_home")).content.decode()

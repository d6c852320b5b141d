"""The journeys of the leak test (tests/test_leaks.py): every role's main paths, run through the
test client with known My Numbers, including the error paths where a number is typed where it
does not belong. Each journey asserts only that it got where it meant to go; the search for the
numbers is the test's.
"""

from __future__ import annotations

import re

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from eligibility.models import CertificateApplication, CertificateBatch, EligibilityCertificate
from members.models import Employer, Member
from notices.models import MismatchCase, Notice
from notices.verification import token_for
from tests.leak_capture import FULL, RecordingClient
from tests.leak_world import (
    NUMBERS,
    ROSTER,
    People,
    member,
    ok,
    roster_csv,
    run_tasks,
    spaced,
    typed_spellings,
)
from tests.personas import PASSWORD

N = NUMBERS

# --- staff: the roster, registration codes, notices in bulk ----------------------------------


def upload_roster(client: RecordingClient, clerk) -> None:
    client.force_login(clerk)
    from tests.roster_world import DATA

    employers = SimpleUploadedFile("employers.csv", (DATA / "employers.csv").read_bytes())
    ok(client.post(reverse("members:imports"), {"file": employers}), 302)
    # A file refused whole: the child's number twice, a bad 性別; its numbers on every error row.
    bad = [
        *ROSTER,
        {**ROSTER[2], "枝番": "03", "個人番号": N["insured"]},
        {**ROSTER[3], "性別": "?"},
        {**ROSTER[2], "枝番": "04", "個人番号": spaced(N["wrong_check"])},
    ]
    upload = SimpleUploadedFile(f"roster {spaced(N['typed'])}.csv", roster_csv(bad, "cp932"))
    ok(client.post(reverse("members:imports"), {"file": upload}, follow=True), 200)
    upload = SimpleUploadedFile("members.csv", roster_csv(ROSTER))
    response = client.post(reverse("members:imports"), {"file": upload}, follow=True)
    assert "取り込みました" in response.content.decode()
    assert Member.objects.filter(mynumber_status="on_file").count() == len(ROSTER)
    client.get(reverse("members:imports"))


def issue_notices(client: RecordingClient, clerk, done: set) -> None:
    client.force_login(clerk)
    url = reverse("notices:batches")
    client.get(url)
    # The list of members, with a full number pasted among the lines: refused, never echoed.
    members = f"1201-501-00\n{spaced(N['typed'])}\n1201-502-00"
    data = {"reason": "reissue", "as_of": "2026-11-26", "scope": "members", "members": members}
    ok(client.post(url, data), 200)
    ok(client.post(url, {**data, "as_of": spaced(N["typed"], "-")}), 200)
    employer = Employer.objects.get(kigo="1201")
    data = {"reason": "initial", "as_of": "2026-11-26", "scope": "employer"}
    ok(client.post(url, {**data, "employer": employer.pk}, follow=True), 200)
    assert run_tasks(done)
    batch_url = client.statuses[-1][0].split(" ", 1)[1]
    client.get(batch_url)
    ok(client.get(batch_url + "print/"), 200)
    assert Notice.objects.count() >= 4


def registration_code(client: RecordingClient, clerk) -> str:
    client.force_login(clerk)
    insured = member("1201", "501")
    client.get(reverse("members:staff_member", args=[insured.pk]))
    response = client.post(reverse("members:issue_code", args=[insured.pk]))
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", response.content.decode())
    # The mailing list of the other employer (it would replace the code just issued).
    other = Employer.objects.get(kigo="1305")
    ok(client.post(reverse("members:mailing_list"), {"employer": other.pk}), 200)
    return code.group()


# --- the member -------------------------------------------------------------------------------


def anonymous_types_numbers(client: RecordingClient) -> None:
    """Someone types a My Number where the e-mail goes: login, sign-up, password reset."""
    client.logout()
    for typed in [*typed_spellings(N["typed"]), f"{N['typed']}@example.jp"]:
        login = {"login": typed, "password": "wrong-password-1"}
        ok(client.post(reverse("account_login"), login), 200)
        signup = {"email": typed, "password1": PASSWORD, "password2": PASSWORD}
        ok(client.post(reverse("account_signup"), signup), 200)
        ok(client.post(reverse("account_reset_password"), {"email": typed}), 200)


def member_signs_up_and_links(client: RecordingClient, code: str) -> None:
    anonymous_types_numbers(client)
    email = "daisuke@example.jp"
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    ok(client.post(reverse("account_signup"), data), 302)
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    client.post(link.group(1))
    ok(client.post(reverse("account_login"), {"login": email, "password": PASSWORD}), 302)
    url = reverse("members:link")
    form = {"kigo": "1201", "bango": "501", "birth_date": "1980-06-15", "code": code}
    # The member types the My Number where the 番号 or the code goes: refused, never echoed.
    for field in ("bango", "code", "birth_date"):
        for typed in typed_spellings(N["insured"])[1:3]:
            ok(client.post(url, {**form, field: typed}), 200)
    ok(client.post(url, form), 302)
    assert member("1201", "501").account.email == email


def member_reads_and_reports(client: RecordingClient) -> MismatchCase:
    household = [member("1201", "501", edaban) for edaban in ("00", "01", "02")]
    client.get(reverse("members:home"))
    for person in household:
        notice = Notice.objects.filter(member=person).latest("version")
        client.get(reverse("notices:member_notice", args=[notice.pk]))
        ok(client.get(reverse("notices:member_notice_pdf", args=[notice.pk])), 200)
        client.get(reverse("notices:verify", args=[token_for(notice.public_id)]))
        client.post(
            reverse("eligibility:smartphone", args=[person.pk]), {"has_smartphone": N["typed"]}
        )
    client.get(reverse("eligibility:guide"), {"card": N["typed"], "registered": "yes"})
    notice = Notice.objects.filter(member=household[1]).latest("version")
    url = reverse("members:mismatch_report", args=[notice.pk])
    client.get(url)
    report = {"card_last4": "4321", "contact": "090-1234-5678", "comment": ""}
    for bad in (
        {"comment": f"正しくは {spaced(N['right'])} です"},
        {"card_last4": spaced(N["right"], "-")},
        {"contact": N["right"].translate(FULL)},
    ):
        ok(client.post(url, {**report, **bad}), 200)
    ok(client.post(url, report, follow=True), 200)
    case = MismatchCase.objects.get(member=household[1])
    client.get(reverse("members:mismatch_member_case", args=[case.pk]))
    return case


# --- the 業務課 and the approver --------------------------------------------------------------


def _case_post(client, name: str, case: MismatchCase, data: dict):
    case.refresh_from_db()
    return client.post(
        reverse(f"members:{name}", args=[case.pk]), {"version": case.version, **data}
    )


def clerk_searches_and_proposes(client: RecordingClient, clerk, case: MismatchCase) -> None:
    client.force_login(clerk)
    search = reverse("members:staff_search")
    for q in ("伊藤", "1201-501", "いとう"):
        ok(client.get(search, {"q": q}), 200)
    # A full number typed into the search box, or the 生年月日 box, in every spelling.
    for number in (N["insured"], N["holder"]):
        for typed in typed_spellings(number):
            response = client.get(search, {"q": typed})
            assert "個人番号では検索できません" in response.content.decode()
            client.get(search, {"q": "伊藤", "birth_date": typed})
    spouse = member("1201", "501", "01")
    client.get(reverse("members:staff_member", args=[spouse.pk]))
    client.get(reverse("members:mismatch_queue"))
    client.get(reverse("members:mismatch_case", args=[case.pk]))
    checks = dict.fromkeys(
        ["check_name", "check_kana", "check_birth_date", "check_sex", "check_address"], "1"
    )
    ok(_case_post(client, "mismatch_check", case, checks), 302)
    ok(_case_post(client, "mismatch_close", case, {"reason": f"番号 {N['right']} を確認"}), 200)
    held = {"number": spaced(N["holder"]), "number_confirm": N["holder"]}
    response = _case_post(client, "mismatch_propose", case, held)
    assert "別の加入者に登録されています" in response.content.decode()
    differ = {"number": N["right"], "number_confirm": N["typed"]}
    ok(_case_post(client, "mismatch_propose", case, differ), 200)
    wrong = {"number": N["wrong_check"], "number_confirm": N["wrong_check"]}
    assert "検査用数字" in _case_post(client, "mismatch_propose", case, wrong).content.decode()
    right = {"number": spaced(N["right"]), "number_confirm": spaced(N["right"], "-")}
    ok(_case_post(client, "mismatch_propose", case, right), 302)
    client.get(reverse("members:mismatch_case", args=[case.pk]))


def supervisor_approves(client: RecordingClient, supervisor, case: MismatchCase, done) -> None:
    client.force_login(supervisor)
    client.get(reverse("supervisor_home"))
    case_url = reverse("members:mismatch_case", args=[case.pk])
    client.get(case_url)
    ok(_case_post(client, "mismatch_approve", case, {}), 302)  # to the password page first
    response = client.post(
        f"{reverse('account_reauthenticate')}?next={case_url}", {"password": PASSWORD}
    )
    ok(response, 302)
    ok(_case_post(client, "mismatch_approve", case, {}), 302)
    run_tasks(done)
    case.refresh_from_db()
    assert case.status == MismatchCase.Status.CORRECTED
    client.get(case_url)
    client.get(reverse("members:mismatch_stats"))
    spouse = member("1201", "501", "01")
    client.get(reverse("members:staff_member", args=[spouse.pk]))
    notice = Notice.objects.filter(member=spouse).latest("version")
    ok(client.get(reverse("notices:staff_notice_pdf", args=[notice.pk])), 200)


def member_sees_the_new_notice(client: RecordingClient, account) -> None:
    client.force_login(account)
    spouse = member("1201", "501", "01")
    notice = Notice.objects.filter(member=spouse).latest("version")
    assert notice.reason == Notice.Reason.MYNUMBER_CORRECTION
    client.get(reverse("members:home"))
    client.get(reverse("notices:member_notice", args=[notice.pk]))
    ok(client.get(reverse("notices:member_notice_pdf", args=[notice.pk])), 200)


# --- the employer, certificates, the other staff pages, the auditor ---------------------------


def employer_applies(client: RecordingClient, hr) -> None:
    client.force_login(hr)
    client.get(reverse("members:employer_home"))
    client.get(reverse("eligibility:employer_people"), {"q": spaced(N["new_hire"])})
    new_hire = member("1201", "502")
    client.get(reverse("eligibility:employer_person", args=[new_hire.pk]))
    url = reverse("eligibility:employer_apply", args=[new_hire.pk])
    client.get(url)
    data = {"people": [str(new_hire.pk)], "reason": "other"}
    ok(client.post(url, {**data, "reason_detail": f"番号 {spaced(N['new_hire'], '-')}"}), 200)
    ok(client.post(url, {**data, "reason_detail": "カードを申請中のため"}), 302)
    upload = reverse("eligibility:employer_upload")
    header = "記号,番号,枝番,氏名,生年月日,申請理由,理由の詳細"
    rows = [f"1201,501,02,伊藤　蓮,2015-05-05,5,{N['child']}", f"1201,{N['typed']},00,x,1,1,"]
    bad = "\r\n".join([header, *rows]).encode("utf-8-sig")
    ok(client.post(upload, {"file": SimpleUploadedFile("a.csv", bad)}), 200)
    good = f"{header}\r\n1201,501,02,伊藤　蓮,2015-05-05,1,\r\n".encode("cp932")
    ok(client.post(upload, {"file": SimpleUploadedFile("b.csv", good)}), 302)
    client.get(reverse("eligibility:employer_applications"))
    assert CertificateApplication.objects.count() == 2


def staff_issue_certificates(client: RecordingClient, people: People, account, done) -> None:
    client.force_login(people.clerk)
    client.get(reverse("eligibility:staff_queue"))
    for application in CertificateApplication.objects.all():
        client.get(reverse("eligibility:staff_application", args=[application.pk]))
        ok(client.post(reverse("eligibility:staff_approve", args=[application.pk])), 302)
    run_tasks(done)
    certificates = list(EligibilityCertificate.objects.exclude(pdf=""))
    assert len(certificates) == 2
    for certificate in certificates:
        client.get(reverse("eligibility:staff_certificate_pdf", args=[certificate.pk]))
    child = member("1201", "501", "02")
    ok(
        client.post(
            reverse("eligibility:staff_registration", args=[child.pk]),
            {"status": "registered", "registered_on": spaced(N["child"])},
        ),
        200,
    )
    client.post(
        reverse("eligibility:staff_certificate_add", args=[child.pk]),
        {"issued_on": N["typed"].translate(FULL), "valid_from": "2026-12-01"},
    )
    for url in (reverse("members:copay_missing"), reverse("eligibility:no_valid_document")):
        client.get(url, {"day": spaced(N["typed"])})
        ok(client.get(url, {"format": "csv"}), 200)
    holder = member("1305", "601")
    ok(client.post(reverse("notices:staff_issue", args=[holder.pk]), follow=True), 200)
    client.post(reverse("eligibility:employer_users"), {"email": "new.hr@buhin.example.jp",
                "employer": Employer.objects.get(kigo="1201").pk})  # fmt: skip
    client.force_login(people.supervisor)
    batches = reverse("eligibility:certificate_batches")
    client.post(batches, {"as_of": spaced(N["typed"]), "action": "start"})
    client.post(batches, {"as_of": "2026-12-01"})  # the preview
    ok(client.post(batches, {"as_of": "2026-12-01", "action": "start"}), 302)
    assert run_tasks(done)
    batch = CertificateBatch.objects.get()
    client.get(reverse("eligibility:certificate_batch", args=[batch.pk]))
    assert EligibilityCertificate.objects.filter(source="ex_officio").exclude(pdf="").exists()
    client.get(reverse("eligibility:certificate_renewals"))
    client.get(reverse("insurer_edit"))
    client.post(reverse("insurer_edit"), {"name": f"組合 {N['typed']}"})
    client.force_login(people.hr)
    for certificate in certificates:
        ok(client.get(reverse("eligibility:employer_certificate_pdf", args=[certificate.pk])), 200)
    client.force_login(account)
    client.get(reverse("members:home"))
    mine = [c for c in certificates if c.member.insured_id == member("1201", "501").pk]
    ok(client.get(reverse("eligibility:member_certificate_pdf", args=[mine[0].pk])), 200)


def auditor_reads_the_log(client: RecordingClient, auditor) -> None:
    client.force_login(auditor)
    url = reverse("audit_log")
    client.get(url)
    client.get(url, {"page": "2"})
    client.get(url, {"target": spaced(N["spouse"])})
    client.get(url, {"actor": N["typed"].translate(FULL)})
    ok(client.get(url, {"format": "csv"}), 200)

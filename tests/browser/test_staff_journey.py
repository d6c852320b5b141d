"""The 業務課 and the approver in the browser: TOTP at login, the search, the five-item check,
the proposal; the supervisor's password again, the approval; the member's new notice."""

from __future__ import annotations

from django.test import Client

from notices.models import MismatchCase, Notice
from portal.roles import Role
from tests.browser.driver import Journey
from tests.browser.worlds import base
from tests.leak_world import run_tasks
from tests.mismatch_world import RIGHT_NUMBER, make_household, report
from tests.personas import PASSWORD, current_totp, make_user


def log_in(j: Journey, user, label: str) -> None:
    """From the landing, in the browser's language; staff pages are Japanese after it."""
    words = j.login_words
    main = j.page.locator("main")
    j.go("/", f"{label}-landing")
    j.follow(main.get_by_role("link", name=words[0]), f"{label}-login")
    j.fill(main.locator("#id_login"), user.email)
    j.fill(main.locator("#id_password"), PASSWORD)
    j.follow(main.get_by_role("button", name=words[1]), f"{label}-after-password")
    if "/accounts/2fa/" in j.path():
        j.fill(main.locator("#id_code"), current_totp(user))
        j.follow(main.locator('button[type="submit"]'), f"{label}-home", shot=True)


def log_out(j: Journey) -> None:
    j.follow(j.page.locator("header").get_by_role("link", name="ログアウト"), "logout")
    if "/accounts/logout/" in j.path():
        j.follow(j.page.locator("main").get_by_role("button", name="ログアウト"), "logged-out")


def walk(j: Journey) -> None:
    base()
    member = make_user("hanako@example.jp", Role.MEMBER)
    clerk = make_user("clerk@kenpo.example.jp", Role.CLERK)
    supervisor = make_user("supervisor@kenpo.example.jp", Role.SUPERVISOR)
    household = make_household(member)
    reporter = Client()
    reporter.force_login(member)
    case = report(reporter, household.spouse_notice, "4321")
    main = j.page.locator("main")

    log_in(j, clerk, "clerk")
    j.fill(main.locator("#staff-home-q"), "髙橋")
    j.follow(main.get_by_role("button", name="検索"), "search", shot=True)
    assert "髙橋　𠮷男" in j.text()
    j.follow(j.page.locator("header").get_by_role("link", name="ホーム"), "clerk-home-again")
    j.follow(main.get_by_role("link", name="申出一覧"), "mismatch-queue", shot=True)
    j.follow(main.get_by_role("link", name=f"No.{case.pk}"), "mismatch-case", shot=True)
    for item in ("name", "kana", "birth_date", "sex", "address"):
        j.radio(main.locator(f'input[name="check_{item}"][value="1"]'))
    j.follow(main.get_by_role("button", name="照合結果を記録"), "checked")
    j.fill(main.locator("#id_number"), RIGHT_NUMBER)
    j.fill(main.locator("#id_number_confirm"), RIGHT_NUMBER)
    j.follow(main.get_by_role("button", name="訂正を提案"), "proposed", shot=True)
    case.refresh_from_db()
    assert case.status == MismatchCase.Status.PENDING_APPROVAL
    log_out(j)

    log_in(j, supervisor, "supervisor")
    j.follow(main.get_by_role("link", name="承認待ちの一覧"), "pending-queue")
    j.follow(main.get_by_role("link", name=f"No.{case.pk}"), "case-to-approve")
    j.follow(main.get_by_role("link", name="パスワードを再入力"), "reauthenticate", shot=True)
    j.fill(main.locator("#id_password"), PASSWORD)
    j.follow(main.locator('button[type="submit"]'), "stepped-up")
    j.follow(main.get_by_role("button", name="承認して登録を更新"), "approved", shot=True)
    run_tasks(set())  # what the task worker would do: the spouse's corrected notice
    case.refresh_from_db()
    assert case.status == MismatchCase.Status.CORRECTED
    log_out(j)

    log_in(j, member, "member")
    new = Notice.objects.filter(member=household.spouse).latest("version")
    assert new.reason == Notice.Reason.MYNUMBER_CORRECTION
    j.follow(main.locator(f'a[href$="/member/notices/{new.pk}/"]'), "new-notice", shot=True)
    j.pdf(main.locator(f'a[href$="/member/notices/{new.pk}/pdf/"]'))


def test_staff_journey(journey):
    walk(journey)


def test_staff_journey_in_an_english_browser(journey_en):
    """The whole journey once more in an English browser: the public pages and the member's
    in English; once signed in, the 業務課 works in Japanese, with no language switch."""
    walk(journey_en)
    staff = {(lang, switch) for path, lang, switch in journey_en.languages if _is_staff(path)}
    member = {(lang, switch) for path, lang, switch in journey_en.languages if "/member/" in path}
    assert staff == {("ja", False)} and member == {("en", True)}


def _is_staff(path: str) -> bool:
    return path.startswith(("/staff/", "/supervisor/"))

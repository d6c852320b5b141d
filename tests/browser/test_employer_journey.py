"""The employer's journey in the browser: HR applies for a new hire's 資格確認書, the 業務課
approves it, HR downloads the certificate PDF."""

from __future__ import annotations

from datetime import date

from eligibility.employers.services import ensure_link
from portal.roles import Role
from tests.browser.driver import Journey
from tests.browser.test_staff_journey import log_in
from tests.browser.worlds import base
from tests.factories import make_employer, make_member
from tests.leak_world import run_tasks
from tests.personas import make_user

APPLICATION = 'a[href*="/staff/certificate-applications/"]:not([href$="applications/"])'


def walk(j: Journey) -> None:
    base()
    employer = make_employer("1201", "日本部品工業株式会社")
    hr = make_user("hr@buhin.example.jp", Role.EMPLOYER)
    ensure_link(hr, employer)
    clerk = make_user("clerk@kenpo.example.jp", Role.CLERK)
    make_member(
        employer,
        bango="8050",
        name="新井　翔",
        name_kana="アライ　ショウ",
        birth_date=date(2003, 4, 2),
        acquired_on=date(2026, 10, 1),
    )
    main = j.page.locator("main")

    log_in(j, hr, "employer")
    j.follow(main.get_by_role("link", name="全員の一覧を見る"), "people", shot=True)
    j.follow(main.get_by_role("link", name="1201-8050-00"), "person")
    j.follow(main.get_by_role("link", name="資格確認書を申請する"), "apply", shot=True)
    j.tick(main.get_by_label("新井　翔"))
    j.radio(main.locator('input[name="reason"]').first)
    j.follow(main.get_by_role("button", name="申請する"), "applied", shot=True)

    # The 業務課, at another desk, approves; HR stays logged in (a TOTP code is good once).
    desk = j.beside("clerk")
    log_in(desk, clerk, "clerk")
    desk_main = desk.page.locator("main")
    desk.follow(desk_main.get_by_role("link", name="申請の審査"), "application-queue", shot=True)
    desk.follow(desk_main.locator(APPLICATION), "application")
    desk.follow(desk_main.get_by_role("button", name="承認して交付する"), "approved", shot=True)
    run_tasks(set())  # what the task worker would do: the certificate PDF
    desk.leave()

    j.follow(j.page.locator("header").get_by_role("link", name="ホーム"), "employer-home-again")
    j.follow(main.get_by_role("link", name="全員の一覧を見る"), "people-again")
    j.follow(main.get_by_role("link", name="1201-8050-00"), "person-certified", shot=True)
    j.pdf(main.get_by_role("link", name="ダウンロード"))


def test_employer_journey(journey):
    walk(journey)


def test_employer_journey_in_an_english_browser(journey_en):
    """The whole journey once more in an English browser: the login in English, the employer's
    pages in Japanese, with no language switch."""
    walk(journey_en)
    employer = {
        (lang, switch) for path, lang, switch in journey_en.languages if "/employer/" in path
    }
    public = {lang for path, lang, _ in journey_en.languages if path in ("/", "/accounts/login/")}
    assert employer == {("ja", False)} and public == {"en"}

"""The member's journey in the browser: sign up, confirm from the e-mail, link with the 登録コード,
the dashboard, the notice and its PDF, and a report that the last four digits are wrong."""

from __future__ import annotations

import re

from django.core import mail

from notices.models import MismatchCase
from tests.browser.driver import Journey
from tests.browser.worlds import MemberWorld, member_world
from tests.personas import PASSWORD

EMAIL = "hanako.takahashi@example.jp"
# What the journey clicks, by the words on the page: Japanese, and the English of a browser set
# to English (allauth's own pages in its English; the portal's from locale/en).
WORDS = {
    "ja": {"signup": "新規登録", "register": "登録", "confirm": "確認", "login": "ログイン",
           "link": "連携", "do_link": "連携する", "report": "申し出る"},
    "en": {"signup": "Sign up", "register": "Sign up", "confirm": "Confirm", "login": "Sign in",
           "link": "Link", "do_link": "Link", "report": "Send the report"},
}  # fmt: skip


def walk(j: Journey, world: MemberWorld, language: str = "ja") -> None:
    page = j.page
    main = page.locator("main")
    words = WORDS[language]
    j.go("/", "landing", shot=True)
    assert page.locator("html").get_attribute("lang") == language
    j.follow(main.get_by_role("link", name=words["signup"]).first, "signup", shot=True)
    j.fill(main.locator("#id_email"), EMAIL)
    j.fill(main.locator("#id_password1"), PASSWORD)
    j.fill(main.locator("#id_password2"), PASSWORD)
    j.follow(main.get_by_role("button", name=words["register"]), "confirmation-sent", shot=True)

    # The confirmation link comes by e-mail: the member opens it from the mail app.
    [message] = [m for m in mail.outbox if EMAIL in m.to]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    j.go(link, "confirm-email", shot=True)
    j.follow(main.get_by_role("button", name=words["confirm"]), "after-confirm")
    if "/accounts/login/" in j.path():
        j.fill(main.locator("#id_login"), EMAIL)
        j.fill(main.locator("#id_password"), PASSWORD)
        j.follow(main.get_by_role("button", name=words["login"]), "after-login")
    if "/member/link/" not in j.path():
        j.follow(main.get_by_role("link", name=words["link"]).first, "link")
    j.check("link", shot=True)
    j.fill(main.locator("#id_kigo"), world.household.insured.kigo)
    j.fill(main.locator("#id_bango"), world.household.insured.bango)
    j.fill(main.locator("#id_birth_date"), "1985-04-01")
    j.fill(main.locator("#id_code"), world.code)
    j.follow(main.get_by_role("button", name=words["do_link"], exact=True), "dashboard", shot=True)
    assert "/member/" in j.path() and "髙橋" in j.text()

    spouse_notice = world.household.spouse_notice
    j.follow(main.locator(f'a[href$="/member/notices/{spouse_notice.pk}/"]'), "notice", shot=True)
    assert "2840" in j.text()  # the last four of the spouse's registered number
    j.pdf(main.locator(f'a[href$="/member/notices/{spouse_notice.pk}/pdf/"]'))

    j.follow(main.locator(f'a[href$="/notices/{spouse_notice.pk}/mismatch/"]'), "mismatch-report")
    j.fill(main.locator("#id_card_last4"), "4321")
    j.fill(main.locator("#id_contact"), "090-1234-5678")
    j.follow(main.get_by_role("button", name=words["report"]), "mismatch-case", shot=True)
    case = MismatchCase.objects.get(member=world.household.spouse)
    assert case.reported_last4 == "4321"
    assert page.locator("html").get_attribute("lang") == language


def test_member_journey(journey):
    walk(journey, member_world())


def test_member_journey_in_english(journey_en):
    walk(journey_en, member_world(), "en")
    text = journey_en.text()
    assert "Status of your report about the last four digits" in text

"""The member's pages, phone first (issue 15): one card per person on the home page with the
notice's buttons, the notice page's digits set apart, 第N版 and 最新, the PDF opened inline, a
corrected case leading to its new notice, menus and greetings by name, the guide's prompt."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from notices.models import MismatchCase, Notice
from tests import notice_world
from tests.notice_world import NUMBERS
from tests.notice_world import issue as _issue
from tests.personas import PASSWORD

household = notice_world.household  # the shared fixture, by name
HOME = reverse("members:home")


def _cards(html: str) -> dict[str, str]:
    """Each person card's HTML by its id."""
    found = re.findall(
        r'<section class="card person-card" id="(person-\d+)"(.*?)</section>', html, re.S
    )
    return dict(found)


@pytest.fixture
def notices(household):
    return {key: _issue(person) for key, person in household.items()}


def test_the_home_page_leads_with_one_card_per_person(client, household, notices, member):
    client.force_login(member)
    html = client.get(HOME).content.decode()
    cards = _cards(html)
    assert list(cards) == [f"person-{household[k].pk}" for k in ("insured", "spouse", "child")]
    for key, person in household.items():
        card = cards[f"person-{person.pk}"]
        notice = notices[key]
        assert person.name in card
        # What to bring today comes first, then the notice's two large buttons.
        assert card.index("本日") < card.index("資格情報のお知らせ")
        pdf = reverse("notices:member_notice_pdf", args=[notice.pk])
        page = reverse("notices:member_notice", args=[notice.pk])
        assert f'class="button button--large" href="{pdf}"' in card
        assert f'class="button button--secondary button--large" href="{page}"' in card
        assert "第1版" in card and "最新" in card
    # The generic guidance is folded away, and said once.
    assert re.search(r"<details class=\"card guidance\">\s*<summary>", html)
    assert html.count("マイナ保険証が使えない場合に備えて") == 1
    assert html.count('id="bring-title"') == 0


def test_the_number_on_file_is_not_mistaken_for_the_myna_registration(
    client, household, notices, member
):
    client.force_login(member)
    html = client.get(HOME).content.decode()
    card = _cards(html)[f"person-{household['spouse'].pk}"]
    last4 = NUMBERS["spouse"][-4:]
    assert re.search(rf"マイナンバー\(個人番号\)の登録</dt>\s*<dd>済\(下4桁 {last4}\)", card)
    assert "マイナ保険証の利用登録" in card and "登録済" not in card


def test_a_reissued_notice_shows_its_version(client, household, notices, member):
    second = _issue(household["spouse"], Notice.Reason.REISSUE)
    client.force_login(member)
    card = _cards(client.get(HOME).content.decode())[f"person-{household['spouse'].pk}"]
    assert "第2版" in card and "第1版" not in card
    assert reverse("notices:member_notice", args=[second.pk]) in card
    page = client.get(reverse("notices:member_notice", args=[second.pk])).content.decode()
    assert re.search(r"第2版\s*<span class=\"badge badge--ok\">最新</span>", page)


def test_the_cards_cost_no_query_more_than_the_old_dashboard(
    client, household, notices, member, django_assert_max_num_queries
):
    client.force_login(member)
    # 13 before the cards (issue 15): session, user, roles, the household (2), notices,
    # eligibility facts (4), certificates, cases, the insurer. Regrouping adds none.
    with django_assert_max_num_queries(13):
        assert client.get(HOME).status_code == 200


def test_the_notice_page_sets_the_digits_apart_and_leads_with_the_pdf(
    client, household, notices, member
):
    client.force_login(member)
    notice = notices["insured"]
    html = client.get(reverse("notices:member_notice", args=[notice.pk])).content.decode()
    last4 = NUMBERS["insured"][-4:]
    assert f'<p class="last4-box__digits">{last4}</p>' in html
    assert f"{last4}お手元" not in html  # never run into the text
    pdf = reverse("notices:member_notice_pdf", args=[notice.pk])
    first_button = re.search(r'<a class="button[^"]*" href="([^"]+)"', html)
    assert first_button.group(1) == pdf and "button--large" in first_button.group(0)
    assert html.count("<h1") == 1


def test_the_members_pdf_opens_inline_and_is_never_kept(client, household, notices, member):
    client.force_login(member)
    response = client.get(reverse("notices:member_notice_pdf", args=[notices["insured"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")
    assert "no-store" in response["Cache-Control"]


def test_a_corrected_case_links_to_the_new_notice(client, household, notices, member):
    old = notices["spouse"]
    case = MismatchCase.objects.create(
        member=household["spouse"],
        notice=old,
        registered_last4=old.snapshot["last4"],
        reported_last4="4321",
        contact="090-0000-0000",
        status=MismatchCase.Status.CORRECTED,
        closed_at=timezone.now(),
    )
    new = _issue(household["spouse"], Notice.Reason.CHANGE)
    client.force_login(member)
    html = client.get(reverse("members:mismatch_member_case", args=[case.pk])).content.decode()
    assert reverse("notices:member_notice_pdf", args=[new.pk]) in html
    assert reverse("notices:member_notice", args=[new.pk]) in html
    assert "第2版" in html
    assert reverse("notices:member_notice", args=[old.pk]) not in html


def test_the_menu_leads_somewhere_and_greets_by_name(client, household, notices, member):
    client.force_login(member)
    for url in (HOME, reverse("notices:member_notice", args=[notices["insured"].pk])):
        html = client.get(url).content.decode()
        nav = html[html.index('aria-label="メインメニュー"') : html.index("</nav>")]
        for label, href in [
            ("お知らせ", f"{HOME}#notices"),
            ("受診の案内", reverse("eligibility:guide")),
            ("アカウント", f"{HOME}#account"),
        ]:
            assert f'<a href="{href}">{label}</a>' in nav
        assert "髙橋　花子 様" in nav and "hanako" not in nav
    home = client.get(HOME).content.decode()
    assert 'id="notices"' in home and 'id="account"' in home


def test_the_three_steps_of_getting_started(client, insurer, member):
    signup = client.get(reverse("account_signup")).content.decode()
    assert re.search(r'aria-current="step"><span class="step-indicator__num">1</span>', signup)
    assert "メールアドレスの確認" in signup and "登録コードで連携" in signup
    assert signup.count("<h1") == 1
    client.force_login(member)
    link = client.get(reverse("members:link")).content.decode()
    assert re.search(r'aria-current="step"><span class="step-indicator__num">3</span>', link)


def test_the_guide_answers_nothing_with_a_prompt(client, insurer):
    # Submitting the form with no answer at all: a prompt to the first question, not a blank.
    html = client.get(reverse("eligibility:guide"), {"asked": "1"}).content.decode()
    result = html.split('id="result-title"')[1].split('id="flow-title"')[0]
    assert 'class="guide-prompt"' in result and 'href="#id_card_0"' in result
    assert 'id="id_card_0"' in html
    form = client.get(reverse("eligibility:guide")).content.decode()
    assert '<input type="hidden" name="asked" value="1">' in form


def test_the_guides_flowchart_is_drawn_as_one(client, insurer):
    html = client.get(reverse("eligibility:guide")).content.decode()
    flow = html.split('id="flow-title"')[1].split("</section>")[0]
    assert flow.count('class="flowchart__question"') == 2
    assert flow.count('class="flowchart__result"') == 3
    assert flow.count('class="flowchart__answer"') == 4


def test_signing_in_greets_the_member_by_name(client, household, member):
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, follow=True
    )
    said = " ".join(str(m) for m in response.context["messages"])
    assert "髙橋　花子" in said and member.email.split("@")[0] not in said

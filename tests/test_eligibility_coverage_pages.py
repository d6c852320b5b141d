"""Issue 13 from the records: the facts follow members.coverage (75th birthday, a dependent
leaving with the insured person) in bulk queries, and the dashboard, the staff page and the
no-valid-document list say what the rules say."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from eligibility.facts import coverage_ends, facts_for_members
from eligibility.followup import services as followup
from eligibility.models import EligibilityCertificate, MynaRegistration
from eligibility.rules import Primary
from eligibility.status import member_advice
from members.models import Member
from tests.eligibility_demo import at
from tests.factories import make_member
from tests.test_guards import _check_page

D = date.fromisoformat
HOME = reverse("members:home")
BIRTHDAY = D("2026-06-15")  # the insured person's 75th birthday


@pytest.fixture
def household(db, insurer):
    """An insured person turning 75 on 2026-06-15, a wife under 75 and a son whose roster row
    gives a later loss date than the insured person's."""
    insured = make_member(
        name="木村　正男", birth_date=D("1951-06-15"), acquired_on=D("1975-04-01")
    )
    wife = make_member(insured=insured, edaban="01", relation="配偶者", birth_date=D("1960-01-01"))
    son = make_member(
        insured=insured,
        edaban="02",
        relation="子",
        birth_date=D("2005-05-05"),
        lost_on=D("2030-04-01"),
    )
    for person in (insured, wife, son):
        MynaRegistration.objects.create(
            member=person,
            status=MynaRegistration.Status.REGISTERED,
            registered_on=D("2023-05-10"),
            has_card=True,
            source=MynaRegistration.Source.STAFF,
        )
    return insured, wife, son


def test_the_facts_carry_the_effective_loss_date(household):
    insured, wife, son = household
    fresh = list(Member.objects.filter(pk__in=[wife.pk, son.pk]))  # insured not loaded
    assert coverage_ends(fresh) == {wife.pk: BIRTHDAY, son.pk: BIRTHDAY}
    facts = facts_for_members([insured, *fresh], BIRTHDAY)
    assert {pk: f.lost_on for pk, f in facts.items()} == dict.fromkeys(
        (insured.pk, wife.pk, son.pk), BIRTHDAY
    )
    assert facts[insured.pk].birth_date == D("1951-06-15")


def test_the_facts_read_the_insured_persons_in_bulk(household, django_assert_num_queries):
    insured, _, _ = household
    dependents = list(Member.objects.filter(insured=insured))
    # One query for the one-to-one records, one for the 資格確認書, one for the insured persons.
    with django_assert_num_queries(3):
        facts_for_members(dependents, BIRTHDAY)
    with django_assert_num_queries(2):  # the insured person is in the list
        facts_for_members([insured, *dependents], BIRTHDAY)
    joined = list(Member.objects.select_related("insured").filter(insured=insured))
    with django_assert_num_queries(2):  # or already loaded
        facts_for_members(joined, BIRTHDAY)


@pytest.mark.parametrize(
    ("day", "insured_primary", "dependent_primary", "dependent_step"),
    [
        pytest.param(
            "2026-06-14", Primary.MYNA_CARD, Primary.MYNA_CARD, "prepare_backup", id="前日"
        ),
        pytest.param(
            "2026-06-15", Primary.LATE_ELDERLY, Primary.NONE, "join_new_insurer", id="75歳の誕生日"
        ),
    ],
)
def test_advice_on_the_day_before_and_on_the_75th_birthday(
    household, day, insured_primary, dependent_primary, dependent_step
):
    insured, wife, son = household
    assert member_advice(insured, D(day)).primary is insured_primary
    for dependent in (wife, son):
        advice = member_advice(Member.objects.get(pk=dependent.pk), D(day))
        assert advice.primary is dependent_primary
        assert advice.next_step.code == dependent_step


def test_the_dashboard_points_to_the_municipality(client, household, member, time_machine):
    insured, wife, _ = household
    insured.account = member
    insured.save(update_fields=["account"])
    time_machine.move_to(at("2026-06-20"))
    client.force_login(member)
    response = client.get(HOME)
    _check_page(response, HOME)
    html = response.content.decode()
    card = html[html.index(f'id="person-{insured.pk}"') :]
    card = card[: card.index("</section>")]
    assert Primary.LATE_ELDERLY.label in card and "75歳の誕生日" in card
    assert "後期高齢者医療広域連合・市区町村から届く資格確認書" in card
    assert "使える期間" not in card
    wife_card = html[html.index(f'id="person-{wife.pk}"') :]
    wife_card = wife_card[: wife_card.index("</section>")]
    assert "国民健康保険" in wife_card and "後期高齢者医療" not in wife_card


def test_the_staff_page_says_it_too(client, household, clerk, time_machine):
    insured, _, _ = household
    time_machine.move_to(at("2026-06-20"))
    client.force_login(clerk)
    url = reverse("members:staff_member", args=[insured.pk])
    html = client.get(url).content.decode()
    assert Primary.LATE_ELDERLY.label in html and "後期高齢者医療制度に移った" in html


def test_a_person_needing_assistance_is_no_inconsistency_for_staff(
    client, household, clerk, time_machine
):
    _, wife, _ = household
    certificate = EligibilityCertificate.objects.create(
        member=wife, issued_on=D("2025-11-20"), valid_from=D("2025-12-02"), valid_to=D("2030-11-30")
    )
    time_machine.move_to(at("2026-01-15"))
    client.force_login(clerk)
    url = reverse("members:staff_member", args=[wife.pk])
    assert "記録に矛盾があります" in client.get(url).content.decode()
    certificate.needs_assistance = True
    certificate.save(update_fields=["needs_assistance"])
    assert "記録に矛盾があります" not in client.get(url).content.decode()
    assert member_advice(Member.objects.get(pk=wife.pk), D("2026-01-15")).primary is (
        Primary.CERTIFICATE
    )


# --- the no-valid-document list --------------------------------------------------------------


def _listed(day: str) -> set[int]:
    return set(followup.without_valid_document(D(day)))


def test_the_list_follows_coverage_and_agrees_with_the_advice(household):
    insured, wife, son = household
    MynaRegistration.objects.filter(member__in=[wife, son]).update(
        status=MynaRegistration.Status.NOT_REGISTERED, registered_on=None
    )
    people = [insured, wife, son]
    for day in ("2026-06-14", "2026-06-15"):
        listed = _listed(day)
        for person in people:
            advice = member_advice(Member.objects.get(pk=person.pk), D(day))
            expected = advice.primary in {Primary.NONE, Primary.NOTICE_PROVISIONAL}
            expected = expected and advice.next_step.code != "join_new_insurer"
            assert (person.pk in listed) is expected, (day, person)
    assert _listed("2026-06-14") == {wife.pk, son.pk}
    assert _listed("2026-06-15") == set()  # nobody is covered any more


def test_a_roster_registration_of_unknown_date_is_not_listed_for_earlier_days(db, insurer):
    estimated = make_member(acquired_on=D("2025-01-06"))
    exact = make_member(acquired_on=D("2025-01-06"))
    for person, flag in ((estimated, True), (exact, False)):
        MynaRegistration.objects.create(
            member=person,
            status=MynaRegistration.Status.REGISTERED,
            registered_on=D("2026-11-26"),
            registered_on_estimated=flag,
            source=MynaRegistration.Source.ROSTER,
        )
    assert _listed("2026-01-15") == {exact.pk}
    assert _listed("2026-11-26") == set()
    advice = member_advice(estimated, D("2026-01-15"))
    assert advice.primary is Primary.MYNA_UNCONFIRMED
    assert "令和8年11月26日の時点で登録済み" in advice.next_step.text
    assert member_advice(exact, D("2026-01-15")).next_step.code == "register_myna_hokensho"

"""登録コード: staff issue them, a member links a login to the household with one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from members.linking import services as linking
from members.models import RegistrationCode
from portal.models import AuditEvent
from portal.roles import Role, roles_of
from tests import linking_world
from tests.factories import make_employer, make_member
from tests.linking_world import BIRTH
from tests.linking_world import issue as _issue
from tests.linking_world import link_form as _link_form
from tests.personas import make_user

# The shared fixtures, by name (tests/linking_world.py).
household = linking_world.household
newcomer = linking_world.newcomer


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ABCD-EFGH-JKMN", "ABCDEFGHJKMN"),
        ("abcd efgh jkmn", "ABCDEFGHJKMN"),
        ("ＡＢＣＤ－ＥＦＧＨ－ＪＫＭＮ", "ABCDEFGHJKMN"),
        ("  abcdefghjkmn\n", "ABCDEFGHJKMN"),
        ("", ""),
    ],
)
def test_codes_are_compared_as_typed_from_paper(typed, expected):
    assert linking.normalise_code(typed) == expected


def test_generated_codes_avoid_look_alike_characters():
    codes = {linking.generate_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 14 and code.count("-") == 2
        assert not set(code.replace("-", "")) & set("01OIL")


def test_only_a_keyed_hash_of_the_code_is_stored(household, clerk):
    issued = _issue(household, clerk)
    row = RegistrationCode.objects.get(member=household)
    assert issued.code not in str(row.__dict__)
    assert linking.normalise_code(issued.code) not in str(row.__dict__)
    assert row.code_hash == linking.code_hash(issued.code)
    assert row.expires_at - timezone.now() > timedelta(days=89)
    event = AuditEvent.objects.get(action="registration_code.issue")
    assert event.target_id == str(household.pk) and issued.code not in str(event.detail)


def test_codes_go_to_insured_persons_only(household):
    dependent = household.dependents.first()
    with pytest.raises(ValueError):
        _issue(dependent)


def test_a_newcomer_links_with_the_code_and_sees_the_household(client, household, newcomer):
    issued = _issue(household)
    client.force_login(newcomer)
    assert client.get(reverse("no_role")).status_code == 200
    response = client.post(reverse("members:link"), _link_form(issued.code))
    assert response.status_code == 302 and response["Location"] == reverse("members:home")

    household.refresh_from_db()
    assert household.account == newcomer
    newcomer = type(newcomer).objects.get(pk=newcomer.pk)
    assert Role.MEMBER in roles_of(newcomer)
    page = client.get(reverse("members:home")).content.decode()
    for name in ["佐藤　一郎", "佐藤　由美", "佐藤　陽向"]:
        assert name in page
    assert RegistrationCode.objects.get(member=household).used_by == newcomer
    event = AuditEvent.objects.get(action="member.link")
    assert event.actor == newcomer and event.target_id == str(household.pk)


def _full_width(text: str) -> str:
    return text.translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)})


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: {"code": code.lower()},
        lambda code: {"code": _full_width(code)},
        lambda code: {"code": code.replace("-", " ")},
        lambda code: {"birth_date": "昭和55年6月15日"},
        lambda code: {"birth_date": "S55.6.15"},
        lambda code: {"kigo": "１２０１", "bango": "１５"},
    ],
)
def test_the_form_accepts_what_people_type(client, household, newcomer, typed):
    issued = _issue(household)
    client.force_login(newcomer)
    client.post(reverse("members:link"), _link_form(issued.code) | typed(issued.code))
    household.refresh_from_db()
    assert household.account == newcomer


@pytest.mark.parametrize(
    "wrong",
    [
        {"birth_date": "1980-06-16"},
        {"bango": "16"},
        {"kigo": "1202"},
        {"code": "AAAA-BBBB-CCCC"},
    ],
)
def test_any_wrong_detail_gets_the_same_answer_and_changes_nothing(
    client, household, newcomer, wrong
):
    issued = _issue(household)
    client.force_login(newcomer)
    response = client.post(reverse("members:link"), _link_form(issued.code) | wrong)
    assert response.status_code == 200
    assert linking.REFUSED_MESSAGE in response.content.decode()
    household.refresh_from_db()
    assert household.account is None
    assert RegistrationCode.objects.get(member=household).used_at is None
    event = AuditEvent.objects.get(action="member.link_refused")
    assert event.outcome == AuditEvent.Outcome.DENIED and event.actor == newcomer


def test_a_code_works_once(client, household, newcomer):
    issued = _issue(household)
    client.force_login(newcomer)
    client.post(reverse("members:link"), _link_form(issued.code))
    household.refresh_from_db()
    second = make_user("someone-else@example.jp", None)
    client.force_login(second)
    response = client.post(reverse("members:link"), _link_form(issued.code))
    assert linking.REFUSED_MESSAGE in response.content.decode()
    household.refresh_from_db()
    assert household.account == newcomer


@pytest.mark.parametrize("old_key_kept", [True, False])
def test_a_code_mailed_before_a_secret_key_rotation(
    client, household, newcomer, settings, old_key_kept
):
    issued = _issue(household)
    old_key, settings.SECRET_KEY = settings.SECRET_KEY, "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key] if old_key_kept else []
    client.force_login(newcomer)
    response = client.post(reverse("members:link"), _link_form(issued.code))
    household.refresh_from_db()
    if old_key_kept:  # the old key among the fallbacks: the mailed code still works
        assert response.status_code == 302 and household.account == newcomer
    else:
        assert linking.REFUSED_MESSAGE in response.content.decode()
        assert household.account is None


def test_an_expired_code_is_refused(client, household, newcomer, time_machine):
    issued = _issue(household)
    time_machine.move_to(timezone.now() + timedelta(days=91))
    client.force_login(newcomer)
    response = client.post(reverse("members:link"), _link_form(issued.code))
    assert linking.REFUSED_MESSAGE in response.content.decode()


def test_a_new_code_revokes_the_old_one(client, household, newcomer):
    old = _issue(household)
    new = _issue(household)
    client.force_login(newcomer)
    response = client.post(reverse("members:link"), _link_form(old.code))
    assert linking.REFUSED_MESSAGE in response.content.decode()
    client.post(reverse("members:link"), _link_form(new.code))
    household.refresh_from_db()
    assert household.account == newcomer


def test_a_lost_member_cannot_link_with_a_code_issued_before_the_loss(client, newcomer):
    # A code is for the insured person, whatever their enrolment; issuing only targets the
    # enrolled, and the member page still shows past notices.
    insured = make_member(bango="15", birth_date=BIRTH, lost_on=date(2030, 1, 1))
    issued = _issue(insured)
    client.force_login(newcomer)
    client.post(reverse("members:link"), _link_form(issued.code))
    insured.refresh_from_db()
    assert insured.account == newcomer


def test_bad_input_gets_messages_not_errors(client, household, newcomer):
    client.force_login(newcomer)
    response = client.post(
        reverse("members:link"),
        {"kigo": "abc", "bango": "", "birth_date": "2月30日", "code": "x" * 5000},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="errorlist') >= 3
    assert not AuditEvent.objects.filter(action__startswith="member.link").exists()


@override_settings(LINK_MAX_FAILURES_PER_ACCOUNT=3)
def test_wrong_attempts_are_limited_per_account(client, household, newcomer):
    issued = _issue(household)
    client.force_login(newcomer)
    for _ in range(3):
        client.post(reverse("members:link"), _link_form("AAAA-BBBB-CCCC"))
    response = client.post(reverse("members:link"), _link_form(issued.code))
    assert "受付を一時停止しています" in response.content.decode()
    household.refresh_from_db()
    assert household.account is None
    assert AuditEvent.objects.filter(detail__reason="rate_limited").count() == 1
    # Compared: on the typed household's record (its access log shows them). Refused unread:
    # on nobody's, or anyone past the limit could fill a stranger's log.
    refused = AuditEvent.objects.filter(action="member.link_refused")
    assert refused.filter(detail__reason="no_match", target_id=str(household.pk)).count() == 3
    assert refused.get(detail__reason="rate_limited").target_id == ""


@override_settings(LINK_MAX_FAILURES_PER_IP=4, LINK_MAX_FAILURES_PER_ACCOUNT=100)
def test_wrong_attempts_are_limited_per_address(client, household, newcomer):
    issued = _issue(household)
    for number in range(4):
        client.force_login(make_user(f"guesser{number}@example.jp", None))
        client.post(reverse("members:link"), _link_form("AAAA-BBBB-CCCC"))
    client.force_login(newcomer)
    response = client.post(reverse("members:link"), _link_form(issued.code))
    assert "受付を一時停止しています" in response.content.decode()
    # Another address is not blocked by this one's guesses.
    response = client.post(
        reverse("members:link"), _link_form(issued.code), REMOTE_ADDR="192.0.2.9"
    )
    household.refresh_from_db()
    assert household.account == newcomer


def test_one_account_per_insured_person(client, household, newcomer):
    other = make_member(bango="16", birth_date=BIRTH)
    _link = _issue(household)
    client.force_login(newcomer)
    client.post(reverse("members:link"), _link_form(_link.code))
    issued = _issue(other)
    response = client.post(reverse("members:link"), _link_form(issued.code, bango="16"))
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.account is None


def test_a_member_without_a_household_is_invited_to_link(client, member):
    client.force_login(member)
    page = client.get(reverse("members:home")).content.decode()
    assert reverse("members:link") in page


def test_a_member_sees_only_their_own_household(client, household, member, other_member):
    household.account = member
    household.save()
    make_member(bango="99", name="鈴木　次郎")
    client.force_login(other_member)
    page = client.get(reverse("members:home")).content.decode()
    assert "佐藤" not in page and "鈴木" not in page
    client.force_login(member)
    page = client.get(reverse("members:home")).content.decode()
    assert "佐藤　由美" in page and "鈴木" not in page


def test_the_link_page_needs_a_login(client):
    response = client.get(reverse("members:link"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unlinking_returns_the_account_to_no_role(household, newcomer):
    issued = _issue(household)
    linking.link_account(
        newcomer,
        kigo="1201",
        bango="15",
        birth_date=BIRTH,
        code=issued.code,
        ip=None,
        now=timezone.now(),
    )
    linking.unlink_account(household, actor=None, ip=None, reason="別の方が連携したため")
    household.refresh_from_db()
    assert household.account is None
    assert not newcomer.groups.filter(name=Role.MEMBER).exists()
    detail = AuditEvent.objects.get(action="member.unlink").detail
    assert detail == {"account": newcomer.email, "reason": "別の方が連携したため"}


def test_mailing_list_issues_codes_for_everyone_who_still_needs_one(db, household, newcomer):
    linked = make_member(bango="20", name="高橋　健")
    linked.account = make_user("ken@example.jp", Role.MEMBER)
    linked.save()
    make_member(bango="21", name="田中　退職", lost_on=date(2020, 1, 1))
    other_employer = make_member(
        make_employer("3301", "東西精機株式会社"), bango="1", name="伊藤　誠"
    )
    issued = linking.issue_mailing_list(None, actor=None, ip=None, now=timezone.now())
    assert {item.member.name for item in issued} == {"佐藤　一郎", other_employer.name}
    only_one = linking.issue_mailing_list(
        other_employer.employer, actor=None, ip=None, now=timezone.now()
    )
    assert [item.member for item in only_one] == [other_employer]
    assert (
        RegistrationCode.objects.filter(member=other_employer, revoked_at__isnull=True).count() == 1
    )

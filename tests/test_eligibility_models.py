"""Eligibility records: how they become the rules' facts, and the audited verbs that change them."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from eligibility.facts import facts_for, pick_certificate
from eligibility.models import (
    EligibilityCertificate,
    LegacyCard,
    MynaRegistration,
    SmartphonePreference,
)
from eligibility.records import services
from eligibility.records.services import EligibilityRefused
from eligibility.rules import CertificateFacts, Primary
from eligibility.status import member_advice
from portal.models import AuditEvent
from tests.factories import make_member

D = date.fromisoformat
TODAY = D("2025-06-01")
Status = MynaRegistration.Status


@pytest.fixture
def person(db):
    return make_member(acquired_on=D("2015-04-01"))


def _events(action: str, member) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target_id=str(member.pk)).order_by("id"))


def _register(member, **changes):
    values = {
        "status": Status.REGISTERED,
        "registered_on": D("2023-05-10"),
        "cancellation_applied_on": None,
        "card_certificate_expires_on": None,
        "has_card": True,
        "today": TODAY,
    }
    return services.update_registration(member, **{**values, **changes})


# --- from records to facts --------------------------------------------------------------------


def test_a_person_without_records_has_only_coverage_facts(person):
    facts = facts_for(person, TODAY)
    # No roster 資格喪失年月日: coverage still ends on the 75th birthday (born 1985-04-01).
    assert facts.acquired_on == D("2015-04-01") and facts.lost_on == D("2060-04-01")
    assert facts.registered_on is None and facts.certificate is None
    assert not facts.legacy_card_issued and facts.has_smartphone is None and facts.has_card is None


@pytest.mark.parametrize(
    ("status", "registered", "cancelled", "expected"),
    [
        pytest.param(Status.REGISTERED, "2023-05-10", None, ("2023-05-10", None), id="登録済み"),
        pytest.param(
            Status.CANCELLED, "2023-05-10", "2025-01-15", ("2023-05-10", "2025-01-15"), id="解除"
        ),
        pytest.param(Status.NOT_REGISTERED, None, None, (None, None), id="未登録"),
    ],
)
def test_registration_facts(person, status, registered, cancelled, expected):
    MynaRegistration.objects.create(
        member=person,
        status=status,
        registered_on=registered and D(registered),
        cancellation_applied_on=cancelled and D(cancelled),
        card_certificate_expires_on=D("2027-01-31"),
        has_card=True,
        source="staff",
    )
    facts = facts_for(person, TODAY)
    got = (facts.registered_on, facts.registration_cancelled_on)
    assert got == tuple(value and D(value) for value in expected)
    assert facts.card_certificate_expires_on == D("2027-01-31") and facts.has_card is True


def test_legacy_card_and_smartphone_facts(person):
    LegacyCard.objects.create(member=person, issued_on=D("2015-04-01"), expires_on=D("2025-09-30"))
    SmartphonePreference.objects.create(member=person, has_smartphone=False)
    facts = facts_for(person, TODAY)
    assert facts.legacy_card_issued and facts.legacy_card_expires_on == D("2025-09-30")
    assert facts.has_smartphone is False


OLD = CertificateFacts(D("2020-12-02"), D("2025-11-30"))
RETURNED = CertificateFacts(D("2020-12-02"), D("2025-11-30"), returned_on=D("2024-01-10"))
NEXT = CertificateFacts(D("2025-12-01"), D("2030-11-30"))


@pytest.mark.parametrize(
    ("certificates", "day", "expected"),
    [
        pytest.param([], "2025-06-01", None, id="なし"),
        pytest.param([OLD, NEXT], "2025-06-01", OLD, id="有効なもの"),
        pytest.param([OLD, NEXT], "2025-12-01", NEXT, id="更新後は新しいもの"),
        pytest.param([OLD], "2026-01-01", OLD, id="期限切れでも理由のために返す"),
        pytest.param([NEXT], "2025-06-01", NEXT, id="これから始まるもの"),
        pytest.param([RETURNED, NEXT], "2025-06-01", RETURNED, id="返却済み(次は未開始)"),
        pytest.param(
            [OLD, CertificateFacts(D("2025-01-01"), D("2029-12-31"))],
            "2025-06-01",
            CertificateFacts(D("2025-01-01"), D("2029-12-31")),
            id="重なるなら長く続くもの",
        ),
    ],
)
def test_pick_certificate(certificates, day, expected):
    assert pick_certificate(certificates, D(day)) == expected


# --- registration -----------------------------------------------------------------------------


def test_registering_is_audited_with_the_changes(person):
    registration = _register(person)
    assert registration.source == "staff" and not registration.registered_on_estimated
    [event] = _events("eligibility.registration_update", person)
    assert event.detail["changes"]["status"] == {"before": None, "after": "registered"}
    assert event.detail["changes"]["registered_on"]["after"] == "2023-05-10"
    # The same again changes nothing and writes nothing.
    _register(person)
    assert len(_events("eligibility.registration_update", person)) == 1


def test_a_registration_without_a_date_counts_from_today_as_an_estimate(person):
    registration = _register(person, registered_on=None)
    assert registration.registered_on == TODAY and registration.registered_on_estimated
    # Saving again without a date keeps the one on record (still an estimate).
    registration = _register(person, registered_on=None, has_card=None)
    assert registration.registered_on == TODAY and registration.registered_on_estimated


def test_cancelling_needs_the_application_day_and_keeps_the_registration_date(person):
    _register(person)
    with pytest.raises(EligibilityRefused, match="解除の申請日を入力"):
        _register(person, status=Status.CANCELLED, registered_on=None)
    registration = _register(
        person,
        status=Status.CANCELLED,
        registered_on=None,
        cancellation_applied_on=D("2025-05-20"),
    )
    assert registration.registered_on == D("2023-05-10")
    assert registration.cancellation_applied_on == D("2025-05-20")
    assert member_advice(person, D("2025-06-30")).primary is Primary.MYNA_CARD
    assert member_advice(person, D("2025-07-01")).primary is Primary.NONE


def test_a_cancellation_before_the_registration_is_refused(person):
    with pytest.raises(EligibilityRefused, match="利用登録日より前"):
        _register(person, status=Status.CANCELLED, cancellation_applied_on=D("2023-01-01"))
    assert not MynaRegistration.objects.exists()


def test_not_registered_drops_the_dates(person):
    _register(person, status=Status.CANCELLED, cancellation_applied_on=D("2025-01-15"))
    registration = _register(person, status=Status.NOT_REGISTERED, has_card=False)
    assert registration.registered_on is None and registration.cancellation_applied_on is None
    assert member_advice(person, TODAY).next_step.code == "contact_insurer_for_certificate"


def test_the_database_refuses_a_registration_without_a_date(person):
    with pytest.raises(IntegrityError), transaction.atomic():
        MynaRegistration.objects.create(member=person, status=Status.REGISTERED, source="staff")


# --- legacy card ------------------------------------------------------------------------------


def test_legacy_card_recorded_changed_and_removed_with_audit(person):
    card = services.update_legacy_card(
        person, issued=True, issued_on=D("2015-04-01"), expires_on=None
    )
    assert card.pk and LegacyCard.objects.get(member=person).expires_on is None
    services.update_legacy_card(
        person, issued=True, issued_on=D("2015-04-01"), expires_on=D("2025-03-31")
    )
    services.update_legacy_card(
        person, issued=True, issued_on=D("2015-04-01"), expires_on=D("2025-03-31")
    )
    assert (
        services.update_legacy_card(person, issued=False, issued_on=None, expires_on=None) is None
    )
    assert not LegacyCard.objects.filter(member=person).exists()
    events = _events("eligibility.legacy_card_update", person)
    assert [list(e.detail["changes"]) for e in events] == [
        ["issued", "issued_on"],
        ["expires_on"],
        ["issued", "issued_on", "expires_on"],
    ]


@pytest.mark.parametrize(
    ("acquired", "issued", "expires", "message"),
    [
        pytest.param("2024-12-02", None, None, "資格を取得した方には", id="改正後の加入者"),
        pytest.param("2015-04-01", "2024-12-02", None, "発行されていません", id="改正後の交付日"),
        pytest.param("2015-04-01", "2020-04-01", "2019-03-31", "交付日より前", id="期限が交付前"),
    ],
)
def test_impossible_legacy_cards_are_refused(db, acquired, issued, expires, message):
    member = make_member(acquired_on=D(acquired))
    with pytest.raises(EligibilityRefused, match=message):
        services.update_legacy_card(
            member, issued=True, issued_on=issued and D(issued), expires_on=expires and D(expires)
        )
    assert not LegacyCard.objects.exists() and not AuditEvent.objects.exists()


# --- 資格確認書 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_from", "latest"),
    [
        ("2025-12-02", "2030-12-01"),
        ("2024-02-29", "2029-02-27"),  # 29 February -> 28 February, minus a day
        ("2025-01-01", "2029-12-31"),
    ],
)
def test_a_certificate_runs_five_years_at_most(valid_from, latest):
    assert services.certificate_latest_valid_to(D(valid_from)) == D(latest)


def test_a_certificate_takes_the_insurers_default_validity(person, settings):
    settings.CERTIFICATE_DEFAULT_YEARS = 3
    certificate = services.add_certificate(
        person, issued_on=D("2025-11-20"), valid_from=D("2025-12-02")
    )
    assert certificate.valid_to == D("2028-12-01")
    [event] = _events("eligibility.certificate_add", person)
    assert event.detail["valid_to"] == "2028-12-01"
    assert member_advice(person, D("2026-01-15")).primary is Primary.CERTIFICATE


def test_a_default_beyond_five_years_is_capped(person, settings):
    settings.CERTIFICATE_DEFAULT_YEARS = 7
    certificate = services.add_certificate(
        person, issued_on=D("2025-11-20"), valid_from=D("2025-12-02")
    )
    assert certificate.valid_to == D("2030-12-01")


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "message"),
    [
        ("2025-12-02", "2030-12-02", "5年以内"),
        ("2025-12-02", "2025-12-01", "開始日より前"),
    ],
)
def test_bad_certificate_periods_are_refused(person, valid_from, valid_to, message):
    with pytest.raises(EligibilityRefused, match=message):
        services.add_certificate(
            person, issued_on=D("2025-11-20"), valid_from=D(valid_from), valid_to=D(valid_to)
        )
    assert not EligibilityCertificate.objects.exists()


def test_no_certificate_alongside_a_registration(person):
    _register(person)
    with pytest.raises(EligibilityRefused, match="利用登録がある方"):
        services.add_certificate(person, issued_on=TODAY, valid_from=TODAY)
    # After 解除 it may start the day after the registration ends (end of the following month).
    _register(person, status=Status.CANCELLED, cancellation_applied_on=D("2025-05-20"))
    with pytest.raises(EligibilityRefused, match="令和7年6月30日まで有効"):
        services.add_certificate(person, issued_on=TODAY, valid_from=D("2025-06-30"))
    services.add_certificate(person, issued_on=TODAY, valid_from=D("2025-07-01"))
    assert member_advice(person, D("2025-07-01")).primary is Primary.CERTIFICATE


def test_a_return_is_recorded_even_when_the_records_disagree(person):
    certificate = services.add_certificate(
        person, issued_on=D("2025-11-20"), valid_from=D("2025-12-02"), valid_to=D("2030-11-30")
    )
    _register(person)  # registered later: the rules report the inconsistency to staff
    assert member_advice(person, D("2026-01-15")).needs_staff_review
    services.update_certificate(
        certificate,
        issued_on=D("2025-11-20"),
        valid_from=D("2025-12-02"),
        valid_to=D("2030-11-30"),
        returned_on=D("2026-01-10"),
        revoked_on=None,
    )
    certificate.refresh_from_db()
    assert certificate.returned_on == D("2026-01-10")
    [event] = _events("eligibility.certificate_update", person)
    assert event.detail["changes"] == {"returned_on": {"before": None, "after": "2026-01-10"}}
    advice = member_advice(person, D("2026-01-15"))
    assert advice.primary is Primary.MYNA_CARD and not advice.needs_staff_review
    with pytest.raises(EligibilityRefused, match="利用登録がある方"):
        services.update_certificate(
            certificate,
            issued_on=D("2025-11-20"),
            valid_from=D("2025-12-02"),
            valid_to=D("2030-11-29"),
            returned_on=D("2026-01-10"),
            revoked_on=None,
        )


def test_a_return_before_the_issue_is_refused(person):
    certificate = services.add_certificate(
        person, issued_on=D("2025-11-20"), valid_from=D("2025-12-02")
    )
    with pytest.raises(EligibilityRefused, match="返却日が交付年月日より前"):
        services.update_certificate(
            certificate,
            issued_on=D("2025-11-20"),
            valid_from=D("2025-12-02"),
            valid_to=certificate.valid_to,
            returned_on=D("2025-11-19"),
            revoked_on=None,
        )


# --- the member's word ------------------------------------------------------------------------


def test_smartphone_preference_is_audited_only_when_it_changes(person, member):
    _register(person)
    assert member_advice(person, TODAY).primary is Primary.MYNA_CARD
    services.set_smartphone(person, False, user=member)
    services.set_smartphone(person, False, user=member)
    assert member_advice(person, TODAY).primary is Primary.MYNA_CARD_WITH_NOTICE
    services.set_smartphone(person, True, user=member)
    assert member_advice(person, TODAY).primary is Primary.MYNA_PORTAL_SCREEN
    events = _events("eligibility.smartphone_set", person)
    assert [(e.detail["previous"], e.detail["has_smartphone"]) for e in events] == [
        (None, False),
        (False, True),
    ]
    assert all(e.actor == member for e in events)

"""Verbs on eligibility records (eligibility.status reads them back as advice).

Every change runs in a transaction and writes its audit event; a change that changes nothing
writes nothing. Dates come in as arguments: nothing here asks the clock what day it is.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from eligibility import certificate_rules
from eligibility.facts import build_facts
from eligibility.models import (
    EligibilityCertificate,
    LegacyCard,
    MynaRegistration,
    SmartphonePreference,
)
from eligibility.rules import MYNA_HOKENSHO_START, registration_end
from members.coverage import is_elderly_on
from members.models import Member
from portal import audit
from portal.wareki import format_wareki

# The law's ceiling for a 資格確認書 (DOMAIN.md: "有効期限 (at most 5 years ...)").
CERTIFICATE_MAX_YEARS = certificate_rules.MAX_YEARS

Status = MynaRegistration.Status


class EligibilityRefused(Exception):
    """A change the records cannot take; `message` is shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- dates -----------------------------------------------------------------------------------


add_years = certificate_rules.add_years  # re-exported for older callers
# The last day a 資格確認書 starting on `valid_from` may run to: 5 years, inclusive.
certificate_latest_valid_to = certificate_rules.latest_valid_to


def certificate_default_valid_to(valid_from: date) -> date:
    """The insurer's default validity (settings.CERTIFICATE_DEFAULT_YEARS), capped at 5 years."""
    years = max(1, settings.CERTIFICATE_DEFAULT_YEARS)
    default = add_years(valid_from, years) - timedelta(days=1)
    return min(default, certificate_latest_valid_to(valid_from))


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _snapshot(record: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _iso(getattr(record, name)) if record else None for name in fields}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {"before": before[name], "after": after[name]}
        for name in after
        if before[name] != after[name]
    }


# --- マイナ保険証 registration --------------------------------------------------------------

REGISTRATION_FIELDS = (
    "status",
    "registered_on",
    "registered_on_estimated",
    "cancellation_applied_on",
    "cancellation_estimated",
    "card_certificate_expires_on",
    "has_card",
)


def update_registration(
    member: Member,
    *,
    status: str,
    registered_on: date | None,
    cancellation_applied_on: date | None,
    card_certificate_expires_on: date | None,
    has_card: bool | None,
    today: date,
    actor: Any = None,
    ip: str | None = None,
) -> MynaRegistration:
    """Staff record what they know. A date left empty keeps the one on record; a registration
    with none on record counts from `today` (or the cancellation's application day), marked as
    estimated: registered by then at the latest."""
    if status == Status.NOT_REGISTERED:
        registered_on = cancellation_applied_on = None
    elif status == Status.REGISTERED:
        cancellation_applied_on = None
    with transaction.atomic():
        current = MynaRegistration.objects.select_for_update().filter(member=member).first()
        before = _snapshot(current, REGISTRATION_FIELDS)
        cancellation_estimated = estimated = False
        if status == Status.CANCELLED and cancellation_applied_on is None:
            if current is None or current.cancellation_applied_on is None:
                raise EligibilityRefused("利用登録の解除には、解除の申請日を入力してください。")
            cancellation_applied_on = current.cancellation_applied_on
            cancellation_estimated = current.cancellation_estimated
        if status != Status.NOT_REGISTERED and registered_on is None:
            if current is not None and current.registered_on is not None:
                registered_on, estimated = current.registered_on, current.registered_on_estimated
            else:
                registered_on, estimated = cancellation_applied_on or today, True
        if cancellation_applied_on is not None and cancellation_applied_on < registered_on:
            raise EligibilityRefused("解除の申請日が利用登録日より前になっています。")
        registration = current or MynaRegistration(member=member)
        registration.status = status
        registration.registered_on = registered_on
        registration.registered_on_estimated = estimated
        registration.cancellation_applied_on = cancellation_applied_on
        registration.cancellation_estimated = cancellation_estimated
        registration.card_certificate_expires_on = card_certificate_expires_on
        registration.has_card = has_card
        changes = _changes(before, _snapshot(registration, REGISTRATION_FIELDS))
        if not changes:
            return registration
        registration.source = MynaRegistration.Source.STAFF
        registration.save()
        audit.record(
            "eligibility.registration_update",
            actor=actor,
            ip=ip,
            target=member,
            target_label=str(member),
            detail={"changes": changes},
        )
    return registration


# --- legacy card -----------------------------------------------------------------------------


def update_legacy_card(
    member: Member,
    *,
    issued: bool,
    issued_on: date | None,
    expires_on: date | None,
    actor: Any = None,
    ip: str | None = None,
) -> LegacyCard | None:
    """Record the 健康保険証 a person holds (or that they hold none)."""
    if issued and member.acquired_on >= MYNA_HOKENSHO_START:
        raise EligibilityRefused(
            "令和6年12月2日以降に資格を取得した方には、健康保険証は発行されていません。"
        )
    if issued and issued_on and issued_on >= MYNA_HOKENSHO_START:
        raise EligibilityRefused("健康保険証は令和6年12月2日以降は発行されていません。")
    if issued and issued_on and expires_on and expires_on < issued_on:
        raise EligibilityRefused("券面の有効期限が交付日より前になっています。")
    fields = ("issued", "issued_on", "expires_on")
    with transaction.atomic():
        current = LegacyCard.objects.select_for_update().filter(member=member).first()
        before = {"issued": current is not None, **_snapshot(current, fields[1:])}
        after = {
            "issued": issued,
            "issued_on": _iso(issued_on) if issued else None,
            "expires_on": _iso(expires_on) if issued else None,
        }
        changes = _changes(before, after)
        if not changes:
            return current
        card = None
        if issued:
            card = current or LegacyCard(member=member)
            card.issued_on, card.expires_on = issued_on, expires_on
            card.save()
        elif current is not None:
            current.delete()
        audit.record(
            "eligibility.legacy_card_update",
            actor=actor,
            ip=ip,
            target=member,
            target_label=str(member),
            detail={"changes": changes},
        )
    return card


# --- 資格確認書 ------------------------------------------------------------------------------

CERTIFICATE_FIELDS = (
    "issued_on",
    "valid_from",
    "valid_to",
    "returned_on",
    "revoked_on",
    "needs_assistance",
)


def check_certificate_period(
    member: Member, valid_from: date, valid_to: date, *, needs_assistance: bool = False
) -> None:
    """Refuse a period no certificate may have: longer than 5 years, past the day before
    coverage ends (75th birthday, roster, a dependent's insured person), past the 70-74 rate's
    有効期限 or across its 発効期日, for a 70-74 person without a 負担割合 on file, or overlapping
    a マイナ保険証 registration (a 要配慮者 alone may hold both)."""
    if valid_to < valid_from:
        raise EligibilityRefused("有効期限が有効期間の開始日より前になっています。")
    latest = certificate_latest_valid_to(valid_from)
    if valid_to > latest:
        raise EligibilityRefused(
            f"資格確認書の有効期間は5年以内です（この開始日なら{format_wareki(latest)}まで）。"
        )
    lost = member.coverage_lost_on
    if valid_from >= lost:
        raise EligibilityRefused(
            f"{format_wareki(lost)}に資格を喪失する(75歳到達・資格喪失を含む)ため、"
            "その日以降に始まる資格確認書は登録できません。"
        )
    allowed = certificate_rules.last_allowed_day(valid_from, member.birth_date, lost)
    if valid_to > allowed:
        raise EligibilityRefused(
            f"この開始日の資格確認書の有効期限は{format_wareki(allowed)}までです"
            "(75歳の誕生日の前日・資格喪失日の前日、70歳から74歳の方は負担割合の有効期限"
            "(7月31日)・発効期日の前日までです)。"
        )
    if is_elderly_on(member.birth_date, valid_from) and not member.copay_rate:
        raise EligibilityRefused(certificate_rules.RATE_MISSING)
    if needs_assistance:
        return
    # Nobody else holds a マイナ保険証 registration and a 資格確認書 at the same time.
    registration = MynaRegistration.objects.filter(member=member).first()
    if registration is None or registration.status == Status.NOT_REGISTERED:
        return
    if registration.status == Status.REGISTERED:
        raise EligibilityRefused(
            "マイナ保険証の利用登録がある方には資格確認書を登録できません。"
            "利用登録を解除した場合は、先に解除を記録してください。"
        )
    end = registration_end(build_facts(member, valid_from, registration=registration))
    if end is not None and valid_from <= end:
        raise EligibilityRefused(
            f"利用登録は{format_wareki(end)}まで有効です。資格確認書の有効期間はその翌日以降から"
            "始めてください。"
        )


def _check_certificate_dates(
    issued_on: date, returned_on: date | None, revoked_on: date | None
) -> None:
    for label, value in (("返却日", returned_on), ("無効とした日", revoked_on)):
        if value is not None and value < issued_on:
            raise EligibilityRefused(f"{label}が交付年月日より前になっています。")


def add_certificate(
    member: Member,
    *,
    issued_on: date,
    valid_from: date,
    valid_to: date | None = None,
    needs_assistance: bool = False,
    actor: Any = None,
    ip: str | None = None,
) -> EligibilityCertificate:
    """Record a 資格確認書; without valid_to it runs for the insurer's default validity, cut
    where the rules end it (coverage, 75, the 70-74 rate's 有効期限)."""
    if valid_to is None:
        allowed = certificate_rules.last_allowed_day(
            valid_from, member.birth_date, member.coverage_lost_on
        )
        valid_to = min(certificate_default_valid_to(valid_from), allowed)
    _check_certificate_dates(issued_on, None, None)
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).only("pk").first()
        check_certificate_period(member, valid_from, valid_to, needs_assistance=needs_assistance)
        certificate = EligibilityCertificate.objects.create(
            member=member,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_to=valid_to,
            needs_assistance=needs_assistance,
        )
        audit.record(
            "eligibility.certificate_add",
            actor=actor,
            ip=ip,
            target=member,
            target_label=str(member),
            detail={
                "certificate_id": certificate.pk,
                **_snapshot(certificate, CERTIFICATE_FIELDS),
            },
        )
    return certificate


def update_certificate(
    certificate: EligibilityCertificate,
    *,
    issued_on: date,
    valid_from: date,
    valid_to: date,
    returned_on: date | None,
    revoked_on: date | None,
    actor: Any = None,
    ip: str | None = None,
) -> EligibilityCertificate:
    """Correct a 資格確認書's dates, or record its return or revocation."""
    _check_certificate_dates(issued_on, returned_on, revoked_on)
    member = certificate.member
    with transaction.atomic():
        current = EligibilityCertificate.objects.select_for_update().get(pk=certificate.pk)
        before = _snapshot(current, CERTIFICATE_FIELDS)
        printed = (current.issued_on, current.valid_from, current.valid_to)
        if current.pdf and (issued_on, valid_from, valid_to) != printed:
            # The PDF shows these dates: a different period is a new certificate.
            raise EligibilityRefused(
                "ポータルで交付した資格確認書の交付年月日・有効期間は変更できません。"
                "返却・無効の記録のみできます(期間を変えるときは新たに交付してください)。"
            )
        if (valid_from, valid_to) != (current.valid_from, current.valid_to):
            # Only a new period is checked: recording a return must always be possible.
            check_certificate_period(
                member, valid_from, valid_to, needs_assistance=current.needs_assistance
            )
        current.issued_on, current.valid_from, current.valid_to = issued_on, valid_from, valid_to
        current.returned_on, current.revoked_on = returned_on, revoked_on
        changes = _changes(before, _snapshot(current, CERTIFICATE_FIELDS))
        if changes:
            current.save()
            audit.record(
                "eligibility.certificate_update",
                actor=actor,
                ip=ip,
                target=member,
                target_label=str(member),
                detail={"certificate_id": current.pk, "changes": changes},
            )
    return current


# --- the member's own word -------------------------------------------------------------------


def set_smartphone(
    member: Member,
    has_smartphone: bool,
    *,
    user: Any,
    ip: str | None = None,
) -> SmartphonePreference:
    """Remember whether this household member has a smartphone (the flowchart's step 1 or 2)."""
    with transaction.atomic():
        current = SmartphonePreference.objects.select_for_update().filter(member=member).first()
        if current is not None and current.has_smartphone == has_smartphone:
            return current
        previous = None if current is None else current.has_smartphone
        preference = current or SmartphonePreference(member=member)
        preference.has_smartphone = has_smartphone
        preference.set_by = user
        preference.save()
        audit.record(
            "eligibility.smartphone_set",
            actor=user,
            ip=ip,
            target=member,
            target_label=str(member),
            detail={"previous": previous, "has_smartphone": has_smartphone},
        )
    return preference

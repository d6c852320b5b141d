"""Issuing a 資格確認書: the snapshot of what it shows, its card-sized PDF (rendered once,
through the notices' renderer, and stored), and the audited record.

Every way the portal issues one (an approved employer application, 職権交付, renewal) ends
here; staff recording a certificate issued on paper elsewhere use services.add_certificate.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from eligibility import certificate_rules
from eligibility.certificates import layout
from eligibility.facts import build_facts
from eligibility.models import CertificateBatch, EligibilityCertificate, MynaRegistration
from eligibility.records.services import EligibilityRefused, check_certificate_period
from eligibility.rules import registration_end
from members.models import Member
from portal import audit, pdf
from portal.models import Insurer
from portal.wareki import format_wareki

STYLESHEET = pdf.STATIC_DIR / "css" / "certificate-pdf.css"
Source = EligibilityCertificate.Source


class NoInsurer(EligibilityRefused):
    def __init__(self) -> None:
        super().__init__("保険者情報が登録されていないため交付できません。先に登録してください。")


class MissingGlyph(EligibilityRefused):
    """A character of the person's record is in none of the fonts: no empty box on a name."""

    def __init__(self, error: pdf.MissingGlyph) -> None:
        characters = "".join(sorted(error.characters))[:20]
        super().__init__(
            f"資格確認書の書体にない文字があるため作成できません(文字: {characters})。"
        )


class NotCovered(EligibilityRefused):
    def __init__(self, lost_on: date) -> None:
        super().__init__(
            f"{format_wareki(lost_on)}に資格を喪失する(75歳到達・資格喪失・被保険者の資格喪失)ため、"
            "資格確認書を交付できません。"
        )


def period_for(member: Member, start: date, *, needs_assistance: bool = False) -> tuple[date, date]:
    """(valid_from, valid_to) of a certificate for `member` meant to start on `start`. A
    要配慮者 keeps the マイナ保険証 registration, so theirs does not wait for it to end."""
    end = None
    if not needs_assistance:
        registration = MynaRegistration.objects.filter(member=member).first()
        if registration is not None and registration.status == MynaRegistration.Status.CANCELLED:
            end = registration_end(build_facts(member, start, registration=registration))
    lost = member.coverage_lost_on
    valid_from, valid_to = certificate_rules.certificate_period(
        start,
        default_years=settings.CERTIFICATE_DEFAULT_YEARS,
        birth_date=member.birth_date,
        registration_end=end,
        coverage_lost_on=lost,
    )
    if valid_to < valid_from:
        raise NotCovered(lost)
    return valid_from, valid_to


def build_snapshot(
    member: Member, insurer: Insurer, *, issued_on: date, valid_from: date, valid_to: date
) -> dict[str, Any]:
    """Every field the certificate shows (DOMAIN.md), as it shows them. A 70-74 certificate
    carries the 負担割合 on file; without one nothing is built (EligibilityRefused)."""
    try:
        copay = certificate_rules.elderly_copay(member.birth_date, valid_from, member.copay_rate)
    except certificate_rules.RateMissing as missing:
        raise EligibilityRefused(str(missing)) from None
    lost_on = certificate_rules.printed_loss_date(valid_to, member.coverage_lost_on)
    return {
        "kigo": member.kigo,
        "bango": member.bango,
        "edaban": member.edaban,
        "insured_kind": "本人(被保険者)" if member.is_insured_person else "家族(被扶養者)",
        "name": member.name,
        "name_kana": member.name_kana,
        "sex": member.get_sex_display(),
        "birth_date": member.birth_date.isoformat(),
        "acquired_on": member.acquired_on.isoformat(),
        "lost_on": lost_on.isoformat() if lost_on else "",
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat(),
        "issued_on": issued_on.isoformat(),
        "insurer_number": insurer.insurer_number,
        "insurer_name": insurer.name,
        "insurer_address": f"〒{insurer.postal_code} {insurer.address}",
        "copay_ratio": copay.ratio if copay else "",
        "copay_from": copay.effective_from.isoformat() if copay else "",
        "copay_to": copay.expires_on.isoformat() if copay else "",
    }


_DATES = (
    "birth_date",
    "acquired_on",
    "lost_on",
    "valid_from",
    "valid_to",
    "issued_on",
    "copay_from",
    "copay_to",
)


def document_context(snapshot: dict[str, Any]) -> dict[str, Any]:
    # Certificates issued before a field existed lack it: shown blank.
    return {
        **snapshot,
        **{key: date.fromisoformat(snapshot[key]) if snapshot.get(key) else None for key in _DATES},
        "fit": {"name": layout.fit("name", snapshot["name"])},
    }


def render_pdf(snapshot: dict[str, Any]) -> bytes:
    """The card-sized PDF (front and back, 85.6 x 54 mm each, with crop marks in a 5 mm bleed)."""
    try:
        pdf.check_glyphs(str(v) for v in snapshot.values() if isinstance(v, str))
    except pdf.MissingGlyph as error:
        raise MissingGlyph(error) from None
    with translation.override("ja"):  # the 資格確認書 is Japanese whoever asks
        html = render_to_string(
            "eligibility/certificates/document.html", {"c": document_context(snapshot)}
        )
    return pdf.render_document(html, Path(STYLESHEET))


def issue_certificate(
    member: Member,
    *,
    issued_on: date,
    valid_from: date,
    valid_to: date,
    source: str,
    actor: Any = None,
    ip: str | None = None,
    insurer: Insurer | None = None,
    batch: CertificateBatch | None = None,
    renews: EligibilityCertificate | None = None,
    needs_assistance: bool = False,
    detail: dict[str, Any] | None = None,
) -> EligibilityCertificate:
    """Record the certificate, render and store its PDF, audit it; all or nothing."""
    insurer = insurer or Insurer.current()
    if insurer is None:
        raise NoInsurer
    snapshot = build_snapshot(
        member, insurer, issued_on=issued_on, valid_from=valid_from, valid_to=valid_to
    )
    document = render_pdf(snapshot)  # before any write: a missing glyph changes nothing
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).only("pk").first()
        check_certificate_period(member, valid_from, valid_to, needs_assistance=needs_assistance)
        certificate = EligibilityCertificate.objects.create(
            member=member,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_to=valid_to,
            source=source,
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
            batch=batch,
            renews=renews,
            needs_assistance=needs_assistance,
            snapshot=snapshot,
            pdf_sha256=hashlib.sha256(document).hexdigest(),
        )
        name = f"certificates/{issued_on:%Y/%m}/{secrets.token_hex(16)}.pdf"
        certificate.pdf.save(name, ContentFile(document), save=False)
        certificate.save(update_fields=["pdf"])
        audit.record(
            "eligibility.certificate_issue",
            actor=actor,
            ip=ip,
            target=member,
            target_label=str(member),
            detail={
                "certificate_id": certificate.pk,
                "source": source,
                "issued_on": issued_on.isoformat(),
                "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat(),
                "copay": snapshot["copay_ratio"],
                "batch_id": batch.pk if batch else None,
                "renews": renews.pk if renews else None,
                "needs_assistance": needs_assistance,
                **(detail or {}),
            },
        )
    return certificate


def pdf_filename(certificate: EligibilityCertificate) -> str:
    """Whose certificate it is, by 記号_番号_枝番 (never a name, never a My Number). The
    underscores and the "no" keep the digits from ever reading as one 12-digit number."""
    member = certificate.member
    parts = "_".join(_safe(part) for part in (member.kigo, member.bango, member.edaban))
    return f"shikaku-kakuninsho-{parts}-no{certificate.pk}.pdf"


def _safe(part: str) -> str:
    return "".join(ch for ch in part if ch.isascii() and ch.isalnum()) or "x"

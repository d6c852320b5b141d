"""Issuing 資格情報のお知らせ: one at a time here, in bulk in notices.batches.

A notice is a snapshot of what it shows, rendered once and stored; the PDF a member downloads
later is that stored file, byte for byte.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import IntegerField, Max, Q, QuerySet, Value
from django.db.models.fields.json import KT
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from members.households import Household
from members.models import Member
from notices import render, rules
from notices.models import Notice, NoticeBatch
from notices.verification import new_public_id
from portal import audit
from portal.languages import language_of
from portal.models import Insurer

logger = logging.getLogger(__name__)


class NoInsurer(Exception):
    """The insurer's own data (保険者番号, 名称) must exist before any notice can be issued."""


class NoCopayRate(Exception):
    """A member aged 70-74 has no 負担割合 on file: the notice would have to guess it."""

    def __init__(self) -> None:
        super().__init__(
            "70歳から74歳の方の負担割合が登録されていないため、お知らせを交付できません。"
            "名簿で負担割合を取り込んでから交付してください。"
        )


def digits_decision(member: Member) -> rules.DigitsDecision:
    return rules.digits_decision(
        acquired_on=member.acquired_on,
        lost_on=member.lost_on,
        number_status=member.mynumber_status,
        last4=member.mynumber_last4,
        cutoff=settings.NOTICE_CUTOFF_DATE,
    )


def elderly_terms(member: Member, day: date) -> rules.ElderlyTerms | None:
    return rules.elderly_terms(member.birth_date, day)


def build_snapshot(
    member: Member, insurer: Insurer, issued_on: date, terms_on: date | None = None
) -> dict[str, Any]:
    """Every field the notice shows, as it shows them. The last four digits only when the
    rule allows; the full number is never read. A member aged 70-74 on `terms_on` (the issue
    day unless a batch names a later 基準日) gets the rate, its 発効期日 and the 有効期限;
    without a rate on file, NoCopayRate."""
    decision = digits_decision(member)
    terms = elderly_terms(member, max(issued_on, terms_on or issued_on))
    if terms is not None and not member.copay_rate:
        raise NoCopayRate()
    return {
        "kigo": member.kigo,
        "bango": member.bango,
        "edaban": member.edaban,
        "insured_kind": gettext_noop("本人(被保険者)")
        if member.is_insured_person
        else gettext_noop("家族(被扶養者)"),
        "name": member.name,
        "name_kana": member.name_kana,
        "birth_date": member.birth_date.isoformat(),
        "acquired_on": member.acquired_on.isoformat(),
        "insurer_number": insurer.insurer_number,
        "insurer_name": insurer.name,
        "business_phone": insurer.business_phone,
        "helpdesk_phone": insurer.helpdesk_phone,
        "last4": member.mynumber_last4 if decision.shows else "",
        "digits_reason": decision.reason,
        "digits_message": decision.message,
        "issued_on": issued_on.isoformat(),
        # 70-74 only; blank under 70 (and absent from notices issued before these existed).
        "copay_rate": member.copay_rate if terms else "",
        "effective_from": terms.effective_from.isoformat() if terms else "",
        "valid_until": terms.valid_until.isoformat() if terms else "",
    }


@dataclass
class Issued:
    notices: dict[int, Notice]  # member id -> the notice issued (or found: see issue_notices)
    failures: dict[int, Exception]  # member id -> why no notice could be made; nothing written


def issue_notice(member: Member, reason: str, **options: Any) -> Notice:
    """Issue the member's next notice, supersede the current one, store its PDF (the options
    are issue_notices')."""
    issued = issue_notices([member], reason, **options)
    if issued.failures:
        raise issued.failures[member.pk]
    return issued.notices[member.pk]


def issue_notices(
    members: list[Member],
    reason: str,
    *,
    now: datetime,
    actor: Any = None,
    ip: str | None = None,
    batch: NoticeBatch | None = None,
    insurer: Insurer | None = None,
    notify: bool = True,
    terms_on: date | None = None,
) -> Issued:
    """Issue each member's next notice, supersede their current ones, store the PDFs: one
    transaction, a handful of statements for all of them (bulk issuing's pace is set here).

    A notice that cannot be rendered (a missing glyph) is a failure of that member alone,
    found before anything is written. With a batch, a member who already has this batch's
    notice gets that one back rather than a second."""
    insurer = insurer or Insurer.current()
    if insurer is None:
        raise NoInsurer("保険者情報が登録されていません。")
    issued = Issued({}, {})
    issued_on = timezone.localdate(now)
    rendered: list[tuple[Member, dict[str, Any], str, bytes]] = []
    for member in members:
        public_id = new_public_id()
        try:
            snapshot = build_snapshot(member, insurer, issued_on, terms_on)
            pdf = render.render_pdf([(snapshot, public_id)])
        except (render.MissingGlyph, NoCopayRate) as error:
            issued.failures[member.pk] = error
            continue
        rendered.append((member, snapshot, public_id, pdf))
    if not rendered:
        return issued
    with transaction.atomic():
        ids = [member.pk for member, *_ in rendered]
        # Locks the member rows: two issues for the same member take turns for the version.
        list(Member.objects.select_for_update().filter(pk__in=ids).order_by("pk").only("pk"))
        known = {
            row["member"]: row
            for row in Notice.objects.filter(member__in=ids)
            .values("member")
            .annotate(
                version=Max("version"),
                current=Max("pk", filter=Q(superseded_by__isnull=True, revoked_at__isnull=True)),
                in_batch=Max("pk", filter=Q(batch=batch)) if batch else Value(None, IntegerField()),
            )
        }
        new: list[Notice] = []
        for member, snapshot, public_id, pdf in rendered:
            facts = known.get(member.pk, {})
            if facts.get("in_batch"):
                issued.notices[member.pk] = Notice.objects.get(pk=facts["in_batch"])
                continue
            notice = Notice(
                member=member,
                version=(facts.get("version") or 0) + 1,
                reason=reason,
                issued_at=now,
                issued_on=issued_on,
                issued_by=actor,
                batch=batch,
                snapshot=snapshot,
                shows_last4=bool(snapshot["last4"]),
                public_id=public_id,
                pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            )
            # The file is written first; should the transaction roll back after it, the file
            # is left without a record (`manage.py remove_orphan_pdfs`).
            notice.pdf.save(f"notices/{issued_on:%Y/%m}/{public_id}.pdf", ContentFile(pdf), False)
            new.append(notice)
        Notice.objects.bulk_create(new)
        superseded = [
            Notice(pk=known[notice.member_id]["current"], superseded_by=notice)
            for notice in new
            if known.get(notice.member_id, {}).get("current")
        ]
        Notice.objects.bulk_update(superseded, ["superseded_by"])
        audit.write(
            [
                audit.event(
                    "notice.issue",
                    actor=actor,
                    ip=ip,
                    target=notice.member,
                    target_label=str(notice.member),
                    detail={
                        "notice_id": notice.pk,
                        "version": notice.version,
                        "reason": reason,
                        "shows_last4": notice.shows_last4,
                        "batch_id": batch.pk if batch else None,
                    },
                )
                for notice in new
            ]
        )
        issued.notices.update((notice.member_id, notice) for notice in new)
        if notify and new:
            household = [notice.member_id for notice in new]
            transaction.on_commit(lambda: notify_household(household))
    return issued


def pdf_bytes(notice: Notice) -> bytes:
    with notice.pdf.open("rb") as stored:
        return stored.read()


def current_notices(members: list[Member] | QuerySet[Member]) -> dict[int, Notice]:
    # The snapshot's 有効期限 only: the rest of it is not needed for a list.
    notices = (
        Notice.objects.filter(
            member__in=members, superseded_by__isnull=True, revoked_at__isnull=True
        )
        .defer("snapshot")
        .annotate(valid_until=KT("snapshot__valid_until"))
    )
    return {notice.member_id: notice for notice in notices}


@dataclass(frozen=True)
class NoticeStatus:
    state: str  # notices.rules.notice_state
    lapse: rules.Lapse | None  # why and from when, once the member's coverage has ended
    valid_until: date | None  # a 70-74 notice's 有効期限


def notice_status(notice: Notice, day: date, member: Member | None = None) -> NoticeStatus:
    """Whether the notice is valid on `day`, worked out when asked: a coverage that ends (the
    roster's loss date, the 75th birthday, the insured person's end) ends the notice that day,
    with no job to mark it. `member` may bring the coverage end already read (its insured)."""
    member = member or notice.member
    ended = rules.lapse(member.birth_date, member.coverage_lost_on, day)
    if "snapshot" in notice.get_deferred_fields():
        valid_until = getattr(notice, "valid_until", None)  # annotated by current_notices
    else:
        valid_until = notice.snapshot.get("valid_until")
    until = date.fromisoformat(valid_until) if valid_until else None
    state = rules.notice_state(
        revoked=notice.revoked_at is not None,
        superseded=notice.superseded_by_id is not None,
        lapsed=ended,
        valid_until=until,
        day=day,
    )
    return NoticeStatus(state, ended, until)


@dataclass(frozen=True)
class NoticeRow:
    person: Member
    notice: Notice | None
    status: NoticeStatus | None


@dataclass(frozen=True)
class HouseholdNotices:
    visible: bool
    available_from: date
    rows: list[NoticeRow]


def household_notices(household: Household | None, day: date) -> HouseholdNotices | None:
    """Each person's current notice and whether it is still valid on `day`, for the member's
    dashboard; hidden before availability."""
    if household is None:
        return None
    available_from = settings.NOTICES_AVAILABLE_FROM
    if not rules.visible_to_members(day, available_from):
        return HouseholdNotices(False, available_from, [])
    current = current_notices(household.people)
    rows = []
    for person in household.people:
        if person.insured_id is not None:
            person.insured = household.insured  # the coverage end reads it: no query each
        notice = current.get(person.pk)
        status = notice_status(notice, day, person) if notice else None
        rows.append(NoticeRow(person, notice, status))
    return HouseholdNotices(True, available_from, rows)


@dataclass(frozen=True)
class ElderlyLine:
    """A 70-74 notice's terms as the e-mail states them: the person by 本人/家族 only, as the
    e-mail names nobody but the insured person."""

    insured_kind: str
    copay_rate: str
    effective_from: date
    valid_until: date


def elderly_lines(member_ids: list[int]) -> dict[int, list[ElderlyLine]]:
    """Household head id -> the terms on the current notices of these members aged 70-74."""
    rows = (
        Notice.objects.filter(
            member_id__in=member_ids,
            superseded_by__isnull=True,
            revoked_at__isnull=True,
            snapshot__copay_rate__in=Member.CopayRate.values,
        )
        .order_by("member__edaban")
        .values_list("member_id", "member__insured_id", "snapshot")
    )
    lines: dict[int, list[ElderlyLine]] = {}
    for member_id, insured_id, snapshot in rows:
        line = ElderlyLine(
            snapshot["insured_kind"],
            snapshot["copay_rate"],
            date.fromisoformat(snapshot["effective_from"]),
            date.fromisoformat(snapshot["valid_until"]),
        )
        lines.setdefault(insured_id or member_id, []).append(line)
    return lines


def notice_links(member_ids: list[int]) -> dict[int, list[str]]:
    """Household head id -> the member pages of these members' current notices."""
    rows = (
        Notice.objects.filter(
            member_id__in=member_ids, superseded_by__isnull=True, revoked_at__isnull=True
        )
        .order_by("member__edaban")
        .values_list("pk", "member_id", "member__insured_id")
    )
    base = settings.PORTAL_BASE_URL.rstrip("/")
    links: dict[int, list[str]] = {}
    for pk, member_id, insured_id in rows:
        url = base + reverse("notices:member_notice", args=[pk])
        links.setdefault(insured_id or member_id, []).append(url)
    return links


def notify_household(member_ids: list[int]) -> int:
    """One e-mail per household with a new notice: only the insured person's name in it."""
    heads = (
        Member.objects.filter(pk__in=member_ids)
        # The e-mail's language with the login: no query per household (portal.languages).
        .select_related("insured__account__language_preference", "account__language_preference")
        .only("pk", "insured", "account", "name", "kigo", "bango", "edaban")
    )
    sent = 0
    seen: set[int] = set()
    insurer = Insurer.current()
    elderly = elderly_lines(member_ids)
    links = notice_links(member_ids)
    for member in heads:
        head = member.insured or member
        account = head.account
        if account is None or head.pk in seen or not account.email:
            continue
        seen.add(head.pk)
        context = {
            "name": head.name,
            "insurer": insurer,
            # Each new notice's own page, so the e-mail leads straight to it.
            "urls": links.get(head.pk) or [settings.PORTAL_BASE_URL],
            "elderly": elderly.get(head.pk, []),
        }
        with translation.override(language_of(account)):  # the member's chosen language
            message = EmailMultiAlternatives(
                subject=render_to_string("notices/email/new_notice_subject.txt", context).strip(),
                body=render_to_string("notices/email/new_notice.txt", context),
                to=[account.email],
            )
            message.attach_alternative(
                render_to_string("notices/email/new_notice.html", context), "text/html"
            )
        message.send()
        # The member's access log shows the e-mail (portal.pages.access_log): never the address.
        audit.record(
            "notice.email_sent",
            target=head,
            target_label=str(head),
            detail={"notices": len(links.get(head.pk, []))},
        )
        sent += 1
    return sent

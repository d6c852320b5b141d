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
from django.template.loader import render_to_string
from django.utils import timezone

from members.households import Household
from members.models import Member
from notices import render, rules
from notices.models import Notice, NoticeBatch
from notices.verification import new_public_id
from portal import audit
from portal.models import Insurer

logger = logging.getLogger(__name__)


class NoInsurer(Exception):
    """The insurer's own data (保険者番号, 名称) must exist before any notice can be issued."""


def digits_decision(member: Member) -> rules.DigitsDecision:
    return rules.digits_decision(
        acquired_on=member.acquired_on,
        lost_on=member.lost_on,
        number_status=member.mynumber_status,
        last4=member.mynumber_last4,
        cutoff=settings.NOTICE_CUTOFF_DATE,
    )


def build_snapshot(member: Member, insurer: Insurer, issued_on: date) -> dict[str, Any]:
    """Every field the notice shows, as it shows them. The last four digits only when the
    rule allows; the full number is never read."""
    decision = digits_decision(member)
    return {
        "kigo": member.kigo,
        "bango": member.bango,
        "edaban": member.edaban,
        "insured_kind": "本人(被保険者)" if member.is_insured_person else "家族(被扶養者)",
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
        snapshot = build_snapshot(member, insurer, issued_on)
        public_id = new_public_id()
        try:
            pdf = render.render_pdf([(snapshot, public_id)])
        except render.MissingGlyph as error:
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
    notices = Notice.objects.filter(
        member__in=members, superseded_by__isnull=True, revoked_at__isnull=True
    ).defer("snapshot")
    return {notice.member_id: notice for notice in notices}


@dataclass(frozen=True)
class HouseholdNotices:
    visible: bool
    available_from: date
    rows: list[tuple[Member, Notice | None]]


def household_notices(household: Household | None, day: date) -> HouseholdNotices | None:
    """Each person's current notice, for the member's dashboard; hidden before availability."""
    if household is None:
        return None
    available_from = settings.NOTICES_AVAILABLE_FROM
    if not rules.visible_to_members(day, available_from):
        return HouseholdNotices(False, available_from, [])
    current = current_notices(household.people)
    rows = [(person, current.get(person.pk)) for person in household.people]
    return HouseholdNotices(True, available_from, rows)


def notify_household(member_ids: list[int]) -> int:
    """One e-mail per household with a new notice: only the insured person's name in it."""
    heads = (
        Member.objects.filter(pk__in=member_ids)
        .select_related("insured__account", "account")
        .only("pk", "insured", "account", "name")
    )
    sent = 0
    seen: set[int] = set()
    insurer = Insurer.current()
    for member in heads:
        head = member.insured or member
        account = head.account
        if account is None or head.pk in seen or not account.email:
            continue
        seen.add(head.pk)
        context = {"name": head.name, "insurer": insurer, "url": settings.PORTAL_BASE_URL}
        message = EmailMultiAlternatives(
            subject=render_to_string("notices/email/new_notice_subject.txt", context).strip(),
            body=render_to_string("notices/email/new_notice.txt", context),
            to=[account.email],
        )
        message.attach_alternative(
            render_to_string("notices/email/new_notice.html", context), "text/html"
        )
        message.send()
        sent += 1
    return sent

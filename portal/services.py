"""Verbs on the portal's own data. Each runs in a transaction and writes its audit event."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal import audit
from portal.forms import InsurerForm
from portal.models import AuditEvent, Insurer


@transaction.atomic
def update_insurer(form: InsurerForm, *, actor: Any, ip: str | None) -> Insurer:
    """Save the insurer's data; the audit event names the fields that changed, old and new."""
    before = Insurer.objects.select_for_update().filter(pk=1).first()
    changes = {
        name: [str(getattr(before, name)) if before else "", str(form.cleaned_data[name])]
        for name in form.Meta.fields
        if before is None or getattr(before, name) != form.cleaned_data[name]
    }
    insurer = form.save(commit=False)
    insurer.pk = 1
    insurer.save()
    if changes:
        audit.record(
            "insurer.update",
            actor=actor,
            ip=ip,
            target=insurer,
            target_label=insurer.name,
            detail={"changes": changes},
        )
    return insurer


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# The log's order (AuditEvent.Meta.ordering), unique: the export walks it in keyset pages.
AUDIT_ORDER = ("-at", "-id")


def filter_audit_events(
    *,
    actor: str = "",
    target: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.order_by(*AUDIT_ORDER)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if target:
        events = events.filter(Q(target_id=target) | Q(target_label__icontains=target))
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__gte=_day_start(date_from))
    if date_to:
        events = events.filter(at__lt=_day_start(date_to + timedelta(days=1)))
    return events


AUDIT_CSV_HEADER = [
    "日時",
    "実行者",
    "ロール",
    "操作",
    "対象の種類",
    "対象ID",
    "対象",
    "IPアドレス",
    "結果",
    "詳細",
]


def csv_safe(value: Any) -> str:
    """Text for a spreadsheet cell: a leading =, +, - or @ would run as a formula in Excel."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def spreadsheet_csv(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """A CSV export streamed one line at a time: UTF-8 with BOM and CRLF so that spreadsheet
    software reads it as is, every cell made safe from formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_safe(value) for value in values])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


def audit_csv_rows(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The auditor's export, streamed."""
    return spreadsheet_csv(AUDIT_CSV_HEADER, (_audit_row(event) for event in events))


def _audit_row(event: AuditEvent) -> list[Any]:
    return [
        timezone.localtime(event.at).isoformat(timespec="seconds"),
        event.actor_label,
        event.actor_role,
        event.action_label,
        event.target_type,
        event.target_id,
        event.target_label,
        event.ip_address,
        event.get_outcome_display(),
        event.detail,
    ]

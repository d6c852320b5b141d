"""The steps every mismatch verb shares: lock the case at the version the caller saw, save it
with a new version, write its timeline and its audit event, and the closing e-mail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from members.models import vault_columns
from notices.mismatch.errors import StaleCase, WrongState
from notices.models import MismatchCase, MismatchEvent
from portal import audit
from portal.languages import language_of
from portal.models import AuditEvent, Insurer

S = MismatchCase.Status
# The source recorded with a number registered (or refused) through a correction.
SOURCE = "mismatch_correction"
# Never read to show or lock a case: the sealed proposal and the member's vault columns.
VAULT_COLUMNS = ("proposed_token", *vault_columns("member"))


def event(case: MismatchCase, kind: str, actor: Any, note: str = "") -> None:
    label = getattr(actor, "email", "") or ""
    MismatchEvent.objects.create(case=case, kind=kind, actor=actor, actor_label=label, note=note)


def audit_case(action: str, case: MismatchCase, actor: Any, ip: str | None, **detail: Any) -> None:
    outcome = detail.pop("outcome", AuditEvent.Outcome.SUCCESS)
    audit.record(
        action,
        actor=actor,
        ip=ip,
        target=case.member,
        target_label=str(case.member),
        outcome=outcome,
        detail={"case_id": case.pk, "status": case.status, **detail},
    )


def locked(case_pk: int, version: int, allowed: tuple[str, ...]) -> MismatchCase:
    """The case row locked for this transaction, if it is still as the caller saw it."""
    case = (
        MismatchCase.objects.select_for_update(of=("self",))
        .select_related("member")
        .get(pk=case_pk)
    )
    if case.version != version:
        raise StaleCase()
    if case.status not in allowed:
        raise WrongState()
    return case


def save(case: MismatchCase, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


def notify_closed(case_pk: int) -> bool:
    """One e-mail to the insured person: their name and a pointer to the portal, nothing else."""
    case = MismatchCase.objects.select_related(
        "member__insured__account", "member__account", "reported_by"
    ).get(pk=case_pk)
    head = case.member.insured or case.member
    account = head.account or case.reported_by
    if account is None or not account.email:
        return False
    # The case's own page: the result, and a corrected case's new notice, one tap away.
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "members:mismatch_member_case", args=[case.pk]
    )
    context = {"name": head.name, "insurer": Insurer.current(), "url": url}
    with translation.override(language_of(account)):  # the member's chosen language
        message = EmailMessage(
            subject=render_to_string("notices/mismatch/email/closed_subject.txt", context).strip(),
            body=render_to_string("notices/mismatch/email/closed.txt", context),
            to=[account.email],
        )
    message.send()
    # The member's access log shows the e-mail (portal.pages.access_log): never the address.
    audit.record(
        "mismatch.email_sent",
        target=case.member,
        target_label=str(case.member),
        detail={"case_id": case.pk},
    )
    return True

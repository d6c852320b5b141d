"""Writing the audit log. Every change, and every staff view of personal data, calls record()."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from portal.audit_actions import ACTION_LABELS
from portal.audit_actions import register_actions as register_actions  # for each apps.py
from portal.models import AuditEvent, audit_text, contains_full_number
from portal.roles import primary_role


class FullNumberInAuditDetail(ValueError):
    """Raised before anything shaped like a full My Number reaches the audit table."""


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, for the audit log and the per-address rate limits: every caller
    goes through here. Behind `TRUSTED_PROXY_HOPS` proxies it comes from X-Forwarded-For."""
    if request is None:
        return None
    return forwarded_client(
        request.META.get("REMOTE_ADDR"),
        request.META.get("HTTP_X_FORWARDED_FOR"),
        hops=settings.TRUSTED_PROXY_HOPS,
    )


def forwarded_client(
    remote_addr: str | None, forwarded_for: str | None, *, hops: int
) -> str | None:
    """Each trusted proxy appends the address it was reached from, so with N of them the Nth
    entry from the right is the one the client cannot forge (entries further left are the
    client's own say). A header too short or with anything but addresses where the proxies
    write is not trusted: then REMOTE_ADDR stands, as with no proxy."""
    if hops > 0 and forwarded_for:
        written = [entry.strip() for entry in forwarded_for.split(",")][-hops:]
        if len(written) == hops and all(_ip(entry) for entry in written):
            return _ip(written[0])
    return _ip(remote_addr)


def _ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def event(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    ip: str | None = None,
    target: models.Model | None = None,
    target_label: str = "",
    outcome: str = AuditEvent.Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """An audit event, checked and ready to save (record() saves one; write() several).

    Views pass their `request`; services, which never see one, pass the `actor` (a user, or
    None for the portal itself) and the client's `ip`."""
    if action not in ACTION_LABELS:
        raise ValueError(f"unregistered audit action {action!r}")
    detail = detail or {}
    if contains_full_number(audit_text(detail, target_label)):
        raise FullNumberInAuditDetail(action)
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    role = primary_role(actor) if actor is not None else None
    return AuditEvent(
        actor=actor,
        actor_label=getattr(actor, "email", "") or "",
        actor_role=role.value if role else "",
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label,
        ip_address=ip if ip is not None else client_ip(request),
        outcome=outcome,
        detail=detail,
    )


def record(action: str, **fields: Any) -> AuditEvent:
    new = event(action, **fields)
    new.save(force_insert=True)
    return new


def write(events: list[AuditEvent]) -> list[AuditEvent]:
    """Several events built by event(), in one INSERT."""
    return AuditEvent.objects.bulk_create(events)

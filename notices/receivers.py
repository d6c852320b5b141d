"""A new notice follows every change of what the current one shows."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from members.models import Member
from members.signals import notice_fields_changed
from notices.models import Notice

logger = logging.getLogger(__name__)


@receiver(notice_fields_changed)
def reissue_after_change(sender: Any, changes: dict[int, str], **kwargs: Any) -> None:
    # Only members who already hold a current notice: the others get theirs when they are
    # first issued one, with the new details.
    holders = set(
        Notice.objects.filter(
            member_id__in=list(changes), superseded_by__isnull=True, revoked_at__isnull=True
        ).values_list("member_id", flat=True)
    )
    due = {pk: reason for pk, reason in changes.items() if pk in holders}
    if due:
        transaction.on_commit(lambda: _issue(due))


def _issue(due: dict[int, str]) -> None:
    from notices import services
    from notices.batches import services as batches

    # A few are issued right after the change commits; more go to a batch that the task
    # workers run (a whole roster of name changes should not hold up an import).
    if len(due) > settings.NOTICE_REISSUE_NOW_LIMIT:
        by_reason: dict[str, list[int]] = {}
        for pk, reason in due.items():
            by_reason.setdefault(reason, []).append(pk)
        for reason, pks in by_reason.items():
            batches.start_batch(
                reason=reason,
                as_of=timezone.localdate(),
                scope="members",
                members=list(Member.objects.filter(pk__in=pks)),
                actor=None,
            )
        return
    for member in Member.objects.filter(pk__in=list(due)):
        try:
            services.issue_notice(member, due[member.pk], now=timezone.now())
        except Exception:
            # The change itself has committed; staff see the missing notice on the member page.
            logger.exception("automatic notice for member %s failed", member.pk)

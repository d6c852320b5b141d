"""Who may open which notice. Anything else is a 404, as if it did not exist."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from members.households import household_ids
from notices import rules
from notices.models import Notice
from portal.roles import STAFF_ROLES, Role, roles_of


def get_notice_for_member(
    request: HttpRequest, pk: int, *, for_page: bool = False, for_download: bool = False
) -> Notice:
    """A current notice of someone in the caller's own household, once notices are visible.

    for_page: with the person's insured person too (the page greets the member by name);
    for_download: without the snapshot, which a stored PDF does not need."""
    if Role.MEMBER not in roles_of(request.user):
        raise Http404
    if not rules.visible_to_members(timezone.localdate(), settings.NOTICES_AVAILABLE_FROM):
        raise Http404
    household = household_ids(request.user)
    notices = Notice.objects.filter(
        member__in=household, superseded_by__isnull=True, revoked_at__isnull=True
    )
    notices = notices.select_related("member__insured" if for_page else "member")
    if for_download:
        notices = notices.defer("snapshot")
    return get_object_or_404(notices, pk=pk)


def get_notice_for_staff(request: HttpRequest, pk: int) -> Notice:
    """Any notice, current or not, for 業務課 staff."""
    if not roles_of(request.user) & STAFF_ROLES:
        raise Http404
    return get_object_or_404(Notice.objects.select_related("member"), pk=pk)

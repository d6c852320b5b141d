"""Object access: one helper per caller kind, each a 404 for anything outside its reach.

Views never fetch a member by primary key themselves; they ask here, so the rule of who may
see which record lives in one place.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from members.employers import employer_of
from members.households import household_ids
from members.models import Member, vault_columns
from portal.roles import STAFF_ROLES, roles_of


def member_records():
    """Members as pages show them: employer joined, the vault's ciphertext and hash never read."""
    # The insured person comes along: coverage (Member.coverage_lost_on) ends with theirs.
    return Member.objects.select_related("employer", "insured").defer(
        *vault_columns(), *vault_columns("insured")
    )


def get_member_for_staff(request: HttpRequest, pk: int) -> Member:
    """Any member, for 業務課 staff (clerk or supervisor); 404 for everyone else."""
    if not roles_of(request.user) & STAFF_ROLES:
        raise Http404
    return get_object_or_404(member_records(), pk=pk)


def get_household_member_for_user(user: Any, pk: int) -> Member:
    """A person of the household whose insured person this login holds; 404 for anyone else."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    return get_object_or_404(member_records().filter(pk__in=household_ids(user)), pk=pk)


def get_member_for_employer(request: HttpRequest, pk: int) -> Member:
    """A person (insured or dependent) of the employer this login belongs to; 404 otherwise."""
    employer = employer_of(request.user)
    if employer is None:
        raise Http404
    return get_object_or_404(member_records().filter(employer=employer), pk=pk)

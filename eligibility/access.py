"""Object access for applications and certificates: one helper per caller kind, each a 404
for anything outside its reach (the employer's own people, the member's own household)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from eligibility.models import CertificateApplication, EligibilityCertificate
from members.employers import employer_of
from members.households import household_ids
from members.models import Employer
from portal.roles import STAFF_ROLES, roles_of


def _employer(request: HttpRequest) -> Employer:
    employer = employer_of(request.user)
    if employer is None:
        raise Http404
    return employer


def require_employer(request: HttpRequest) -> Employer:
    """The caller's employer; 404 for a login without an active employer link."""
    return _employer(request)


def _applications() -> QuerySet[CertificateApplication]:
    return CertificateApplication.objects.select_related("employer", "insured", "submitted_by")


def get_application_for_employer(request: HttpRequest, pk: int) -> CertificateApplication:
    return get_object_or_404(_applications().filter(employer=_employer(request)), pk=pk)


def get_application_for_staff(request: HttpRequest, pk: int) -> CertificateApplication:
    if not roles_of(request.user) & STAFF_ROLES:
        raise Http404
    return get_object_or_404(_applications(), pk=pk)


def _certificates() -> QuerySet[EligibilityCertificate]:
    # Only certificates the portal issued have a document to download.
    return EligibilityCertificate.objects.select_related("member").exclude(pdf="")


def get_certificate_for_employer(request: HttpRequest, pk: int) -> EligibilityCertificate:
    return get_object_or_404(_certificates().filter(member__employer=_employer(request)), pk=pk)


def get_certificate_for_member(request: HttpRequest, pk: int) -> EligibilityCertificate:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        raise Http404
    household = household_ids(user)
    return get_object_or_404(_certificates().filter(member__in=household), pk=pk)


def get_certificate_for_staff(request: HttpRequest, pk: int) -> EligibilityCertificate:
    if not roles_of(request.user) & STAFF_ROLES:
        raise Http404
    return get_object_or_404(_certificates(), pk=pk)


def get_certificate_record_for_staff(request: HttpRequest, pk: int) -> EligibilityCertificate:
    """Any certificate record, issued here or recorded by hand, for staff to edit."""
    if not roles_of(request.user) & STAFF_ROLES:
        raise Http404
    records = EligibilityCertificate.objects.select_related("member").defer(
        "member__mynumber_token", "member__mynumber_hash"
    )
    return get_object_or_404(records, pk=pk)

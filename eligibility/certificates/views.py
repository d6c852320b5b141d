"""資格確認書 PDF downloads: the member's own household, the employer's people, and staff."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from eligibility.access import (
    get_certificate_for_employer,
    get_certificate_for_member,
    get_certificate_for_staff,
)
from eligibility.certificates.services import pdf_filename
from eligibility.models import EligibilityCertificate
from portal import audit
from portal.responses import open_pdf, private_pdf
from portal.roles import STAFF_ROLES, Role, role_required


@role_required(*STAFF_ROLES)
@require_GET
def staff_certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return certificate_response(request, get_certificate_for_staff(request, pk), "staff")


@role_required(Role.MEMBER)
@require_GET
def member_certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return certificate_response(request, get_certificate_for_member(request, pk), "member")


def certificate_response(
    request: HttpRequest, certificate: EligibilityCertificate, who: str
) -> FileResponse:
    opened = open_pdf(certificate.pdf)
    # Recorded once the file is open: one that cannot be read hands out nothing.
    audit.record(
        "certificate.download",
        request=request,
        target=certificate.member,
        target_label=str(certificate.member),
        detail={"certificate_id": certificate.pk, "by": who},
    )
    # A member opens it in the phone's viewer; staff and employers keep a download to file.
    return private_pdf(opened, pdf_filename(certificate), inline=who == "member")


@role_required(Role.EMPLOYER)
@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return certificate_response(request, get_certificate_for_employer(request, pk), "employer")

"""E-mails about 資格確認書: an application returned (to the employer's logins), certificates
issued (to the employer's logins and, when linked, the insured person's login).

Sent after the change commits. No e-mail carries a 記号・番号 or a reason typed by staff: it
says what happened and where to read it, with the 受付番号.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from eligibility.models import CertificateApplication
from members.employers import active_recipients
from members.models import Member
from portal import audit
from portal.languages import language_of
from portal.models import Insurer

logger = logging.getLogger(__name__)


def _send(template: str, context: dict[str, Any], to: list[str], language: str = "ja") -> int:
    """`language`: a member's own (portal.languages); employers' e-mails stay Japanese."""
    if not to:
        return 0
    if "insurer" not in context:  # a batch reads it once and passes it
        context = {"insurer": Insurer.current(), **context}
    with translation.override(language):
        message = EmailMultiAlternatives(
            subject=render_to_string(f"eligibility/email/{template}_subject.txt", context).strip(),
            body=render_to_string(f"eligibility/email/{template}.txt", context),
            to=to,
        )
        message.attach_alternative(
            render_to_string(f"eligibility/email/{template}.html", context), "text/html"
        )
    message.send()
    return 1


def _url(name: str, *args: Any) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(name, args=args)


def application_returned(application_id: int) -> int:
    application = CertificateApplication.objects.select_related("employer", "insured").get(
        pk=application_id
    )
    context = {
        "application": application,
        "url": _url("eligibility:employer_application", application.pk),
    }
    sent = _send("application_returned", context, active_recipients(application.employer_id))
    _record_employer_mail(application, "application_returned", sent)
    return sent


def certificates_issued(application_id: int) -> int:
    """One e-mail to the employer's logins, one to the insured person's login if linked."""
    application = CertificateApplication.objects.select_related("employer", "insured__account").get(
        pk=application_id
    )
    sent = _send(
        "certificate_issued_employer",
        {
            "application": application,
            "people": application.persons.count(),
            "url": _url("eligibility:employer_application", application.pk),
        },
        active_recipients(application.employer_id),
    )
    _record_employer_mail(application, "certificate_issued_employer", sent)
    return sent + notify_households([application.insured_id])


def _record_employer_mail(application: CertificateApplication, template: str, sent: int) -> None:
    """The household's access log shows that its application was mailed about (to the
    employer's logins); the event names neither the addresses nor the people."""
    if sent:
        audit.record(
            "certificate_application.email_sent",
            target=application,
            target_label=str(application.insured),
            detail={"application_id": application.pk, "template": template},
        )


def notify_households(member_ids: Iterable[int]) -> int:
    """One e-mail per household with a new certificate, to the insured person's login."""
    sent = 0
    seen: set[int] = set()
    # The e-mail's language with the login: no query per household (portal.languages).
    people = Member.objects.filter(pk__in=list(member_ids)).select_related(
        "account__language_preference", "insured__account__language_preference"
    )
    insurer = Insurer.current()
    for person in people:
        head = person.insured or person
        account = head.account
        if account is None or head.pk in seen or not account.email or not account.is_active:
            continue
        seen.add(head.pk)
        try:
            sent += _send(
                "certificate_issued_member",
                # The card of the person the certificate is for, on the member's home.
                {
                    "name": head.name,
                    "url": f"{_url('members:home')}#person-{person.pk}",
                    "insurer": insurer,
                },
                [account.email],
                language_of(account),
            )
            audit.record(
                "certificate.email_sent",
                target=person,
                target_label=str(person),
                detail={"template": "certificate_issued_member"},
            )
        except Exception:
            # The certificates are issued; a mail server hiccup must not undo or repeat that.
            logger.exception("certificate e-mail for household %s failed", head.pk)
    return sent

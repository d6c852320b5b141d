"""資格確認書 applications that an employer files for its people."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from members.models import Employer, Member


class CertificateApplication(models.Model):
    """An application for 資格確認書 made by an employer for people of one household.

    It states what the law asks: the date, the applicant (the household's insured person,
    through the employer), 記号・番号 and the name and birth date of each person covered
    (ApplicationPerson, as stated), and the reason.
    """

    class Reason(models.TextChoices):
        NO_CARD = "no_card", "マイナンバーカードを持っていない"
        REGISTRATION_CANCELLED = "registration_cancelled", "マイナ保険証の利用登録を解除した"
        # 要配慮者 (DOMAIN.md): they may keep the マイナ保険証 registration (ASSISTANCE).
        CARE_CERTIFIED = "care_certified", "要配慮者(要介護・要支援の認定を受けている)"
        DISABILITY_CERTIFICATE = "disability_certificate", "要配慮者(障害者手帳を持っている)"
        DV_PROTECTION = "dv_protection", "要配慮者(DV等の支援措置を受けている)"
        NEEDS_ASSISTANCE = (
            "needs_assistance",
            "要配慮者(その他、施設入所など保険者が認める事情)",
        )
        CARD_LOST = "card_lost", "マイナンバーカードの紛失・再発行中"
        OTHER = "other", "その他"

    # The reasons of people who need assistance at the clinic: not refused for a マイナ保険証
    # registration, and their certificate renews without a new application.
    ASSISTANCE = frozenset(
        {"care_certified", "disability_certificate", "dv_protection", "needs_assistance"}
    )
    # Reasons whose 理由の詳細 is kept (required for "other" only, as the constraint says).
    DETAILED = frozenset({"other", "needs_assistance"})

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "審査中"
        RETURNED = "returned", "差戻し"
        APPROVED = "approved", "承認済(交付準備中)"
        ISSUED = "issued", "交付済"
        WITHDRAWN = "withdrawn", "取下げ"

    class Source(models.TextChoices):
        FORM = "form", "申請画面"
        CSV = "csv", "CSV一括申請"

    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="certificate_applications"
    )
    insured = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="+", verbose_name="申請者(被保険者)"
    )
    applied_on = models.DateField("申請日")
    reason = models.CharField("申請理由", max_length=30, choices=Reason)
    reason_detail = models.CharField("理由の詳細", max_length=200, blank=True)
    status = models.CharField(
        "状態", max_length=10, choices=Status, default=Status.SUBMITTED, db_index=True
    )
    source = models.CharField("経路", max_length=10, choices=Source, default=Source.FORM)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField("申請日時", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("審査日時", null=True, blank=True)
    return_reason = models.CharField("差戻しの理由", max_length=500, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField("取下げ日時", null=True, blank=True)
    issued_at = models.DateTimeField("交付日時", null=True, blank=True)
    # Why issuing after approval failed (a character missing from the fonts, no insurer data);
    # the application stays approved until staff retry.
    issue_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "資格確認書の申請"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason="other") | ~Q(reason_detail=""),
                name="application_other_reason_explained",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="application_return_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="application_queue"),
            models.Index(fields=["employer", "-submitted_at"], name="application_employer"),
        ]

    def __str__(self) -> str:
        return f"資格確認書の申請 {self.number}"

    @property
    def number(self) -> str:
        """受付番号, as employers and staff quote it."""
        return f"A{self.pk:06d}"

    @property
    def reason_label(self) -> str:
        if self.reason == self.Reason.OTHER:
            return f"その他({self.reason_detail})"
        if self.reason in self.DETAILED and self.reason_detail:
            return f"{self.get_reason_display()}:{self.reason_detail}"
        return self.get_reason_display()

    @property
    def needs_assistance(self) -> bool:
        return self.reason in self.ASSISTANCE

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.APPROVED)

    @property
    def can_withdraw(self) -> bool:
        return self.status == self.Status.SUBMITTED


class ApplicationPerson(models.Model):
    """One person covered by an application, with the items as the application stated them."""

    application = models.ForeignKey(
        CertificateApplication, on_delete=models.CASCADE, related_name="persons"
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="certificate_applications"
    )
    kigo = models.CharField("記号", max_length=8)
    bango = models.CharField("番号", max_length=8)
    edaban = models.CharField("枝番", max_length=2)
    name = models.CharField("氏名", max_length=100)
    birth_date = models.DateField("生年月日")
    # True while the application awaits a decision or its issue: the unique constraint below
    # makes a second pending application for the same person impossible, even in a race.
    open = models.BooleanField(default=True)
    certificate = models.OneToOneField(
        "eligibility.EligibilityCertificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application_person",
    )

    class Meta:
        verbose_name = "申請の対象者"
        ordering = ["application", "edaban"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "member"], name="application_person_once"
            ),
            models.UniqueConstraint(
                fields=["member"], condition=Q(open=True), name="application_one_open_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kigo}・{self.bango}・{self.edaban} {self.name}"

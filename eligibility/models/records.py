"""What the insurer knows about each person's documents: the マイナ保険証 registration, the
legacy card, 資格確認書, and the person's own word on having a smartphone.

The rules (eligibility.rules) never read these models: eligibility.facts turns them into
rules.MemberFacts for a given day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_noop

from members.coverage import late_elderly_from
from members.models import Member


class MynaRegistration(models.Model):
    """マイナ保険証 利用登録 of one person, as the insurer last heard of it.

    The roster import reports only 有/無/解除, never a date. When a date is unknown the import
    records the day it learned of the status and marks the date as estimated: the person was
    registered (or applied for 解除) on that day at the latest. The rules treat it as the date;
    staff replace it with the real one when they know it.
    """

    class Status(models.TextChoices):
        REGISTERED = "registered", "登録済み"
        NOT_REGISTERED = "not_registered", "未登録"
        CANCELLED = "cancelled", "登録解除"

    class Source(models.TextChoices):
        ROSTER = "roster", "名簿取込"
        STAFF = "staff", "業務課"

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="myna_registration", verbose_name="加入者"
    )
    status = models.CharField("利用登録", max_length=20, choices=Status)
    registered_on = models.DateField("利用登録日", null=True, blank=True)
    registered_on_estimated = models.BooleanField("利用登録日は推定", default=False)
    cancellation_applied_on = models.DateField("利用登録解除の申請日", null=True, blank=True)
    cancellation_estimated = models.BooleanField("解除の申請日は推定", default=False)
    # The My Number card's electronic certificate: the card works 3 months past its expiry.
    card_certificate_expires_on = models.DateField("電子証明書の有効期限", null=True, blank=True)
    has_card = models.BooleanField("マイナンバーカードの所持", null=True, blank=True)
    source = models.CharField("最終更新の経路", max_length=10, choices=Source)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "マイナ保険証の利用登録"
        constraints = [
            # A registration (current or cancelled) has a date; "not registered" has none.
            models.CheckConstraint(
                condition=Q(status="not_registered", registered_on__isnull=True)
                | (~Q(status="not_registered") & Q(registered_on__isnull=False)),
                name="myna_registration_date_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancellation_applied_on__isnull=False)
                | (~Q(status="cancelled") & Q(cancellation_applied_on__isnull=True)),
                name="myna_cancellation_only_when_cancelled",
            ),
            models.CheckConstraint(
                condition=Q(cancellation_applied_on__isnull=True)
                | Q(cancellation_applied_on__gte=F("registered_on")),
                name="myna_cancelled_after_registering",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"


class LegacyCard(models.Model):
    """健康保険証 (the legacy card) held by one person; no row means none is recorded."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="legacy_card", verbose_name="加入者"
    )
    issued_on = models.DateField("交付日", null=True, blank=True)
    expires_on = models.DateField("券面の有効期限", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "健康保険証"
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True)
                | Q(expires_on__isnull=True)
                | Q(expires_on__gte=F("issued_on")),
                name="legacy_card_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"健康保険証 {self.member}"


class EligibilityCertificate(models.Model):
    """資格確認書: valid alone at the clinic from valid_from to valid_to (at most 5 years),
    until returned or revoked.

    Certificates the portal issues (eligibility.issuance: employer applications, 職権交付,
    renewals) carry the snapshot of what they show and the PDF rendered from it, stored once.
    Certificates staff record by hand (issued on paper elsewhere) have neither.
    """

    class Source(models.TextChoices):
        STAFF = "staff", "業務課の登録"
        APPLICATION = "application", "事業所経由の申請"
        EX_OFFICIO = "ex_officio", "職権交付"
        RENEWAL = "renewal", "更新"

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="certificates", verbose_name="加入者"
    )
    issued_on = models.DateField("交付年月日")
    valid_from = models.DateField("有効期間の開始日")
    valid_to = models.DateField("有効期限")
    returned_on = models.DateField("返却日", null=True, blank=True)
    revoked_on = models.DateField("無効とした日", null=True, blank=True)
    source = models.CharField("交付の経路", max_length=20, choices=Source, default=Source.STAFF)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        "eligibility.CertificateBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    # The certificate this one renews: each is renewed at most once, however often a bulk
    # renewal is retried.
    # Issued to a 要配慮者 (needs assistance at the clinic): held while keeping the マイナ保険証
    # registration, and renewed without a new application.
    needs_assistance = models.BooleanField("要配慮者", default=False)
    renews = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewal"
    )
    # Every field the printed certificate shows, as shown (eligibility.issuance.build_snapshot).
    snapshot = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "資格確認書"
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="certificate_period_ordered"
            ),
            # A batch issues at most one certificate per member, however often a chunk runs.
            models.UniqueConstraint(
                fields=["batch", "member"],
                condition=Q(batch__isnull=False),
                name="certificate_once_per_batch",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "valid_from", "valid_to"], name="certificate_member"),
        ]

    def __str__(self) -> str:
        return f"資格確認書 {self.member}"

    @property
    def has_document(self) -> bool:
        return bool(self.pdf)

    @property
    def lapse(self) -> Lapse | None:
        """When the holder's coverage ends before the certificate would (or the day after it
        ends, as at 75): the certificate is void from that day. Reads member.insured for a
        dependent (select_related("member__insured") in lists)."""
        member = self.member
        lost = member.coverage_lost_on
        if lost > self.valid_to + timedelta(days=1):
            return None
        reason = (
            gettext_noop("75歳到達(後期高齢者医療へ移行)")
            if lost == late_elderly_from(member.birth_date)
            else gettext_noop("資格喪失")
        )
        return Lapse(reason, lost)


@dataclass(frozen=True)
class Lapse:
    """Why and from when a 資格確認書 is void because its holder left the society."""

    reason: str
    on: date


class SmartphonePreference(models.Model):
    """What the insured person said about a household member: has a smartphone or not.

    The letter's flowchart turns on it (step 1 or step 2); kept until changed.
    """

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="smartphone_preference"
    )
    has_smartphone = models.BooleanField("スマートフォンの所持")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "スマートフォンの所持(本人の申告)"

    def __str__(self) -> str:
        return f"{self.member} {'あり' if self.has_smartphone else 'なし'}"

"""Bulk issues of 資格確認書 (職権交付, renewals) and their per-member items."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from members.models import Member


class CertificateBatch(models.Model):
    """A bulk issue of 資格確認書 (職権交付, or renewals), split into chunks for task workers.

    Progress lives in CertificateBatchItem rows, never in the task queue, like the notice
    batches (notices.batches): every chunk is idempotent and resumable.
    """

    class Kind(models.TextChoices):
        EX_OFFICIO = "ex_officio", "職権交付"
        RENEWAL = "renewal", "更新"

    class Status(models.TextChoices):
        RUNNING = "running", "実行中"
        FINISHED = "finished", "完了"

    kind = models.CharField("種類", max_length=20, choices=Kind)
    # 職権交付: the day the targets are chosen on and the certificates start.
    as_of = models.DateField("基準日")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("開始", auto_now_add=True)
    finished_at = models.DateTimeField("終了", null=True, blank=True)
    status = models.CharField("状態", max_length=10, choices=Status, default=Status.RUNNING)
    total = models.PositiveIntegerField("対象件数", default=0)

    class Meta:
        verbose_name = "資格確認書の一括交付"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"資格確認書の{self.get_kind_display()} {self.pk} ({self.as_of})"


class CertificateBatchItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "未処理"
        DONE = "done", "交付済"
        SKIPPED = "skipped", "対象外"
        FAILED = "failed", "失敗"

    batch = models.ForeignKey(CertificateBatch, on_delete=models.CASCADE, related_name="items")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    # Renewal: the certificate being renewed.
    renews = models.ForeignKey(
        "eligibility.EligibilityCertificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    certificate = models.OneToOneField(
        "eligibility.EligibilityCertificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    error = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "member"], name="certificate_item_once"),
        ]
        indexes = [models.Index(fields=["batch", "status"], name="certificate_item_status")]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.member_id} {self.status}"

"""Bulk issues of 資格確認書 (職権交付, renewals) and their per-member items."""

from __future__ import annotations

from django.db import models

from members.models import Member
from portal.batching.models import Batch, BatchItem


class CertificateBatch(Batch):
    """A bulk issue of 資格確認書 (職権交付, or renewals), run by the batch engine
    (portal.batching) like the notice batches: every chunk is idempotent and resumable."""

    class Kind(models.TextChoices):
        EX_OFFICIO = "ex_officio", "職権交付"
        RENEWAL = "renewal", "更新"

    kind = models.CharField("種類", max_length=20, choices=Kind)

    class Meta(Batch.Meta):
        verbose_name = "資格確認書の一括交付"

    def __str__(self) -> str:
        return f"資格確認書の{self.get_kind_display()} {self.pk} ({self.as_of})"


class CertificateBatchItem(BatchItem):
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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "member"], name="certificate_item_once"),
        ]
        indexes = [models.Index(fields=["batch", "status"], name="certificate_item_status")]

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from members.models import Member


class NoticeBatch(models.Model):
    """A bulk issue: which members, why, and how far the task workers have got.

    Progress lives in NoticeBatchItem rows, not in the task queue: a killed worker loses
    nothing, and resuming enqueues the items still pending.
    """

    class Scope(models.TextChoices):
        ENROLLED = "enrolled", "基準日時点の加入者全員"
        EMPLOYER = "employer", "事業所の加入者"
        MEMBERS = "members", "指定した加入者"

    class Status(models.TextChoices):
        RUNNING = "running", "実行中"
        FINISHED = "finished", "完了"

    reason = models.CharField("交付理由", max_length=30)
    as_of = models.DateField("基準日")
    scope = models.CharField("対象", max_length=10, choices=Scope)
    employer = models.ForeignKey(
        "members.Employer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("開始", auto_now_add=True)
    finished_at = models.DateTimeField("終了", null=True, blank=True)
    status = models.CharField("状態", max_length=10, choices=Status, default=Status.RUNNING)
    total = models.PositiveIntegerField("対象件数", default=0)
    print_file = models.FileField("印刷用PDF", blank=True)
    print_file_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "お知らせ一括交付"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"一括交付 {self.pk} ({self.as_of})"


class NoticeBatchItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "未処理"
        DONE = "done", "交付済"
        FAILED = "failed", "失敗"

    batch = models.ForeignKey(NoticeBatch, on_delete=models.CASCADE, related_name="items")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    notice = models.OneToOneField(
        "Notice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    error = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "member"], name="batch_item_once"),
        ]
        indexes = [models.Index(fields=["batch", "status"], name="batch_item_status")]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.member_id} {self.status}"


class Notice(models.Model):
    """An issued 資格情報のお知らせ. Immutable once issued (PostgreSQL refuses edits of what it
    shows); a later notice supersedes it, a revocation marks it, neither rewrites it."""

    class Reason(models.TextChoices):
        INITIAL = "initial", "初回交付"
        ENROLMENT = "enrolment", "資格取得"
        CHANGE = "change", "記載事項の変更"
        MYNUMBER_CORRECTION = "mynumber_correction", "マイナンバーの訂正"
        REISSUE = "reissue", "再交付"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="notices")
    version = models.PositiveIntegerField("版")
    reason = models.CharField("交付理由", max_length=30, choices=Reason)
    issued_at = models.DateTimeField("交付日時")
    issued_on = models.DateField("交付年月日")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        NoticeBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    # Every field the notice shows, as shown; never the full My Number.
    snapshot = models.JSONField()
    shows_last4 = models.BooleanField("下4桁の表示")
    # Random, unguessable; the QR code carries it signed (notices.verification).
    public_id = models.CharField(max_length=32, unique=True)
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)
    pdf = models.FileField(blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "資格情報のお知らせ"
        ordering = ["member", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["member", "version"], name="notice_version_once"),
            # A batch issues at most one notice per member, however often a chunk is retried.
            models.UniqueConstraint(
                fields=["batch", "member"],
                condition=Q(batch__isnull=False),
                name="notice_once_per_batch",
            ),
        ]
        indexes = [
            models.Index(
                fields=["member"],
                condition=Q(superseded_by__isnull=True, revoked_at__isnull=True),
                name="notice_current",
            )
        ]
        triggers = [
            pgtrigger.Protect(name="notice_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="notice_immutable",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    "member",
                    "version",
                    "reason",
                    "issued_at",
                    "issued_on",
                    "issued_by",
                    "batch",
                    "snapshot",
                    "shows_last4",
                    "public_id",
                ),
            ),
            # The stored PDF is written once, and then stays what was downloaded.
            pgtrigger.Protect(
                name="notice_pdf_once",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__pdf_sha256__gt="")
                & (
                    pgtrigger.Q(old__pdf_sha256__df=pgtrigger.F("new__pdf_sha256"))
                    | pgtrigger.Q(old__pdf__df=pgtrigger.F("new__pdf"))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"お知らせ {self.member} 第{self.version}版"

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None and self.revoked_at is None

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        return "current" if self.superseded_by_id is None else "superseded"

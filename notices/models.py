from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop

from members.models import Member
from portal.batching.models import Batch, BatchItem


class NoticeBatch(Batch):
    """A bulk issue of notices: which members, why, and how far the task workers have got
    (in NoticeBatchItem rows; see portal.batching)."""

    class Scope(models.TextChoices):
        ENROLLED = "enrolled", "基準日時点の加入者全員"
        EMPLOYER = "employer", "事業所の加入者"
        MEMBERS = "members", "指定した加入者"

    reason = models.CharField("交付理由", max_length=30)
    scope = models.CharField("対象", max_length=10, choices=Scope)
    employer = models.ForeignKey(
        "members.Employer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    print_file = models.FileField("印刷用PDF", blank=True)
    print_file_at = models.DateTimeField(null=True, blank=True)

    class Meta(Batch.Meta):
        verbose_name = "お知らせ一括交付"

    def __str__(self) -> str:
        return f"一括交付 {self.pk} ({self.as_of})"


class NoticeBatchItem(BatchItem):
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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "member"], name="batch_item_once"),
        ]
        indexes = [models.Index(fields=["batch", "status"], name="batch_item_status")]


class Notice(models.Model):
    """An issued 資格情報のお知らせ. Immutable once issued (PostgreSQL refuses edits of what it
    shows); a later notice supersedes it, a revocation marks it, neither rewrites it."""

    class Reason(models.TextChoices):
        INITIAL = "initial", "初回交付"
        ENROLMENT = "enrolment", "資格取得"
        CHANGE = "change", "記載事項の変更"
        MYNUMBER_CORRECTION = "mynumber_correction", "マイナンバーの訂正"
        REISSUE = "reissue", "再交付"
        # 高齢受給者: on reaching 70 (発効期日), and each rate year from 1 August.
        ELDERLY_START = "elderly_start", "70歳到達(高齢受給者)"
        ELDERLY_RENEWAL = "elderly_renewal", "負担割合の年次更新(8月1日)"

    # Batch reasons whose targets are chosen by age (notices.batches.services.targets).
    ELDERLY_REASONS = (Reason.ELDERLY_START, Reason.ELDERLY_RENEWAL)

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


# Last-four-digit mismatch cases (notices.mismatch): a member's report on a notice, the
# 業務課's check, a verified correction.


class MismatchCase(models.Model):
    """One report that the last four digits on a notice differ from the member's card.

    A proposed correction lives here only as vault ciphertext bound to the member row, and only
    while it waits for a supervisor (a constraint says so); approval or rejection wipes it.
    `version` is the optimistic lock: every staff action names the version it saw.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "受付"
        INVESTIGATING = "investigating", "調査中"
        PENDING_APPROVAL = "pending_approval", "承認待ち"
        CORRECTED = "corrected", "訂正済"
        NO_ERROR = "no_error", "確認済(誤りなし)"

    OPEN_STATUSES = (Status.RECEIVED, Status.INVESTIGATING, Status.PENDING_APPROVAL)
    # What the member is told: the approval step is still "under investigation" to them.
    MEMBER_LABELS = {
        Status.RECEIVED: gettext_noop("受付済み"),
        Status.INVESTIGATING: gettext_noop("調査中"),
        Status.PENDING_APPROVAL: gettext_noop("調査中"),
        Status.CORRECTED: gettext_noop("訂正済み"),
        Status.NO_ERROR: gettext_noop("確認済み(誤りはありませんでした)"),
    }

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="mismatch_cases")
    notice = models.ForeignKey("notices.Notice", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    registered_last4 = models.CharField("お知らせの下4桁", max_length=4)
    reported_last4 = models.CharField("カードの下4桁(申出)", max_length=4)
    contact = models.CharField("連絡先", max_length=254)
    comment = models.TextField("コメント", max_length=1000, blank=True)
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.RECEIVED)
    version = models.PositiveIntegerField(default=1)

    # The five-item check against the national register; None until recorded.
    check_name = models.BooleanField("漢字氏名", null=True)
    check_kana = models.BooleanField("カナ氏名", null=True)
    check_birth_date = models.BooleanField("生年月日", null=True)
    check_sex = models.BooleanField("性別", null=True)
    check_address = models.BooleanField("住所", null=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    proposed_token = models.TextField(blank=True, editable=False)
    proposed_last4 = models.CharField("訂正後の下4桁", max_length=4, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField("差し戻しの理由", blank=True)

    resolution_reason = models.TextField("完了の理由", blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)
    created_at = models.DateTimeField("受付日時", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    CHECK_FIELDS = ("check_name", "check_kana", "check_birth_date", "check_sex", "check_address")

    class Meta:
        verbose_name = "下4桁相違の申出"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=["received", "investigating", "pending_approval"]),
                name="mismatch_one_open_case_per_member",
            ),
            models.CheckConstraint(
                condition=Q(reported_last4__regex=r"^[0-9]{4}$")
                & Q(registered_last4__regex=r"^[0-9]{4}$")
                & (Q(proposed_last4="") | Q(proposed_last4__regex=r"^[0-9]{4}$")),
                name="mismatch_last4_are_four_digits",
            ),
            # The ciphertext exists only while a supervisor has to decide on it.
            models.CheckConstraint(
                condition=(Q(status="pending_approval") & ~Q(proposed_token=""))
                | (~Q(status="pending_approval") & Q(proposed_token="")),
                name="mismatch_token_only_pending",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=["received", "investigating", "pending_approval"])
                    & Q(closed_at__isnull=True)
                )
                | (Q(status__in=["corrected", "no_error"]) & Q(closed_at__isnull=False)),
                name="mismatch_closed_when_final",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="mismatch_status_age")]

    def __str__(self) -> str:
        return f"下4桁相違 No.{self.pk} {self.member}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def member_label(self) -> str:
        return self.MEMBER_LABELS[self.Status(self.status)]

    @property
    def checks(self) -> list[tuple[str, bool | None]]:
        return [
            (self._meta.get_field(name).verbose_name, getattr(self, name))
            for name in self.CHECK_FIELDS
        ]

    @property
    def check_recorded(self) -> bool:
        return all(getattr(self, name) is not None for name in self.CHECK_FIELDS)

    @property
    def all_matched(self) -> bool:
        return all(getattr(self, name) is True for name in self.CHECK_FIELDS)


class MismatchEvent(models.Model):
    """The case's own timeline: what happened, who did it, and any reason given (never digits
    beyond the last four)."""

    class Kind(models.TextChoices):
        REPORTED = "reported", "申出を受付"
        CHECKED = "checked", "5項目の照合を記録"
        CLOSED_NO_ERROR = "closed_no_error", "誤りなしとして完了(理由付き疑いなし)"
        PROPOSED = "proposed", "訂正を提案"
        PROPOSAL_REFUSED = "proposal_refused", "提案を拒否(他の加入者に登録済みの番号)"
        APPROVED = "approved", "訂正を承認(登録を更新)"
        APPROVAL_REFUSED = "approval_refused", "承認できず担当者に戻した"
        REJECTED = "rejected", "提案を差し戻し"

    case = models.ForeignKey(MismatchCase, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "下4桁相違の経過"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

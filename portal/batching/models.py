"""The fields every batch of per-member work and its items share. Abstract: no table here; the
apps' concrete models add their own fields (and keep their own tables and migrations)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# The item statuses the engine reads and writes. Each concrete item's Status has these values
# (and may add its own, e.g. "skipped"), so the engine never needs an app's choices.
PENDING, DONE, FAILED = "pending", "done", "failed"


class Batch(models.Model):
    """A bulk run over members, split into chunks for task workers.

    Progress lives in the item rows, never in the task queue: a killed worker loses nothing,
    and resuming enqueues the items still pending.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "実行中"
        FINISHED = "finished", "完了"

    # The day the targets are chosen on (for 職権交付 also the day the certificates start).
    as_of = models.DateField("基準日")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("開始", auto_now_add=True)
    finished_at = models.DateTimeField("終了", null=True, blank=True)
    status = models.CharField("状態", max_length=10, choices=Status, default=Status.RUNNING)
    total = models.PositiveIntegerField("対象件数", default=0)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


class BatchItem(models.Model):
    """One member's part of a batch. The concrete model adds `batch` and `member` (foreign keys
    to models this base layer does not know) and `status`, whose choices are its own."""

    error = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.member_id} {self.status}"

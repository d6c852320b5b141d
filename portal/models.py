from __future__ import annotations

import re

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from portal import audit_actions
from portal.checkdigits import is_valid_insurer_number

_PHONE = RegexValidator(
    r"^0\d{1,4}-\d{1,4}-\d{3,4}$", "電話番号は 03-1234-5678 の形で入力してください。"
)
_POSTAL = RegexValidator(r"^\d{3}-\d{4}$", "郵便番号は 123-4567 の形で入力してください。")


def validate_insurer_number(value: str) -> None:
    if not is_valid_insurer_number(value):
        raise ValidationError("保険者番号は8桁の数字で、検証番号(8桁目)が正しくありません。")
    if not value.startswith("06"):
        raise ValidationError("健康保険組合の保険者番号は法別番号 06 で始まります。")


class Insurer(models.Model):
    """The society itself. One row; read through Insurer.current()."""

    insurer_number = models.CharField(
        "保険者番号", max_length=8, validators=[validate_insurer_number]
    )
    name = models.CharField("保険者名称", max_length=100)
    postal_code = models.CharField("郵便番号", max_length=8, validators=[_POSTAL])
    address = models.CharField("所在地", max_length=200)
    business_phone = models.CharField("業務課 電話番号", max_length=15, validators=[_PHONE])
    helpdesk_phone = models.CharField("ヘルプデスク 電話番号", max_length=15, validators=[_PHONE])
    helpdesk_hours = models.CharField("受付時間", max_length=100, blank=True)
    portal_name = models.CharField("ポータル名", max_length=50, default="MY HEALTH WEB")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "保険者"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="insurer_single_row")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Insurer | None:
        return cls.objects.filter(pk=1).first()


# Twelve digits in a row, half- or full-width, possibly split by spaces or hyphens: the shape of
# a full My Number. The audit detail refuses it, in Python and again in PostgreSQL.
_TWELVE_DIGITS = re.compile(r"(?:[0-9０-９][\s\-－]?){11}[0-9０-９]")


def contains_full_number(text: str) -> bool:
    return bool(_TWELVE_DIGITS.search(text))


def mask_full_numbers(text: str) -> str:
    """Text with anything shaped like a full My Number replaced by asterisks."""
    return _TWELVE_DIGITS.sub(lambda match: "*" * len(match.group()), text)


class AuditEvent(models.Model):
    class Outcome(models.TextChoices):
        SUCCESS = "success", "成功"
        FAILURE = "failure", "失敗"
        DENIED = "denied", "拒否"

    at = models.DateTimeField("日時", auto_now_add=True, db_index=True)
    # No foreign-key constraint: deleting a user must not rewrite (or be blocked by) history.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="実行者",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField("実行者(記録時)", max_length=254, blank=True)
    actor_role = models.CharField("ロール", max_length=20, blank=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    target_type = models.CharField("対象の種類", max_length=60, blank=True)
    target_id = models.CharField("対象ID", max_length=60, blank=True, db_index=True)
    target_label = models.CharField("対象", max_length=120, blank=True)
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    outcome = models.CharField("結果", max_length=10, choices=Outcome, default=Outcome.SUCCESS)
    detail = models.JSONField("詳細", default=dict, blank=True)

    class Meta:
        verbose_name = "監査ログ"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-at"])]
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            pgtrigger.Trigger(
                name="audit_no_truncate",
                level=pgtrigger.Statement,
                when=pgtrigger.Before,
                operation=pgtrigger.Truncate,
                func="RAISE EXCEPTION 'portal_auditevent is append-only';",
            ),
            pgtrigger.Trigger(
                name="audit_no_full_number",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func=(
                    "IF regexp_replace(NEW.detail::text || NEW.target_label, "
                    "'[[:space:]\\-－]', '', 'g') ~ '[0-9０-９]{12}' THEN "
                    "RAISE EXCEPTION 'audit rows may not hold twelve digits in a row'; "
                    "END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    @property
    def action_label(self) -> str:
        return audit_actions.label(self.action)

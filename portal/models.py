from __future__ import annotations

import json
import re
import time
from typing import Any

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        forget_page_copy()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        forget_page_copy()
        return super().delete(*args, **kwargs)

    @classmethod
    def current(cls) -> Insurer | None:
        return cls.objects.filter(pk=1).first()

    @classmethod
    def for_pages(cls) -> Insurer | None:
        """The insurer as every page's header and footer show it: a copy per process, read
        again after _PAGE_COPY_SECONDS, so that pages cost no query for it. A save in this
        process drops the copy at once; other processes show an edit within the minute.
        Documents (notices, certificates, e-mails) read current(), never this copy."""
        now = time.monotonic()
        copy = _page_copy.get("insurer")
        if copy is None or now - copy[0] >= _PAGE_COPY_SECONDS:
            copy = _page_copy["insurer"] = (now, cls.current())
        return copy[1]


_PAGE_COPY_SECONDS = 60
_page_copy: dict[str, tuple[float, Insurer | None]] = {}


def forget_page_copy() -> None:
    """Drop this process's copy of the insurer (after an edit; tests between cases)."""
    _page_copy.clear()


# The one definition of "a full My Number" in free text: twelve digits, half- or full-width,
# with any run of separators between them. Separators: every character str.isspace() accepts,
# NUL (never stored, but typed between digits to slip past a check), the zero-width ones, and
# every hyphen look-alike including ー and ｰ (a Japanese IME types ー for "-"; between digits it
# can only be a separator). Anything else between digits (/, ., _, ・, letters) ends the run.
# The same pattern, written only with \uXXXX escapes that Python and PostgreSQL's regex engine
# both read, is the audit table's trigger: Python refuses first, the trigger is the backstop.
_DIGIT_CLASS = "[0-9\\uff10-\\uff19]"
_SEPARATOR_CHARS = (
    "\x00\t\n\v\f\r \x1c\x1d\x1e\x1f\x85\xa0\u1680"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"  # the rest of str.isspace()
    + "\u200b\u200c\u200d\u2060\ufeff"  # zero-width
    + "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d\u30fc\uff70"  # hyphens, ー, ｰ
)
_SEPARATOR_CLASS = "[" + "".join(f"\\u{ord(char):04x}" for char in _SEPARATOR_CHARS) + "]"
FULL_NUMBER_PATTERN = f"{_DIGIT_CLASS}(?:{_SEPARATOR_CLASS}*{_DIGIT_CLASS}){{11}}"
_TWELVE_DIGITS = re.compile(FULL_NUMBER_PATTERN)


def contains_full_number(text: str) -> bool:
    """Twelve digits (half- or full-width) with only spaces, hyphens or ー between them."""
    return bool(_TWELVE_DIGITS.search(text))


def mask_full_numbers(text: str) -> str:
    """Text with anything shaped like a full My Number replaced by asterisks."""
    return _TWELVE_DIGITS.sub(lambda match: "*" * len(match.group()), text)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def audit_text(detail: dict[str, Any], target_label: str) -> str:
    """What the trigger searches: the detail as JSON, the label, and every string in the
    detail unescaped (JSON writes a tab as \\t, which would hide a tab-spaced number)."""
    values = "|".join(_strings(detail))
    return f"{json.dumps(detail, ensure_ascii=False)}|{target_label}|{values}"


# The trigger's text: as audit_text (jsonb_path_query walks every string value, #>> unescapes).
_AUDIT_TEXT_SQL = (
    "NEW.detail::text || '|' || NEW.target_label || '|' || coalesce((SELECT "
    "string_agg(v #>> '{}', '|') FROM jsonb_path_query(NEW.detail, "
    "'strict $.** ? (@.type() == \"string\")') AS v), '')"
)


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
                # The same pattern as contains_full_number (only \\uXXXX escapes, which
                # PostgreSQL's regex engine reads as Python's does).
                func=(
                    f"IF ({_AUDIT_TEXT_SQL}) ~ "
                    f"'{FULL_NUMBER_PATTERN}' THEN "
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


class KeyCheck(models.Model):
    """A key's check value, recorded at its first use (portal.keys): HMAC-SHA256 of a fixed
    label under the key. It is never the key and gives nothing of it back; it only tells
    whether the key configured later is the one the stored data was written under."""

    setting = models.CharField("環境変数", max_length=40)
    key_id = models.CharField("鍵ID", max_length=16, blank=True)  # "" for a single key
    check_value = models.CharField("照合値", max_length=64)
    recorded_at = models.DateTimeField("記録日時", auto_now=True)

    class Meta:
        verbose_name = "鍵の照合値"
        constraints = [
            models.UniqueConstraint(fields=["setting", "key_id"], name="keycheck_one_per_key"),
            models.CheckConstraint(
                condition=models.Q(check_value__regex=r"^[0-9a-f]{64}$"),
                name="keycheck_value_is_a_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.setting} {self.key_id}".strip()


class LanguagePreference(models.Model):
    """The language a member chose for the member pages and the e-mails (portal.languages).
    No row: Japanese for e-mails, the browser's language for pages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="language_preference",
    )
    language = models.CharField("言語", max_length=8, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "表示言語"

    def __str__(self) -> str:
        return self.language

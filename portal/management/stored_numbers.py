"""Finding and masking full My Numbers stored in free text before the refusal existed.

Free text refuses twelve-digit runs since issue 14 (portal.validators, portal.models
contains_full_number), but rows written before may still hold one: a number typed into a name,
an address, a reason. COLUMNS is the one list of the columns a person's free text reaches;
EXEMPT says for every other text column why it need not be scanned. tests/test_mask_stored_numbers
fails when a model gains a text column that is in neither, so a new field cannot be forgotten.

Finding runs in PostgreSQL with the same pattern as Python (FULL_NUMBER_PATTERN, \\uXXXX escapes
that both engines read); each candidate is confirmed in Python. Nothing here ever prints, logs
or audits a value: only the table, the row's pk and the field's name.

Sealed columns are reported and never changed: the audit table is append-only (its triggers
refuse UPDATE and DELETE, and since its first migration refuse INSERTing a row with twelve
digits; 0003 widened that pattern to the present one, so only a row written before 0003 with a
run the older pattern missed could be found there), and a notice's or certificate's snapshot is
what was printed (a finding there is corrected by revoking and reissuing the document).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction

from portal import audit
from portal.models import FULL_NUMBER_PATTERN, contains_full_number, mask_full_numbers
from portal.pagination import keyset_rows

ACTION = "data.mask_full_numbers"


@dataclass(frozen=True)
class Column:
    model: str  # "app_label.ModelName"
    name: str
    json: bool = False  # a JSON document: every string in it is scanned and masked
    sealed: bool = False  # reported only, never rewritten (see the module's docstring)

    @property
    def key(self) -> str:
        return f"{self.model}.{self.name}"


def _text(model: str, *names: str) -> list[Column]:
    return [Column(model, name) for name in names]


COLUMNS: tuple[Column, ...] = (
    *_text(
        "portal.Insurer",
        "name",
        "address",
        "business_phone",
        "helpdesk_phone",
        "helpdesk_hours",
        "portal_name",
    ),
    *_text("members.Employer", "name", "address"),
    *_text("members.Member", "name", "name_kana", "address"),
    *_text("members.RosterImport", "file_name"),
    Column("members.RosterImport", "errors", json=True),
    Column("members.RosterImport", "warnings", json=True),
    *_text("eligibility.CertificateApplication", "reason_detail", "return_reason", "issue_error"),
    *_text("eligibility.ApplicationPerson", "name"),
    *_text("eligibility.CertificateBatchItem", "error"),
    *_text("notices.NoticeBatchItem", "error"),
    *_text("notices.Notice", "revoked_reason"),
    *_text("notices.MismatchCase", "contact", "comment", "rejection_reason", "resolution_reason"),
    *_text("notices.MismatchEvent", "note"),
    Column("notices.Notice", "snapshot", json=True, sealed=True),
    Column("eligibility.EligibilityCertificate", "snapshot", json=True, sealed=True),
    Column("portal.AuditEvent", "detail", json=True, sealed=True),
    Column("portal.AuditEvent", "target_label", sealed=True),
    Column("portal.AuditEvent", "actor_label", sealed=True),
)

_MACHINE = "a value the portal makes (hash, token, key or code), never typed by a person"
_EMAIL = "an account's e-mail address: a login identifier, masked it would lock the person out"
# Text columns that are not scanned, and why. Columns with choices, or too short for twelve
# digits (max_length < 12), need no entry: they cannot hold a run.
EXEMPT: dict[str, str] = {
    "members.Member.mynumber_token": "the sealed number (AES-GCM ciphertext)",
    "members.Member.mynumber_hash": _MACHINE,
    "members.MyNumberConflict.source": _MACHINE,
    "members.RosterImport.sha256": _MACHINE,
    "members.RosterImport.encoding": _MACHINE,
    "members.RegistrationCode.code_hash": _MACHINE,
    "eligibility.EligibilityCertificate.pdf_sha256": _MACHINE,
    "notices.Notice.public_id": _MACHINE,
    "notices.Notice.pdf_sha256": _MACHINE,
    "notices.NoticeBatch.reason": "a Notice.Reason value chosen from a list",
    "notices.MismatchCase.proposed_token": "the sealed proposed number (AES-GCM ciphertext)",
    "notices.MismatchEvent.actor_label": _EMAIL,
    "portal.AuditEvent.action": _MACHINE,
    "portal.AuditEvent.target_type": _MACHINE,
    "portal.AuditEvent.target_id": _MACHINE,
    "portal.AuditEvent.actor_role": _MACHINE,
    "portal.KeyCheck.setting": _MACHINE,
    "portal.KeyCheck.key_id": _MACHINE,
    "portal.KeyCheck.check_value": _MACHINE,
    "auth.Permission.name": "the apps' permission definitions, written by migrate",
    "auth.Permission.codename": _MACHINE,
    "auth.Group.name": "the role names (portal.roles), written by migrate",
    "auth.User.password": _MACHINE,
    "auth.User.username": _EMAIL,
    "auth.User.email": _EMAIL,
    "auth.User.first_name": "never set: accounts are named by their e-mail",
    "auth.User.last_name": "never set: accounts are named by their e-mail",
}
# The apps whose text columns must each be in COLUMNS or EXEMPT.
CHECKED_APPS = ("portal", "members", "eligibility", "notices", "auth")


def text_columns() -> Iterator[tuple[type[models.Model], models.Field]]:
    """Every column of the checked apps that could hold twelve digits."""
    for model in apps.get_models():
        if model._meta.app_label not in CHECKED_APPS:
            continue
        for column in model._meta.concrete_fields:
            if isinstance(column, models.JSONField):
                yield model, column
            elif isinstance(column, models.CharField | models.TextField):
                too_short = column.max_length is not None and column.max_length < 12
                if not column.choices and not too_short:
                    yield model, column


@dataclass
class Finding:
    column: Column
    pks: list[Any] = field(default_factory=list)


def _manager(column: Column) -> models.Manager:
    return apps.get_model(column.model)._base_manager


class JsonStrings(models.Func):
    """Every string in a JSON document, unescaped and joined: what the audit trigger reads
    (a tab between digits is `\\t` in the document's text, and must not hide a run)."""

    template = (
        "coalesce((SELECT string_agg(v #>> '{}', '|') FROM jsonb_path_query(%(expressions)s, "
        "'strict $.** ? (@.type() == \"string\")') AS v), '')"
    )
    output_field = models.TextField()


def _candidates(column: Column) -> models.QuerySet:
    manager = _manager(column)
    if column.json:
        scanned = manager.annotate(scanned_text=JsonStrings(column.name))
        return scanned.filter(scanned_text__regex=FULL_NUMBER_PATTERN)
    return manager.filter(**{f"{column.name}__regex": FULL_NUMBER_PATTERN})


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _holds(value: Any) -> bool:
    return any(contains_full_number(text) for text in _strings(value))


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_full_numbers(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


def find() -> list[Finding]:
    """Every listed column and the pks of its rows holding a run (confirmed in Python)."""
    findings = []
    for column in COLUMNS:
        rows = _candidates(column).values_list("pk", column.name)
        # Keyset pages, not iterator(): behind a transaction-mode pooler that reads it all.
        holding = [pk for pk, value in keyset_rows(rows, ("pk",)) if _holds(value)]
        findings.append(Finding(column, holding))
    return findings


@dataclass
class Masked:
    model: str
    pk: Any
    fields: list[str]


def apply() -> list[Masked]:
    """Mask every run in the columns that are not sealed, in one transaction, each changed row
    locked and re-read first, with one audit event per row (field names only)."""
    changed: list[Masked] = []
    with transaction.atomic():
        by_model: dict[str, list[Column]] = {}
        for column in COLUMNS:
            if not column.sealed:
                by_model.setdefault(column.model, []).append(column)
        for label, columns in by_model.items():
            pks = set()
            for column in columns:
                pks.update(_candidates(column).values_list("pk", flat=True))
            manager = _manager(columns[0])
            names = [column.name for column in columns]
            for row in manager.select_for_update().filter(pk__in=pks).order_by("pk"):
                updates = {
                    name: _masked(getattr(row, name))
                    for name in names
                    if _holds(getattr(row, name))
                }
                if not updates:
                    continue
                manager.filter(pk=row.pk).update(**updates)
                changed.append(Masked(label, row.pk, sorted(updates)))
                audit.record(
                    ACTION,
                    target=row,
                    target_label=f"{row._meta.verbose_name} #{row.pk}",
                    detail={"model": label, "pk": row.pk, "fields": sorted(updates)},
                )
    return changed

"""The member writer: a members file's rows written in batches, inside the importer's transaction.

Per batch: one query each for the rows on record, the households' 本人 and the holders of the
numbers; bulk statements for new and changed members; one INSERT for the audit events of the
numbers stored. Apps above members (eligibility's マイナ保険証 column) write their own records
through the handlers registered in members.roster.hooks, batch by batch in the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import batched
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from members import vault
from members.models import Employer, Member
from members.roster import hooks
from members.roster import rules as roster_rules
from members.roster.parse import MemberRow, RowError
from members.roster.writers import MEMBER_FIELDS, NOTICE_FIELDS, NUMBER_FIELDS, RowWriter, Tally
from members.signals import notice_fields_changed
from portal import audit

SELF = Member.Relation.SELF.value


@dataclass
class _Head:
    pk: int
    edaban: str
    lost_on: date | None = None  # the 資格喪失年月日 stored for the insured person


class MemberWriter(RowWriter):
    def __init__(self, tally: Tally, **kwargs: Any) -> None:
        super().__init__(tally, **kwargs)
        self.employers = dict(Employer.objects.values_list("kigo", "pk"))
        # Small per-row state: which keys and numbers the file has used, and on which line.
        self.seen_keys: dict[str, int] = {}
        self.seen_numbers: dict[bytes, int] = {}
        self.head_lines: dict[str, int] = {}  # household -> line of its 本人 row
        self.failed_heads: dict[str, int] = {}  # household -> line of a 本人 row with errors
        self.head_lost: dict[str, date | None] = {}  # household -> its 本人 row's loss date
        self.pending: list[MemberRow] = []  # dependents read before their 本人
        self.day = timezone.localdate()  # decides who has reached 75, and who may have a rate
        self.derived_at_75: set[int] = set()  # lines whose 資格喪失年月日 is the 75th birthday
        # Other apps' records kept from the same rows (eligibility: the マイナ保険証 column).
        self.handlers = hooks.handlers(
            hooks.ImportContext(day=self.day, actor=self.actor, ip=self.ip)
        )
        # Members whose notice no longer shows what the record says: id -> reason.
        self.notice_changes: dict[int, str] = {}

    def failed(self, item: Any) -> None:
        super().failed(item)
        if item.relation == SELF and item.kigo and item.bango:
            self.failed_heads.setdefault(f"{item.kigo}-{item.bango}", item.line)

    def check_in_file(self, row: MemberRow) -> list[RowError]:
        errors = []
        first = self.seen_keys.setdefault(row.key, row.line)
        if first != row.line:
            message = f"記号・番号・枝番が{first}行目と重複しています。"
            errors.append(RowError(row.line, "記号・番号・枝番", message))
        if row.kigo not in self.employers:
            message = (
                f"記号 {row.kigo} の事業所が登録されていません。"
                "事業所ファイルを先に取り込んでください。"
            )
            errors.append(RowError(row.line, "記号", message))
        if row.my_number is not None:
            row.number_hash = vault.number_hash(row.my_number)
            first = self.seen_numbers.setdefault(bytes.fromhex(row.number_hash), row.line)
            if first != row.line:
                message = f"個人番号が{first}行目と重複しています。"
                errors.append(RowError(row.line, "個人番号", message))
        if row.is_insured_person:
            first = self.head_lines.setdefault(row.household, row.line)
            if first != row.line:
                message = f"同じ記号・番号の本人が{first}行目にもあります。"
                errors.append(RowError(row.line, "続柄", message))
        return errors + self._check_ages(row)

    def _check_ages(self, row: MemberRow) -> list[RowError]:
        """The rules of 70 and 75 against the import's day; a loss at 75 is derived here."""
        errors = []
        if row.copay_rate and (
            refusal := roster_rules.copay_rate_refusal(row.birth_date, self.day)
        ):
            errors.append(RowError(row.line, roster_rules.COPAY_COLUMN, refusal))
        if refusal := roster_rules.joined_after_75(row.birth_date, row.acquired_on):
            errors.append(RowError(row.line, "資格取得年月日", refusal))
        elif at_75 := roster_rules.lost_at_75(row.lost_on, row.birth_date, self.day):
            row.lost_on = at_75
            self.derived_at_75.add(row.line)
        return errors

    def _warn(self, row: MemberRow, head: _Head | None) -> None:
        """Warnings of a row about to be written: they never stop the file."""
        if row.line in self.derived_at_75 and row.lost_on is not None:
            message = roster_rules.lost_at_75_warning(row.lost_on)
            self.tally.warn(row.line, "資格喪失年月日", message)
        if row.is_insured_person:
            self.head_lost[row.household] = row.lost_on
            return
        insured_lost = self.head_lost.get(row.household, head.lost_on if head else None)
        if insured_lost is not None and roster_rules.outlasts_insured(row.lost_on, insured_lost):
            message = roster_rules.outlasts_insured_warning(row.lost_on, insured_lost)
            self.tally.warn(row.line, "資格喪失年月日", message)

    def finish(self) -> None:
        # Dependents whose 本人 came later in the file: every 本人 is written by now.
        pending, self.pending = self.pending, []
        for chunk in batched(pending, self.batch_size):
            self.flush(list(chunk), final=True)
        if self.notice_changes and not self.tally.has_errors:
            notice_fields_changed.send(Member, changes=self.notice_changes)

    def flush(self, rows: list[MemberRow], *, final: bool) -> None:
        existing = {m.key: m for m in _members_keyed(_matching_keys(rows))}
        for handler in self.handlers:
            handler.load(existing.values())
        heads = {
            f"{kigo}-{bango}": _Head(pk, edaban, lost_on)
            for pk, kigo, bango, edaban, lost_on in _matching_heads(rows).values_list(
                "pk", "kigo", "bango", "edaban", "lost_on"
            )
        }
        hashes = [row.number_hash for row in rows if row.number_hash]
        holders = dict(
            Member.objects.filter(mynumber_hash__in=hashes).values_list("mynumber_hash", "pk")
        )
        insured = [row for row in rows if row.is_insured_person]
        self._write(insured, existing, heads, holders, final)
        dependents = [row for row in rows if not row.is_insured_person]
        self._write(dependents, existing, heads, holders, final)

    def _write(
        self,
        rows: list[MemberRow],
        existing: dict[str, Member],
        heads: dict[str, _Head],
        holders: dict[str, int],
        final: bool,
    ) -> None:
        new: list[Member] = []
        changed: list[Member] = []
        numbered: list[tuple[Member, MemberRow, str]] = []
        for row in rows:
            current = existing.get(row.key)
            head = heads.get(row.household)
            if head is None and not row.is_insured_person and not final:
                self.pending.append(row)
                continue
            errors = self._check_against_records(row, current, head, holders)
            if errors:
                self.tally.fail(errors)
                if row.is_insured_person:
                    self.failed_heads.setdefault(row.household, row.line)
                continue
            self._warn(row, head)
            insured_id = None if row.is_insured_person or head is None else head.pk
            values = _values(row, self.employers[row.kigo], insured_id)
            set_number = bool(row.number_hash) and (
                current is None or current.mynumber_hash != row.number_hash
            )
            if current is None:
                member = Member(kigo=row.kigo, bango=row.bango, edaban=row.edaban, **values)
                new.append(member)
                self._stage(member, row)
            else:
                member = current
                staged = self._stage(member, row)
                if not set_number and all(getattr(member, k) == v for k, v in values.items()):
                    # A handler's change alone (a registration) still makes the row updated.
                    if staged:
                        self.tally.updated += 1
                    else:
                        self.tally.unchanged += 1
                    continue
                if any(k in values and getattr(member, k) != values[k] for k in NOTICE_FIELDS):
                    self.notice_changes[member.pk] = "change"
                elif set_number and member.mynumber_last4:
                    self.notice_changes[member.pk] = "mynumber_correction"
                for key, value in values.items():
                    setattr(member, key, value)
                changed.append(member)
            if set_number:
                numbered.append((member, row, member.mynumber_last4))
        self._allocate_pks(new)
        for member, row, _ in numbered:
            _seal(member, row)
        Member.objects.bulk_create(new)
        now = timezone.now()
        for member in changed:
            member.updated_at = now
        Member.objects.bulk_update(changed, [*MEMBER_FIELDS, *NUMBER_FIELDS, "updated_at"])
        for handler in self.handlers:
            handler.write()  # after bulk_create: new members have their pks
        for member in new:
            if member.relation == SELF:
                key = f"{member.kigo}-{member.bango}"
                heads[key] = _Head(member.pk, member.edaban, member.lost_on)
        self._number_events(numbered)
        self.tally.created += len(new)
        self.tally.updated += len(changed)
        self.tally.numbers_set += len(numbered)

    def _stage(self, member: Member, row: MemberRow) -> bool:
        # Every handler sees the row, even when an earlier one already changed something.
        return any([handler.stage(member, row) for handler in self.handlers])

    def _check_against_records(
        self,
        row: MemberRow,
        current: Member | None,
        head: _Head | None,
        holders: dict[str, int],
    ) -> list[RowError]:
        errors = []
        line = row.line
        if row.is_insured_person:
            if head is not None and head.edaban != row.edaban:
                message = f"この記号・番号の本人は枝番{head.edaban}で登録されています。"
                errors.append(RowError(line, "枝番", message))
        elif head is None:
            failed = self.failed_heads.get(row.household)
            if failed is not None:
                message = f"本人の行（{failed}行目）にエラーがあるため取り込めません。"
            else:
                message = (
                    "本人の行がありません（同じ記号・番号の本人が、このファイルにも"
                    "登録済みの加入者にもありません）。"
                )
            errors.append(RowError(line, "続柄", message))
        if current is not None and (current.relation == SELF) != row.is_insured_person:
            message = (
                "登録済みの加入者の続柄を「本人」から、または「本人」へ変更することはできません。"
            )
            errors.append(RowError(line, "続柄", message))
        if row.number_hash:
            holder = holders.get(row.number_hash)
            if holder is not None and (current is None or holder != current.pk):
                errors.append(RowError(line, "個人番号", "個人番号が他の加入者と重複しています。"))
        return errors

    def _allocate_pks(self, new: list[Member]) -> None:
        # A sealed number is bound to its row's pk, so new rows take theirs from the sequence
        # first and arrive with the ciphertext in one INSERT.
        if not new:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Member._meta.db_table, len(new)],
            )
            for member, (pk,) in zip(new, cursor.fetchall(), strict=True):
                member.pk = pk

    def _number_events(self, numbered: list[tuple[Member, MemberRow, str]]) -> None:
        # One event per number stored, as register_my_number writes, but in one INSERT.
        events = [
            audit.event(
                "mynumber.register",
                actor=self.actor,
                ip=self.ip,
                target=member,
                target_label=str(member),
                detail={
                    "source": "roster_import",
                    "previous_last4": previous_last4,
                    "last4": member.mynumber_last4,
                    "status": member.mynumber_status,
                },
            )
            for member, _, previous_last4 in numbered
        ]
        audit.write(events)


_TABLE = Member._meta.db_table


def _matching_keys(rows: list[MemberRow]) -> QuerySet[Member]:
    # Exactly the batch's keys, through the unique index: kigo IN (...) AND bango IN (...)
    # would also fetch every other employer's members with the same 番号.
    kigos, bangos, edabans = zip(*((r.kigo, r.bango, r.edaban) for r in rows), strict=True)
    return Member.objects.filter(
        pk__in=RawSQL(  # noqa: S611  (values are parameters; the table name is ours)
            f"SELECT m.id FROM {_TABLE} m JOIN unnest(%s::text[], %s::text[], %s::text[]) "  # noqa: S608
            "AS k(kigo, bango, edaban) USING (kigo, bango, edaban)",
            (list(kigos), list(bangos), list(edabans)),
        )
    )


def _matching_heads(rows: list[MemberRow]) -> QuerySet[Member]:
    pairs = {(row.kigo, row.bango) for row in rows}
    kigos, bangos = zip(*pairs, strict=True)
    return Member.objects.filter(
        pk__in=RawSQL(  # noqa: S611  (values are parameters; the table name is ours)
            f"SELECT m.id FROM {_TABLE} m JOIN unnest(%s::text[], %s::text[]) "  # noqa: S608
            "AS k(kigo, bango) USING (kigo, bango) WHERE m.relation = %s",
            (list(kigos), list(bangos), SELF),
        )
    )


def _members_keyed(queryset: Any) -> Iterator[Member]:
    for member in queryset.only(
        "pk", "kigo", "bango", "edaban", *MEMBER_FIELDS, *NUMBER_FIELDS, "updated_at"
    ):
        member.key = f"{member.kigo}-{member.bango}-{member.edaban}"
        yield member


def _values(row: MemberRow, employer_id: int, insured_id: int | None) -> dict[str, Any]:
    # Without a 負担割合 column the rate on record is kept as it is.
    copay = {} if row.copay_rate is None else {"copay_rate": row.copay_rate}
    return {
        "employer_id": employer_id,
        "relation": row.relation,
        "insured_id": insured_id,
        "name": row.name,
        "name_kana": row.name_kana,
        "sex": row.sex,
        "birth_date": row.birth_date,
        "postal_code": row.postal_code,
        "address": row.address,
        "acquired_on": row.acquired_on,
        "lost_on": row.lost_on,
        **copay,
    }


def _seal(member: Member, row: MemberRow) -> None:
    """What members.services._store_number does to a row, for a number already checked."""
    number = row.my_number or ""
    member.mynumber_token = vault.encrypt_number(number, member_id=member.pk)
    member.mynumber_hash = row.number_hash
    member.mynumber_last4 = vault.last4(number)
    member.mynumber_status = Member.NumberStatus.ON_FILE
    row.my_number = None  # the plaintext lives no longer than needed

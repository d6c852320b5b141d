"""Check values of the keys, recorded at first use, and the guard before every use of a key.

A key family is one setting that holds keys (MYNUMBER_KEYS, MYNUMBER_HMAC_KEY, MFA_SECRET_KEYS);
the app that uses it registers it from its AppConfig.ready(). For each key the database holds one
check value (portal.models.KeyCheck), recorded the first time the key is used, once a sample of
the data already stored under it opened (or re-hashed) with it, and compared at every use after.
A key that differs from its record (same id, other bytes; another hash key) is refused before it
writes anything: numbers hashed under two keys let duplicates through, numbers sealed under a
key nobody keeps are lost.

The guard, ensure(), runs before each use of a family's keys:
- inside a transaction, once per transaction and key configuration, reading the check values
  FOR SHARE: a rotation that changes a record (the hash key's, FOR UPDATE) waits for every
  transaction that checked before it, and each one that checks later sees the new record;
- outside one, at most every CACHE_SECONDS per process (a rotation clears the cache).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError, ProgrammingError, connection, transaction

from portal import audit
from portal.models import AuditEvent, KeyCheck

logger = logging.getLogger(__name__)

LABEL = b"kenpo-portal key check value v1"
CACHE_SECONDS = 30.0


def check_value(setting: str, key: bytes) -> str:
    """HMAC-SHA256 of a fixed label under the key: tells two keys apart, gives neither back."""
    return hmac.new(key, LABEL + b":" + setting.encode("ascii"), hashlib.sha256).hexdigest()


class KeyConfigError(Exception):
    """A family's setting is missing or malformed (the message never holds key material)."""


@dataclass(frozen=True)
class ConfiguredKey:
    key_id: str  # the key's id in its ring; "" for a single key
    key: bytes = field(repr=False)


@dataclass(frozen=True)
class KeyProblem:
    setting: str
    key_id: str
    kind: str  # config | mismatch | data | retired | unavailable | unmigrated
    message: str  # names the setting and the id, says what to do; never key material

    @property
    def name(self) -> str:
        return f"{self.setting} key id {self.key_id!r}" if self.key_id else self.setting

    def as_detail(self) -> dict[str, str]:
        return {"setting": self.setting, "key_id": self.key_id, "kind": self.kind}


class KeyCheckFailed(CommandError):
    """The keys configured do not match the data: refused before use. A CommandError, so every
    management command stops with the message and no traceback; a request gets a 503 page
    (portal.keys.middleware)."""

    def __init__(self, problems: list[KeyProblem], *, audited: bool = False) -> None:
        self.problems = problems
        self.audited = audited
        text = " ".join(problem.message for problem in problems)
        super().__init__(f"{text} Nothing was done with these keys.")


class KeyFamily(ABC):
    setting: str
    group: str  # the families one guard checks together: "vault", "mfa"
    # One key without ids (MYNUMBER_HMAC_KEY): another key is a mismatch until its rotation
    # records it. A ring's new id is simply recorded at its first use.
    single: bool = False
    rotate_command: str = ""

    @abstractmethod
    def spec(self) -> str:
        """The setting's raw value: only a cache key in this process, never shown."""

    @abstractmethod
    def configured(self) -> list[ConfiguredKey]:
        """The keys configured; raises KeyConfigError for a malformed setting."""

    def data_problem(self, key: ConfiguredKey) -> str | None:
        """Before a key's first record: what a sample of the data stored under it says."""
        return None

    def ids_in_use(self) -> dict[str, int]:
        """Key id -> how many stored values are sealed under it."""
        return {}


_families: dict[str, KeyFamily] = {}


def register(family: KeyFamily) -> None:
    """From an AppConfig.ready(); registering a setting again replaces it (ready() twice)."""
    _families[family.setting] = family


def families(groups: Iterable[str] | None = None) -> list[KeyFamily]:
    wanted = None if groups is None else set(groups)
    return [f for f in _families.values() if wanted is None or f.group in wanted]


def inspect(
    groups: Iterable[str] | None = None,
    *,
    data: bool = True,
    record: bool = False,
    lock: bool = False,
) -> list[KeyProblem]:
    """Every problem of the families' keys: malformed, different from the record, refused by
    the stored data. `record` stores the check value of a key used for the first time."""
    problems: list[KeyProblem] = []
    configured: list[tuple[KeyFamily, list[ConfiguredKey]]] = []
    for family in families(groups):
        try:
            configured.append((family, family.configured()))
        except KeyConfigError as error:
            message = f"{error}. Correct {family.setting} and restart."
            problems.append(KeyProblem(family.setting, "", "config", message))
    if configured:
        try:
            # A savepoint: a failed query leaves the caller's transaction usable.
            with transaction.atomic():
                problems += _compare(configured, data=data, record=record, lock=lock)
        except DatabaseError as error:
            problems.append(unavailable(error))
    return problems


def _compare(
    configured: list[tuple[KeyFamily, list[ConfiguredKey]]],
    *,
    data: bool,
    record: bool,
    lock: bool,
) -> list[KeyProblem]:
    recorded = _recorded([family.setting for family, _ in configured], lock=lock)
    problems = []
    for family, keys in configured:
        for key in keys:
            value = check_value(family.setting, key.key)
            stored = recorded.get((family.setting, key.key_id))
            if stored is None and data:
                found = family.data_problem(key)
                if found:
                    problems.append(KeyProblem(family.setting, key.key_id, "data", found))
                    continue
            if stored is None and record:
                stored = _record_first(family.setting, key.key_id, value)
            if stored is not None and not hmac.compare_digest(stored.check_value, value):
                problems.append(_mismatch(family, key, stored))
    return problems


def _recorded(settings: list[str], *, lock: bool) -> dict[tuple[str, str], KeyCheck]:
    sql = "SELECT * FROM portal_keycheck WHERE setting = ANY(%s)"
    if lock and connection.in_atomic_block:
        sql += " FOR SHARE"
    return {(row.setting, row.key_id): row for row in KeyCheck.objects.raw(sql, [settings])}


def _record_first(setting: str, key_id: str, value: str) -> KeyCheck:
    # Race-safe: of two first uses, the unique constraint lets one insert; the other reads it.
    row, created = KeyCheck.objects.get_or_create(
        setting=setting, key_id=key_id, defaults={"check_value": value}
    )
    if created:
        # Logged, not audited: no one acted, and the row itself says when (recorded_at).
        logger.info("key check value recorded: %s %s", setting, key_id or "-")
    return row


def _mismatch(family: KeyFamily, key: ConfiguredKey, stored: KeyCheck) -> KeyProblem:
    since = f"{stored.recorded_at:%Y-%m-%d}"
    if family.single:
        message = (
            f"{family.setting} is not the key the stored data was written with (its check "
            f"value, recorded {since}, differs). Set {family.setting} back to that key, or "
            f"after `manage.py {family.rotate_command}` to the key it rotated to, and restart."
        )
    else:
        message = (
            f"{family.setting} key id {key.key_id!r} is not the key recorded under that id on "
            f"{since}. Put that key back under {key.key_id!r} and restart; a new key takes a "
            "new id (first in the list), an id is never reused."
        )
    return KeyProblem(family.setting, key.key_id, "mismatch", message)


def unavailable(error: DatabaseError) -> KeyProblem:
    if isinstance(error, ProgrammingError):  # a table missing
        message = (
            "The key check values cannot be read: the database is not migrated "
            "(run `manage.py migrate`)."
        )
        return KeyProblem("DATABASE_URL", "", "unmigrated", message)
    message = "The key check values cannot be read: the database does not answer."
    return KeyProblem("DATABASE_URL", "", "unavailable", message)


def retired_in_use(groups: Iterable[str] | None = None) -> list[KeyProblem]:
    """Key ids no longer configured that stored values are still sealed under."""
    problems = []
    for family in families(groups):
        if family.single:
            continue
        try:
            configured = {key.key_id for key in family.configured()}
        except KeyConfigError:
            continue  # inspect() reports it
        try:
            with transaction.atomic():
                in_use = family.ids_in_use()
        except DatabaseError as error:
            problems.append(unavailable(error))
            continue
        for key_id, count in sorted(in_use.items()):
            if key_id not in configured:
                message = (
                    f"{family.setting} has no key id {key_id!r}, which still seals {count} "
                    "stored value(s). Put that key back (after the current one), run "
                    f"`manage.py {family.rotate_command}`, and only then remove it."
                )
                problems.append(KeyProblem(family.setting, key_id, "retired", message))
    return problems


class _Checked:
    """A no-op on-commit callback: while it is queued, this transaction has been checked."""

    __slots__ = ("fingerprint",)

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint

    def __call__(self) -> None:
        return None


_checked_at: dict[str, float] = {}


@lru_cache(maxsize=32)
def _fingerprint(group: str, *specs: str) -> str:
    return hashlib.sha256("\0".join((group, *specs)).encode()).hexdigest()


def ensure(group: str) -> None:
    """The guard before a use of the group's keys: raises KeyCheckFailed when they do not
    match the data. Records the check value of a key used for the first time."""
    fingerprint = _fingerprint(group, *(family.spec() for family in families((group,))))
    if connection.in_atomic_block:
        for entry in connection.run_on_commit:
            if isinstance(entry[1], _Checked) and entry[1].fingerprint == fingerprint:
                return
        problems = inspect((group,), record=True, lock=True)
        if problems:
            raise _refused(problems)
        transaction.on_commit(_Checked(fingerprint))
        return
    checked = _checked_at.get(fingerprint)
    if checked is not None and time.monotonic() - checked < CACHE_SECONDS:
        return
    problems = inspect((group,), record=True)
    if problems:
        raise _refused(problems)
    _checked_at[fingerprint] = time.monotonic()


def require(*groups: str, retired: bool = False) -> None:
    """For a management command, before it starts: every problem at once, or nothing.
    `retired`: also refuse when stored values are sealed under an id no longer configured."""
    problems = inspect(groups, record=True)
    if retired:
        problems += retired_in_use(groups)
    if problems:
        raise _refused(problems)


def invalidate() -> None:
    """After a rotation recorded new values: this process, and this transaction if the rotation
    ran inside one, check again at the next use."""
    _checked_at.clear()
    if connection.in_atomic_block:
        connection.run_on_commit[:] = [
            entry for entry in connection.run_on_commit if not isinstance(entry[1], _Checked)
        ]


def _refused(problems: list[KeyProblem]) -> KeyCheckFailed:
    logger.error("key check failed: %s", "; ".join(f"{p.name}: {p.kind}" for p in problems))
    # Inside a transaction the event would roll back with it: the caller's handler (the
    # middleware, for a request) records it after the rollback.
    audited = not connection.in_atomic_block and record_refusal(problems)
    return KeyCheckFailed(problems, audited=audited)


def record_refusal(problems: list[KeyProblem], **fields: Any) -> bool:
    try:
        audit.record(
            "keys.refused",
            outcome=AuditEvent.Outcome.DENIED,
            detail={"problems": [problem.as_detail() for problem in problems]},
            **fields,
        )
    except DatabaseError:
        return False  # the database is the problem: the log line above stands
    return True


def lock_record(setting: str, key_id: str = "") -> KeyCheck | None:
    """A rotation's lock on a record: FOR UPDATE waits for every transaction that checked the
    key (FOR SHARE) and holds off each new one until the rotation commits."""
    return KeyCheck.objects.select_for_update().filter(setting=setting, key_id=key_id).first()


def record_current(setting: str, key_id: str, key: bytes) -> None:
    """A rotation's new check value, in the rotation's transaction."""
    KeyCheck.objects.update_or_create(
        setting=setting, key_id=key_id, defaults={"check_value": check_value(setting, key)}
    )


def matches_record(setting: str, key_id: str, key: bytes) -> bool:
    row = KeyCheck.objects.filter(setting=setting, key_id=key_id).first()
    return row is not None and hmac.compare_digest(row.check_value, check_value(setting, key))

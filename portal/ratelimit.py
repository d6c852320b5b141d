"""Limiting attempts per key in fixed time windows, in the shared cache (database or Redis).

Used where a guess must stay expensive (the 登録コード, QR verification, mismatch reports):
`attempt()` counts and checks in one atomic step before the caller tries, so parallel requests
cannot all pass a check made before any of them was counted. A caller whose attempt turns out
not to count (a success, or a refusal for another reason) hands it back with `give_back()`, or
`clear()`s the key.

How it stays atomic: each allowed attempt claims one of `limit` numbered slots with
`cache.add`, which only one caller can win per slot: on PostgreSQL (the database cache) it is an
INSERT on the cache table's primary key, on Redis a `SET NX`. A count kept with `cache.incr`
would not do: the database cache's `incr` is a read followed by a write (Django's BaseCache),
so two requests can both read 4 and both write 5.

`exhausted()`/`fail()` are the older check-then-count pair, kept for callers where a few extra
attempts under a race do no harm; anything that guards a guess uses `attempt()`.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


def _key(scope: str, ident: str, window: int) -> str:
    # Hashed: identifiers (IP addresses, user ids) do not appear in the cache table as such.
    digest = hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]
    return f"ratelimit:{digest}:{int(time.time() // window)}"


def _slots(key: str, limit: int) -> list[str]:
    return [f"{key}:slot:{number}" for number in range(1, limit + 1)]


@dataclass(frozen=True)
class Attempt:
    """The outcome of `attempt()`: true when allowed; remembers the slot it holds."""

    allowed: bool
    slot: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


def attempt(scope: str, ident: str, *, limit: int, window: int) -> Attempt:
    """Count one attempt and say whether it is within `limit` for this window, atomically."""
    slots = _slots(_key(scope, ident, window), limit)
    # One read to skip the slots already taken; the add() below is what decides.
    taken = cache.get_many(slots)
    for slot in slots:
        # The timeout outlives the window this key belongs to, so a slot never expires (and
        # could be claimed twice) while its window is current.
        if slot not in taken and cache.add(slot, 1, timeout=window + 1):
            return Attempt(allowed=True, slot=slot)
    return Attempt(allowed=False)


def give_back(counted: Attempt) -> None:
    """Un-count an allowed attempt (e.g. the try succeeded and only failures should count)."""
    if counted.slot is not None:
        cache.delete(counted.slot)


def attempts(scope: str, ident: str, *, limit: int, window: int) -> int:
    return len(cache.get_many(_slots(_key(scope, ident, window), limit)))


def failures(scope: str, ident: str, *, window: int) -> int:
    return int(cache.get(_key(scope, ident, window), 0))


def exhausted(scope: str, ident: str, *, limit: int, window: int) -> bool:
    return failures(scope, ident, window=window) >= limit


def fail(scope: str, ident: str, *, window: int) -> int:
    key = _key(scope, ident, window)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def clear(scope: str, ident: str, *, window: int, limit: int = 0) -> None:
    """Forget the failures and the first `limit` attempts counted for this key and window."""
    key = _key(scope, ident, window)
    cache.delete_many([key, *_slots(key, limit)])

"""Counting failures per key in fixed time windows, in the shared cache (database or Redis).

Used where a guess must stay expensive (the 登録コード): the caller checks `exhausted()` before
trying and calls `fail()` after each wrong attempt.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, ident: str, window: int) -> str:
    # Hashed: identifiers (IP addresses, user ids) do not appear in the cache table as such.
    digest = hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]
    return f"ratelimit:{digest}:{int(time.time() // window)}"


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


def clear(scope: str, ident: str, *, window: int) -> None:
    cache.delete(_key(scope, ident, window))

"""What `manage.py check` and /readyz say about the keys (portal.keys.core).

The system check reads, never records: each key against its recorded check value, a key not
recorded yet against a sample of the data stored under it, the ids stored values still need, and
the second factors still sealed under the key derived from SECRET_KEY. A database not migrated or
not answering gives a message, not a crash. /readyz only compares the records (cheap, no scan).
"""

from __future__ import annotations

from django.core.checks import CheckMessage, Error, Info, Warning
from django.db import DatabaseError, transaction

from portal.keys import core, mfa

_IDS = {"config": "portal.E110", "mismatch": "portal.E111", "data": "portal.E112"}
_RETIRED = "portal.E113"
# A warning: only those users' second factor is lost, and stopping every command would not
# bring the former SECRET_KEY back.
_LEGACY_UNREADABLE = "portal.W111"


def check_messages() -> list[CheckMessage]:
    problems = core.inspect(data=True)
    unavailable = [p for p in problems if p.kind in ("unavailable", "unmigrated")]
    messages: list[CheckMessage] = [
        Error(p.message, id=_IDS.get(p.kind, "portal.E110"))
        for p in problems
        if p not in unavailable
    ]
    if unavailable:
        return [*messages, _unavailable_message(unavailable[0])]
    messages += [Error(p.message, id=_RETIRED) for p in core.retired_in_use()]
    return messages + _legacy_mfa_messages()


def _unavailable_message(problem: core.KeyProblem) -> CheckMessage:
    hint = "The keys are checked against the stored data again at their first use."
    if problem.kind == "unmigrated":
        return Info(problem.message, hint=hint, id="portal.I110")
    return Warning(problem.message, hint=hint, id="portal.W110")


def _legacy_mfa_messages() -> list[CheckMessage]:
    try:
        with transaction.atomic():
            legacy, unreadable = mfa.legacy_status()
    except DatabaseError:
        return []
    if unreadable:
        return [
            Warning(
                f"{unreadable} second-factor secret(s) were sealed under a SECRET_KEY that is no "
                "longer configured, and cannot be opened.",
                hint=(
                    "Put the former key in SECRET_KEY_FALLBACKS and run `manage.py "
                    "rotate_mfa_key`, or have those users set up their second factor again."
                ),
                id=_LEGACY_UNREADABLE,
            )
        ]
    if legacy:
        return [
            Info(
                f"{legacy} second-factor secret(s) are still sealed under the key derived from "
                "SECRET_KEY.",
                hint="Run `manage.py rotate_mfa_key` before you change SECRET_KEY.",
                id="portal.I111",
            )
        ]
    return []


def readiness() -> tuple[bool, list[str]]:
    """(keys match their records, the non-secret reasons when they do not)."""
    problems = core.inspect(data=False)
    return not problems, [f"{p.name}: {p.kind}" for p in problems]

"""The people the eligibility rule tables are written about (tests/test_eligibility_*.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from eligibility.rules import (
    CertificateFacts,
    MemberFacts,
)

D = date.fromisoformat

# A member since 2020 with nothing else known: no legacy card recorded, no registration,
# card and smartphone not said. Each row changes what it needs.
MEMBER = MemberFacts(acquired_on=D("2020-04-01"))


def member(**changes) -> MemberFacts:
    return replace(MEMBER, **changes)


REGISTERED = dict(registered_on=D("2023-05-10"), has_card=True)
CARD_AND_PHONE = member(**REGISTERED, has_smartphone=True)
LEGACY_NO_CARD = member(legacy_card_issued=True, has_card=False)
CERT_2025 = CertificateFacts(valid_from=D("2025-12-02"), valid_to=D("2030-11-30"))
AFTER_EVERYTHING = D("2026-06-01")  # past every transition date


def cancelled(applied: str, **changes) -> MemberFacts:
    return replace(CARD_AND_PHONE, registration_cancelled_on=D(applied), **changes)


def cert(valid_from: str, valid_to: str, **ends: str) -> CertificateFacts:
    return CertificateFacts(D(valid_from), D(valid_to), **{k: D(v) for k, v in ends.items()})

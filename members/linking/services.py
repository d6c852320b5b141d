"""Linking a member's login to their household with a mailed 登録コード.

Staff issue a code per insured person (stored only as a keyed hash, single use, expiring); the
member enters 記号, 番号, 生年月日 and the code. Wrong attempts are counted per account and per
IP address, and the refusal never says which of the four was wrong.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet
from django.utils.crypto import salted_hmac
from django.utils.timezone import localdate, localtime
from django.utils.translation import gettext, gettext_noop

from members.models import Employer, Member, RegistrationCode
from portal import audit, ratelimit
from portal.models import AuditEvent
from portal.roles import Role
from portal.services import spreadsheet_csv
from portal.wareki import format_wareki

# No 0/O, 1/I/L: the code is typed from paper. 32 symbols x 12 = 60 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
REFUSED_MESSAGE = gettext_noop(
    "入力された内容では連携できませんでした。記号・番号・生年月日・登録コードをご確認ください。"
)


def rate_limited_message(now: datetime) -> str:
    """The lockout says how long: the failure windows are fixed (portal.ratelimit), so the
    lock lifts when the current LINK_FAILURE_WINDOW_SECONDS window ends."""
    return gettext(
        "連携の失敗が続いたため、受付を一時停止しています。"
        "あと%(minutes)s分ほどたってから、もう一度お試しください。"
    ) % {"minutes": minutes_until_unlocked(now)}


def minutes_until_unlocked(now: datetime) -> int:
    window = settings.LINK_FAILURE_WINDOW_SECONDS
    seconds_left = window - int(now.timestamp()) % window
    return max(1, -(-seconds_left // 60))  # whole minutes, rounded up


class LinkRefused(Exception):
    """The details did not match a live code; deliberately says nothing about which field."""

    def __init__(self, message: str = REFUSED_MESSAGE) -> None:
        super().__init__(message)
        self.message = gettext(message)  # raised in the member's request: their language


class AlreadyLinked(Exception):
    """This login is already linked to a household (one account per insured person)."""


def generate_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    """What the member typed, as the hash sees it: width folded, upper case, no separators."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in folded if ch.isalnum())


def code_hash(code: str, secret: str | None = None) -> str:
    return salted_hmac(
        "members.registration_code", normalise_code(code), secret=secret, algorithm="sha256"
    ).hexdigest()


def code_hashes(code: str) -> list[str]:
    """The code's hash under SECRET_KEY and each of SECRET_KEY_FALLBACKS: codes mailed before
    a SECRET_KEY rotation keep working while the old key stays among the fallbacks."""
    return [code_hash(code)] + [
        code_hash(code, secret) for secret in getattr(settings, "SECRET_KEY_FALLBACKS", [])
    ]


@dataclass(frozen=True)
class IssuedCode:
    member: Member
    code: str
    expires_at: datetime


def insured_persons_for_codes(employer: Employer | None, day: date) -> QuerySet[Member]:
    """Who gets a code in a mailing: enrolled insured persons without a linked login."""
    people = Member.objects.enrolled_on(day).filter(
        relation=Member.Relation.SELF, account__isnull=True
    )
    if employer is not None:
        people = people.filter(employer=employer)
    return people.select_related("employer").order_by("kigo", "bango")


def _issue(members: list[Member], actor: object, now: datetime) -> list[IssuedCode]:
    expires_at = now + timedelta(days=settings.REGISTRATION_CODE_VALID_DAYS)
    RegistrationCode.objects.filter(
        member__in=members, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    issued = [IssuedCode(member, generate_code(), expires_at) for member in members]
    RegistrationCode.objects.bulk_create(
        [
            RegistrationCode(
                member=item.member,
                code_hash=code_hash(item.code),
                created_by=actor,
                expires_at=expires_at,
            )
            for item in issued
        ],
        batch_size=1000,
    )
    return issued


def issue_registration_code(
    member: Member, *, actor: object, ip: str | None, now: datetime
) -> IssuedCode:
    """A new code for one insured person; any earlier unused code stops working."""
    if not member.is_insured_person:
        raise ValueError("登録コードは被保険者(本人)にのみ発行できます。")
    with transaction.atomic():
        [issued] = _issue([member], actor, now)
        audit.record(
            "registration_code.issue",
            actor=actor,
            ip=ip,
            target=member,
            target_label=str(member),
            detail={"expires_at": issued.expires_at.isoformat()},
        )
    return issued


def issue_mailing_list(
    employer: Employer | None, *, actor: object, ip: str | None, now: datetime
) -> list[IssuedCode]:
    """Codes for everyone who still needs one (one employer, or the whole society)."""
    with transaction.atomic():
        members = list(insured_persons_for_codes(employer, localdate(now)))
        issued = _issue(members, actor, now)
        audit.record(
            "registration_code.mailing_list",
            actor=actor,
            ip=ip,
            target=employer,
            target_label=str(employer) if employer else "全事業所",
            detail={"count": len(issued), "scope": employer.kigo if employer else "all"},
        )
    return issued


MAILING_LIST_HEADER = [
    "郵便番号",
    "住所",
    "氏名",
    "事業所名称",
    "記号",
    "番号",
    "登録コード",
    "有効期限",
]


def mailing_list_csv(issued: Iterable[IssuedCode]) -> Iterator[str]:
    """The print shop's file."""
    return spreadsheet_csv(MAILING_LIST_HEADER, (_mailing_row(item) for item in issued))


def _mailing_row(item: IssuedCode) -> list[str]:
    member = item.member
    return [
        member.postal_code,
        member.address,
        member.name,
        member.employer.name,
        member.kigo,
        member.bango,
        item.code,
        format_wareki(localtime(item.expires_at).date()),
    ]


def _limits() -> list[tuple[str, int]]:
    return [
        ("link:account", settings.LINK_MAX_FAILURES_PER_ACCOUNT),
        ("link:ip", settings.LINK_MAX_FAILURES_PER_IP),
    ]


def link_account(
    user: object,
    *,
    kigo: str,
    bango: str,
    birth_date: date,
    code: str,
    ip: str | None,
    now: datetime,
) -> Member:
    """Give this login its household. Refuses (generically) unless all four details match.
    Failures are counted per account and per client address `ip`."""
    if Member.objects.filter(account=user).exists():
        raise AlreadyLinked
    counted = _count_attempt(str(user.pk), ip or "unknown")
    if counted is None:
        _refused(user, ip, kigo, bango, "rate_limited")
        raise LinkRefused(rate_limited_message(now))
    with transaction.atomic():
        match = (
            RegistrationCode.objects.select_for_update()
            .select_related("member")
            .filter(
                code_hash__in=code_hashes(code),
                used_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=now,
                member__kigo=kigo,
                member__bango=bango,
                member__relation=Member.Relation.SELF,
                member__birth_date=birth_date,
                member__account__isnull=True,
            )
            .first()
        )
        if match is not None:
            member = match.member
            member.account = user
            member.save(update_fields=["account", "updated_at"])
            match.used_at, match.used_by = now, user
            match.save(update_fields=["used_at", "used_by"])
            user.groups.add(Group.objects.get(name=Role.MEMBER))
            audit.record("member.link", actor=user, ip=ip, target=member, target_label=str(member))
    if match is None:
        _refused(user, ip, kigo, bango, "no_match")  # the attempts stay counted
        raise LinkRefused
    # Only failures count: the account starts afresh, the address gets its attempt back.
    ratelimit.clear(
        "link:account",
        str(user.pk),
        limit=settings.LINK_MAX_FAILURES_PER_ACCOUNT,
        window=settings.LINK_FAILURE_WINDOW_SECONDS,
    )
    ratelimit.give_back(counted[1])
    return member


def _count_attempt(*idents: str) -> list[ratelimit.Attempt] | None:
    """Count this attempt against the account and the address before any code is compared
    (atomically, so parallel guesses cannot all pass); None when either limit is reached."""
    counted: list[ratelimit.Attempt] = []
    for (scope, limit), ident in zip(_limits(), idents, strict=True):
        this = ratelimit.attempt(
            scope, ident, limit=limit, window=settings.LINK_FAILURE_WINDOW_SECONDS
        )
        if not this:
            for earlier in counted:  # a refused attempt counts nowhere
                ratelimit.give_back(earlier)
            return None
        counted.append(this)
    return counted


def _refused(user: object, ip: str | None, kigo: str, bango: str, reason: str) -> None:
    # The insured person the typed 記号・番号 name, if any, when they were compared: the attempt
    # then shows in that household's access log (portal.pages.access_log), whoever made it. A
    # rate-limited attempt compared nothing, and must not let anyone fill a stranger's log.
    named = (
        Member.objects.filter(kigo=kigo, bango=bango, relation=Member.Relation.SELF)
        .only("pk", "kigo", "bango", "edaban", "name")
        .first()
        if reason == "no_match"
        else None
    )
    audit.record(
        "member.link_refused",
        actor=user,
        ip=ip,
        target=named,
        target_label=str(named) if named else "",
        outcome=AuditEvent.Outcome.DENIED,
        detail={"kigo": kigo, "bango": bango, "reason": reason},
    )


def unlink_account(member: Member, *, actor: object, ip: str | None, reason: str) -> None:
    """Staff detach a login from a household, e.g. when the wrong person linked it; the reason
    they gave is kept in the audit log."""
    with transaction.atomic():
        member = (
            Member.objects.select_for_update(of=("self",))
            .select_related("account")
            .get(pk=member.pk)
        )
        account = member.account
        if account is None:
            return
        member.account = None
        member.save(update_fields=["account", "updated_at"])
        account.groups.remove(Group.objects.get(name=Role.MEMBER))
        audit.record(
            "member.unlink",
            actor=actor,
            ip=ip,
            target=member,
            target_label=str(member),
            detail={"account": account.email, "reason": reason},
        )

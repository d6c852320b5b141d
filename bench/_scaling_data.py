"""bench/scaling.py's members: households with a member account each."""

from __future__ import annotations

from datetime import date


def make_households(count: int) -> list:
    """Households of 1-3 members, each head with a member account (no password: sessions are
    made directly, except the one that signs in)."""
    import random

    from members.models import Employer, Member
    from portal.dev.demo import ensure_account
    from portal.roles import Role

    rng = random.Random(20241001)
    employer = Employer.objects.create(kigo="1201", name="日本部品工業株式会社")
    heads, made, bango = [], 0, 0
    while made < count:
        bango += 1
        head = None
        for edaban in range(min(rng.choice([1, 1, 2, 3]), count - made)):
            member = Member.objects.create(
                employer=employer, kigo="1201", bango=str(bango), edaban=f"{edaban:02d}",
                relation="本人" if edaban == 0 else "子", insured=head,
                name=f"佐藤　{['花子', '太郎', '美咲'][edaban]}", name_kana="サトウ　ハナコ",
                sex="female", birth_date=date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1),
                postal_code="108-0074", address="東京都港区高輪1-1-1", acquired_on=date(2010, 4, 1),
                mynumber_last4=f"{rng.randrange(10000):04d}", mynumber_status="on_file",
            )  # fmt: skip
            made += 1
            if head is None:
                head = member
                email = f"member{bango}@example.jp"
                password = "bench-password-2024" if bango == 1 else None
                ensure_account(email, Role.MEMBER, password=password)
                from django.contrib.auth import get_user_model

                member.account = get_user_model().objects.get(email=email)
                member.save(update_fields=["account"])
                heads.append(member)
    return heads

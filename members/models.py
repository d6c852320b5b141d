from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Lower, Replace
from django.utils.translation import gettext_noop

from members.coverage import coverage_lost_on, late_elderly_born_on_or_before
from portal.models import mask_full_numbers


def _search_form(field: str) -> Replace:
    """The column as the search compares it: NFKC (width folded), lower case, no spaces."""
    normalised = Func(
        F(field), function="normalize", template="%(function)s(%(expressions)s, NFKC)"
    )
    return Replace(Lower(normalised), Value(" "), Value(""))


class Employer(models.Model):
    """事業所. Its 記号 prefixes the 記号・番号 of every insured person it employs."""

    kigo = models.CharField("記号", max_length=8, unique=True)
    name = models.CharField("事業所名称", max_length=100)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("所在地", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "事業所"
        ordering = ["kigo"]

    def __str__(self) -> str:
        return mask_full_numbers(f"{self.kigo} {self.name}")


class EmployerUser(models.Model):
    """A login of an employer's HR staff (事業所担当者): one employer per login, invited by
    業務課. `active` and the user's own is_active go off together on deactivation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employer_link"
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="portal_users", verbose_name="事業所"
    )
    active = models.BooleanField("有効", default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField("招待日時")
    accepted_at = models.DateTimeField("パスワード設定日時", null=True, blank=True)
    deactivated_at = models.DateTimeField("無効にした日時", null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "事業所担当者"
        ordering = ["employer__kigo", "user__email"]

    def __str__(self) -> str:
        return f"{self.user.email} ({self.employer.kigo})"

    @property
    def state(self) -> str:
        if not self.active:
            return "inactive"
        return "active" if self.accepted_at else "invited"


class EnrolledQuerySet(models.QuerySet):
    def enrolled_on(self, day: date) -> EnrolledQuerySet:
        """Covered on `day`, by the rules of members.coverage: 資格喪失年月日 is the first day
        without coverage, the 75th birthday ends it, and a dependent leaves with the insured."""
        born_by = late_elderly_born_on_or_before(day)
        insured_covered = (Q(insured__lost_on__isnull=True) | Q(insured__lost_on__gt=day)) & Q(
            insured__birth_date__gt=born_by
        )
        return self.filter(
            Q(acquired_on__lte=day),
            Q(lost_on__isnull=True) | Q(lost_on__gt=day),
            Q(birth_date__gt=born_by),
            Q(insured__isnull=True) | insured_covered,
        )


def vault_columns(*relations: str) -> tuple[str, ...]:
    """The vault's ciphertext and keyed hash of a member, or of members reached through
    `relations` ("insured", "member__insured"): what a page defers, never reads."""
    prefixes = [f"{relation}__" for relation in relations] or [""]
    columns = ("mynumber_token", "mynumber_hash")
    return tuple(f"{prefix}{column}" for prefix in prefixes for column in columns)


class Member(models.Model):
    """An insured person (本人, 枝番 00 by custom) or a dependent, keyed by 記号・番号・枝番."""

    class CopayRate(models.TextChoices):
        TWENTY = "2割", gettext_noop("2割")
        THIRTY = "3割", gettext_noop("3割")

    class Sex(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    class Relation(models.TextChoices):
        SELF = "本人", gettext_noop("本人")
        SPOUSE = "配偶者", gettext_noop("配偶者")
        CHILD = "子", gettext_noop("子")
        FATHER = "父", gettext_noop("父")
        MOTHER = "母", gettext_noop("母")
        OTHER = "その他", gettext_noop("その他")

    class NumberStatus(models.TextChoices):
        NONE = "none", "未登録"
        ON_FILE = "on_file", "登録済"
        NEEDS_VERIFICATION = "needs_verification", "要確認"

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="members")
    kigo = models.CharField("記号", max_length=8)
    bango = models.CharField("番号", max_length=8)
    edaban = models.CharField("枝番", max_length=2)
    relation = models.CharField("続柄", max_length=8, choices=Relation)
    # The insured person whose household this is; an insured person points at nobody.
    insured = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependents",
        verbose_name="被保険者",
    )
    name = models.CharField("氏名", max_length=100)
    name_kana = models.CharField("氏名カナ", max_length=100)
    sex = models.CharField("性別", max_length=6, choices=Sex)
    birth_date = models.DateField("生年月日")
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    acquired_on = models.DateField("資格取得年月日")
    lost_on = models.DateField("資格喪失年月日", null=True, blank=True)
    # 一部負担金の割合 of a person aged 70-74, decided by the insurer each year as of 1 August
    # and imported with the roster; blank under 70, and blank until imported (never guessed).
    copay_rate = models.CharField("負担割合", max_length=2, choices=CopayRate, blank=True)

    # The vault (members.vault): ciphertext bound to this row, a keyed hash that keeps one
    # number to one person, and the last four digits, the only part anyone is ever shown.
    mynumber_token = models.TextField(blank=True, editable=False)
    # NULL, not "", for "no number": the unique constraint must allow many members without one.
    mynumber_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    mynumber_last4 = models.CharField("マイナンバー下4桁", max_length=4, blank=True)
    mynumber_status = models.CharField(
        "マイナンバー登録状況", max_length=20, choices=NumberStatus, default=NumberStatus.NONE
    )

    # Generated by PostgreSQL so every write path (import, forms, bulk) keeps them right;
    # members.search normalises the query the same way.
    search_name = models.GeneratedField(
        expression=_search_form("name"), output_field=models.TextField(), db_persist=True
    )
    search_kana = models.GeneratedField(
        expression=_search_form("name_kana"), output_field=models.TextField(), db_persist=True
    )

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="insured_member",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrolledQuerySet.as_manager()

    class Meta:
        verbose_name = "加入者"
        ordering = ["kigo", "bango", "edaban"]
        constraints = [
            models.UniqueConstraint(
                fields=["kigo", "bango", "edaban"], name="member_kigo_bango_edaban"
            ),
            models.UniqueConstraint(fields=["mynumber_hash"], name="member_unique_mynumber"),
            models.CheckConstraint(
                condition=Q(relation="本人", insured__isnull=True)
                | (~Q(relation="本人") & Q(insured__isnull=False)),
                name="member_household_shape",
            ),
            models.CheckConstraint(
                condition=Q(lost_on__isnull=True) | Q(lost_on__gt=models.F("acquired_on")),
                name="member_loses_after_acquiring",
            ),
            models.CheckConstraint(
                condition=Q(mynumber_last4="") | Q(mynumber_last4__regex=r"^[0-9]{4}$"),
                name="member_last4_is_four_digits",
            ),
            # Only an insured person holds a login (dependents come with the household).
            models.CheckConstraint(
                condition=Q(account__isnull=True) | Q(relation="本人"),
                name="member_account_only_for_insured",
            ),
        ]
        indexes = [
            GinIndex(name="member_name_trgm", fields=["search_name"], opclasses=["gin_trgm_ops"]),
            GinIndex(name="member_kana_trgm", fields=["search_kana"], opclasses=["gin_trgm_ops"]),
            models.Index(fields=["employer", "kigo", "bango", "edaban"], name="member_employer"),
            models.Index(fields=["birth_date"], name="member_birth_date"),
        ]

    def __str__(self) -> str:
        # Joined by ・, not hyphens: 記号+番号+枝番 can run to twelve digits, which the audit
        # guard would take for a My Number written with hyphens.
        # Masked: a name imported before free text refused twelve digits may still hold some.
        return mask_full_numbers(f"{self.kigo}・{self.bango}・{self.edaban} {self.name}")

    @property
    def is_insured_person(self) -> bool:
        return self.relation == self.Relation.SELF

    @property
    def household_head(self) -> Member:
        return self if self.insured_id is None else self.insured

    @property
    def coverage_lost_on(self) -> date:
        """The first day without coverage (members.coverage): reads the insured person too."""
        insured = self.insured if self.insured_id else None
        return coverage_lost_on(
            self.lost_on,
            self.birth_date,
            insured_lost_on=insured.lost_on if insured else None,
            insured_birth_date=insured.birth_date if insured else None,
        )

    def is_enrolled(self, day: date) -> bool:
        return self.acquired_on <= day < self.coverage_lost_on


class MyNumberConflict(models.Model):
    """A number offered for one member that the keyed hash shows another member already holds.

    Never re-linked silently: staff investigate both records.
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    offered_last4 = models.CharField(max_length=4)
    source = models.CharField("経路", max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "マイナンバー重複"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.member} / {self.holder}"


class RosterImport(models.Model):
    """One run of the roster import: who, which file, and what it did (or why it did nothing)."""

    class Kind(models.TextChoices):
        EMPLOYERS = "employers", "事業所ファイル"
        MEMBERS = "members", "加入者ファイル"

    class Outcome(models.TextChoices):
        APPLIED = "applied", "取込済"
        REJECTED = "rejected", "取込不可(変更なし)"

    kind = models.CharField("種類", max_length=10, choices=Kind)
    file_name = models.CharField("ファイル名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    size_bytes = models.BigIntegerField("サイズ(バイト)")
    encoding = models.CharField("文字コード", max_length=20, blank=True)
    via = models.CharField("経路", max_length=10)  # "upload" or "command"
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="実行者",
    )
    started_at = models.DateTimeField("開始", auto_now_add=True)
    finished_at = models.DateTimeField("終了", null=True, blank=True)
    outcome = models.CharField("結果", max_length=10, choices=Outcome)
    rows_total = models.PositiveIntegerField("行数", default=0)
    created = models.PositiveIntegerField("新規", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("変更なし", default=0)
    rejected = models.PositiveIntegerField("エラー行", default=0)
    # [{"line": 12, "column": "生年月日", "message": "..."}], capped; never holds a number.
    errors = models.JSONField("エラー", default=list, blank=True)
    # The same shape: what was imported but needs a look (a loss derived at 75, a dependent
    # whose end outlasts the insured person's); capped; never holds a number.
    warnings = models.JSONField("警告", default=list, blank=True)

    class Meta:
        verbose_name = "名簿取込"
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"


class RegistrationCode(models.Model):
    """登録コード: mailed to an insured person so they can link their login to the household.

    Only a keyed hash is stored; the code itself exists once, in the mailing list.
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="registration_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("有効期限")
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "登録コード"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # At most one live code per person: issuing a new one revokes the old.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="registration_code_one_live_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"登録コード {self.member}"

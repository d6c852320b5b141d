"""The member's access log (あなたの情報へのアクセス記録): every view, download, change and
e-mail about their household, read from the audit log and told in the member's words.

Which rows: those whose target is a person of the household (nearly every action records the
person), one of the household's 資格確認書 applications, or the household's own login (only
the account actions listed below). Everything is found through the audit table's index on
(target_type, target_id, -at); nothing is matched in the free-text label or the detail.

What a member never sees here: a staff member's name or e-mail (actor_label), an address, the
detail. The actor is told as a role and organisation: ご本人, 業務課, 事業所 1201, システム.
Refused attempts (DENIED) are internal checks that changed nothing and are left out, but for a
refused attempt to link a login to the household (a wrong 登録コード): someone tried to take
over the record, which the member should know.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from eligibility.models import CertificateApplication
from members.households import Household
from members.models import EmployerUser, Member
from portal.models import AuditEvent
from portal.roles import Role

_ = gettext_lazy

# Member-facing wording per action. Only actions listed here are shown: a new action stays out
# of the members' view until someone decides how to tell it.
MEMBER_LABELS: dict[str, Promise] = {
    # The person's record and the login's link to it.
    "member.view": _("登録内容の閲覧"),
    "mynumber.register": _("マイナンバーの登録・更新"),
    "registration_code.issue": _("登録コードの発行"),
    "member.link": _("アカウントと加入者情報の連携"),
    "member.link_refused": _("アカウント連携の失敗(登録コードなどの不一致)"),
    "member.unlink": _("アカウントと加入者情報の連携の解除"),
    "data.mask_full_numbers": _("保存されていた12桁の数字の伏せ字化"),
    # Eligibility: マイナ保険証, 健康保険証, 資格確認書 and their applications.
    "eligibility.view": _("資格確認の情報の閲覧"),
    "eligibility.registration_update": _("マイナ保険証の利用登録の変更"),
    "eligibility.registration_import": _("マイナ保険証の利用登録の変更(名簿の取込)"),
    "eligibility.legacy_card_update": _("健康保険証の情報の変更"),
    "eligibility.certificate_add": _("資格確認書の登録"),
    "eligibility.certificate_update": _("資格確認書の変更"),
    "eligibility.smartphone_set": _("スマートフォン所持の申告"),
    "eligibility.certificate_issue": _("資格確認書の交付"),
    "certificate.download": _("資格確認書のダウンロード"),
    "certificate.email_sent": _("資格確認書の交付のお知らせメールの送信"),
    "certificate_application.submit": _("資格確認書の申請"),
    "certificate_application.withdraw": _("資格確認書の申請の取下げ"),
    "certificate_application.return": _("資格確認書の申請の差戻し"),
    "certificate_application.approve": _("資格確認書の申請の承認"),
    "certificate_application.issued": _("申請による資格確認書の交付"),
    "certificate_application.issue_failed": _("申請による資格確認書の交付の失敗"),
    "certificate_application.view": _("資格確認書の申請の閲覧"),
    "certificate_application.email_sent": _("資格確認書の申請についてのメールの送信(事業所あて)"),
    "employer.person_view": _("資格の情報の閲覧"),
    "employer.application_view": _("資格確認書の申請の閲覧"),
    # 資格情報のお知らせ and reports of a wrong last four digits.
    "notice.issue": _("資格情報のお知らせの交付"),
    "notice.view": _("資格情報のお知らせの閲覧"),
    "notice.download": _("資格情報のお知らせのダウンロード"),
    "notice.explanation_download": _("資格情報のお知らせの説明のダウンロード"),
    "notice.verify": _("お知らせの確認ページ(QRコード)の閲覧"),
    "notice.email_sent": _("資格情報のお知らせの交付メールの送信"),
    "mismatch.report": _("マイナンバー下4桁が違うとのお申し出"),
    "mismatch.view": _("お申し出の内容の閲覧"),
    "mismatch.check": _("お申し出の確認(本人確認の5項目の照合)"),
    "mismatch.close": _("お申し出の完了(誤りなし)"),
    "mismatch.propose": _("マイナンバーの訂正の提案"),
    "mismatch.approve": _("マイナンバーの訂正"),
    "mismatch.reject": _("マイナンバーの訂正の差戻し"),
    "mismatch.conflict_resolve": _("マイナンバーの重複の確認"),
    "mismatch.email_sent": _("お申し出の結果のメールの送信"),
    # The login itself.
    "auth.login_failed": _("ログインの失敗(二段階認証)"),
    "auth.mfa_activated": _("二段階認証の設定"),
    "auth.mfa_deactivated": _("二段階認証の解除"),
    "account.language": _("表示言語の変更"),
    # This log's own downloads.
    "access_log.csv": _("アクセス記録のダウンロード(CSV)"),
    "access_log.pdf": _("アクセス記録のダウンロード(PDF)"),
}
# Recorded with the login as target: only these are about the member's own account.
ACCOUNT_ACTIONS = (
    "auth.login_failed",
    "auth.mfa_activated",
    "auth.mfa_deactivated",
    "account.language",
)
# The one refusal shown: someone tried to link a login to this household and failed.
SHOWN_REFUSALS = ("member.link_refused",)

# Staff as their department, never as a person.
STAFF_LABELS: dict[str, Promise] = {
    Role.CLERK: _("業務課"),
    Role.SUPERVISOR: _("業務課(承認者)"),
    Role.AUDITOR: _("監査担当"),
}

_MEMBER = Member._meta.label
_APPLICATION = CertificateApplication._meta.label
_USER = settings.AUTH_USER_MODEL
# What a row needs, and nothing of who the actor is beyond the account id and role.
# Newest first, unique: the CSV walks it in keyset pages (portal.pagination.keyset_rows).
ORDER = ("-at", "-id")
_COLUMNS = ("id", "at", "action", "actor_id", "actor_role", "outcome", "target_type", "target_id")


@dataclass(frozen=True)
class AccessRow:
    at: datetime
    what: str
    who: str
    whom: str


class AccessLog:
    """The household's rows of the audit log, and how to tell each one to the member."""

    def __init__(self, household: Household, account_id: int) -> None:
        self.household = household
        self.account_id = account_id
        self.names = {str(person.pk): person.name for person in household.people}
        self.applications = [
            str(pk)
            for pk in CertificateApplication.objects.filter(
                insured_id=household.insured.pk
            ).values_list("pk", flat=True)
        ]
        self._employer_codes: dict[int, str] | None = None

    def events(self) -> QuerySet[AuditEvent]:
        """Newest first. Each branch is an equality and an IN list on the index's leading
        columns (target_type, target_id): PostgreSQL combines them in a bitmap, then sorts the
        household's few rows, whatever the size of the table."""
        about = Q(target_type=_MEMBER, target_id__in=list(self.names)) | Q(
            target_type=_USER, target_id=str(self.account_id), action__in=ACCOUNT_ACTIONS
        )
        if self.applications:
            about |= Q(target_type=_APPLICATION, target_id__in=self.applications)
        shown = ~Q(outcome=AuditEvent.Outcome.DENIED) | Q(action__in=SHOWN_REFUSALS)
        return (
            AuditEvent.objects.filter(about, shown, action__in=list(MEMBER_LABELS))
            .only(*_COLUMNS)
            .order_by(*ORDER)
        )

    def rows(self, events: Iterable[AuditEvent]) -> Iterator[AccessRow]:
        for event in events:
            yield AccessRow(event.at, self._what(event), self._who(event), self._whom(event))

    def _what(self, event: AuditEvent) -> str:
        # The actions shown that can fail or be refused say so in their own label.
        return str(MEMBER_LABELS.get(event.action, event.action))

    def _whom(self, event: AuditEvent) -> str:
        if event.target_type == _MEMBER:
            return self.names.get(event.target_id, "")
        if event.target_type == _APPLICATION:
            return self.household.insured.name  # the application of the insured person
        return gettext("アカウント")

    def _who(self, event: AuditEvent) -> str:
        if event.action == "auth.login_failed":
            # Recorded as the login itself, but whoever typed the wrong second factor is unknown.
            return gettext("ログインを試みた方(不明)")
        if event.actor_id is not None and event.actor_id == self.account_id:
            return gettext("ご本人(このアカウント)")
        if event.actor_role in STAFF_LABELS:
            return str(STAFF_LABELS[event.actor_role])
        if event.actor_role == Role.EMPLOYER:
            code = self.employer_codes().get(event.actor_id or 0)
            return gettext("事業所 %(code)s") % {"code": code} if code else gettext("事業所")
        if event.actor_id is None:
            if event.action == "notice.verify":
                return gettext("お知らせのQRコードを読み取った方(医療機関など)")
            return gettext("システム")
        # A member login that is not (or no longer) this household's, or one not yet linked.
        return gettext("他のアカウント")

    def employer_codes(self) -> dict[int, str]:
        """Employer login -> its employer's 記号, for every employer login in the household's
        rows: one query, however many rows are shown or exported."""
        if self._employer_codes is None:
            actors = self.events().filter(actor_role=Role.EMPLOYER).values("actor_id")
            self._employer_codes = dict(
                EmployerUser.objects.filter(user_id__in=actors).values_list(
                    "user_id", "employer__kigo"
                )
            )
        return self._employer_codes


CSV_HEADER: list[Promise] = [_("日時"), _("内容"), _("対象の方"), _("操作した人・組織")]

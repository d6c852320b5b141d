"""Refusals of the mismatch-case verbs. Each `message` is shown to the person as is, so none
holds a number beyond the last four digits, nor who else holds a number."""

from __future__ import annotations

from django.utils.translation import gettext_noop


class MismatchError(Exception):
    """Refused; `message` is shown to the person as is (never holds a number)."""

    message = "この操作はできません。"

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class StaleCase(MismatchError):
    message = (
        "他の担当者がこの申出を先に更新しました。最新の内容を確認してから、もう一度操作して"
        "ください(入力した内容は残してあります)。"
    )


class WrongState(MismatchError):
    message = "この申出は現在の状態ではこの操作ができません。最新の内容を確認してください。"


class CaseAlreadyOpen(MismatchError):
    message = gettext_noop("この方については受付中の申出があります。結果をお待ちください。")


class CheckIncomplete(MismatchError):
    message = "先に5項目(漢字氏名・カナ氏名・生年月日・性別・住所)の照合結果を記録してください。"


class CheckNotMatched(MismatchError):
    message = "5項目がすべて一致していないため、番号の訂正はできません。"


class SameNumber(MismatchError):
    message = "入力された番号は現在登録されている番号と同じです。訂正の必要はありません。"


class HeldByAnother(MismatchError):
    # Says only that someone else holds it: who does is for the supervisors (finding 4).
    message = (
        "この番号は別の加入者に登録されています。訂正できません。承認者に確認を依頼しました"
        "(どの加入者の記録かは承認者が確認します)。"
    )


# At approval the supervisor is the one told; the conflict list names both records.
TAKEN_BEFORE_APPROVAL = (
    "この番号は提案の後に別の加入者に登録されたため、訂正できません。申出を担当者に戻し、"
    "未解決のマイナンバー重複に記録しました。"
)


class ProposalLimit(MismatchError):
    """Too many proposals from one account in the window: each one asks the vault whether a
    number is held, so a script must not be able to ask freely."""

    def __init__(self, limit: int, window_seconds: int) -> None:
        minutes = max(window_seconds // 60, 1)
        span = f"{minutes // 60}時間" if minutes % 60 == 0 else f"{minutes}分"
        super().__init__(
            f"訂正の提案は{span}に{limit}件までです。上限に達したため、この提案は受け付けて"
            "いません(申出の内容は変わっていません)。時間をおいてから操作するか、承認者に"
            "相談してください。"
        )


class Unreadable(MismatchError):
    message = (
        "提案された番号を復号できませんでした(暗号鍵の更新など)。申出を担当者に戻しました。"
        "もう一度提案してください。"
    )


class SelfApproval(MismatchError):
    message = "ご自身が提案した訂正は承認・差し戻しできません。別の承認者に依頼してください。"


class NotSupervisor(MismatchError):
    message = "訂正の承認・差し戻しは承認者のみが行えます。"


class StepUpRequired(MismatchError):
    message = "承認の前にパスワードを再入力してください(本人確認のため)。"

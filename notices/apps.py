from django.apps import AppConfig

# The audit actions of notices and mismatch cases, with the label auditors read.
AUDIT_ACTIONS = {
    "notice.issue": "資格情報のお知らせの交付",
    "notice.view": "資格情報のお知らせの閲覧",
    "notice.download": "資格情報のお知らせのダウンロード",
    "notice.explanation_download": "資格情報のお知らせの説明(加入者の言語)のダウンロード",
    "notice.verify": "お知らせの確認ページの閲覧",
    "notice.batch_start": "お知らせ一括交付の開始",
    "notice.batch_finish": "お知らせ一括交付の完了",
    "notice.batch_resume": "お知らせ一括交付の再開",
    "notice.batch_view": "お知らせ一括交付の失敗一覧の閲覧",
    "notice.batch_print_download": "お知らせ一括交付の印刷用PDFのダウンロード",
    "notice.email_sent": "お知らせ交付のメール送信(加入者あて)",
    "mismatch.report": "マイナンバー下4桁相違の申出",
    "mismatch.queue": "下4桁相違の申出一覧の閲覧",
    "mismatch.view": "下4桁相違の申出の閲覧",
    "mismatch.check": "5項目照合の記録",
    "mismatch.close": "下4桁相違の完了(誤りなし)",
    "mismatch.propose": "マイナンバー訂正の提案",
    "mismatch.approve": "マイナンバー訂正の承認",
    "mismatch.reject": "マイナンバー訂正の差し戻し",
    "mismatch.conflict_resolve": "マイナンバー重複の確認(解決)",
    "mismatch.email_sent": "下4桁相違の完了のメール送信(加入者あて)",
}


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "資格情報のお知らせ"

    def ready(self) -> None:
        from members import sealed
        from notices import receivers, tasks  # noqa: F401  (signal receivers; batch tasks)
        from notices.models import MismatchCase
        from portal import audit

        audit.register_actions(AUDIT_ACTIONS)
        # A proposed correction is sealed under the vault's keys: rotated with them, and
        # counted when checking which key ids stored values still need.
        sealed.register(
            sealed.SealedColumn("pending_corrections", MismatchCase, "proposed_token", "member_id")
        )

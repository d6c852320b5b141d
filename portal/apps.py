from django.apps import AppConfig

# The audit actions the portal itself writes, with the label auditors read.
AUDIT_ACTIONS = {
    "auth.login": "ログイン",
    "auth.login_failed": "ログイン失敗",
    "auth.logout": "ログアウト",
    "auth.session_expired": "無操作・時間切れによるログアウト",
    "auth.mfa_activated": "二段階認証の設定",
    "auth.mfa_deactivated": "二段階認証の解除",
    "insurer.update": "保険者情報の変更",
    "audit.view": "監査ログの閲覧",
    "audit.export": "監査ログのCSV出力",
    "storage.orphans_removed": "記録のないPDFファイルの削除",
}


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "ポータル"

    def ready(self) -> None:
        from portal import audit, checks, sessions, signals  # noqa: F401  (checks and receivers)

        audit.register_actions(AUDIT_ACTIONS)

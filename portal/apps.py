from django.apps import AppConfig

# The audit actions the portal itself writes, with the label auditors read.
AUDIT_ACTIONS = {
    "auth.login": "ログイン",
    "auth.login_failed": "ログイン失敗",
    "auth.logout": "ログアウト",
    "auth.session_expired": "無操作・時間切れによるログアウト",
    "auth.mfa_activated": "二段階認証の設定",
    "auth.mfa_deactivated": "二段階認証の解除",
    "account.language": "表示言語の変更",
    "insurer.update": "保険者情報の変更",
    "audit.view": "監査ログの閲覧",
    "audit.export": "監査ログのCSV出力",
    "access_log.csv": "加入者によるアクセス記録のCSV出力",
    "access_log.pdf": "加入者によるアクセス記録のPDF出力",
    "storage.orphans_removed": "記録のないPDFファイルの削除",
    "keys.refused": "暗号鍵の不一致による処理の停止",
    "keys.mfa_rotate": "二段階認証の暗号鍵の更新",
    "data.mask_full_numbers": "保存済みの12桁の数字(マイナンバーの形)の伏せ字化",
}


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "ポータル"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portal import audit, checks, database_roles, languages, sessions, signals  # noqa: F401

        audit.register_actions(AUDIT_ACTIONS)
        from portal.keys import core as keys
        from portal.keys import mfa

        keys.register(mfa.MFAKeys())
        # Once per migrate (this app's signal), after every app's tables exist.
        post_migrate.connect(database_roles.grant_after_migrate, sender=self)

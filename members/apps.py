from django.apps import AppConfig

# The audit actions of member records, with the label auditors read.
AUDIT_ACTIONS = {
    "member.search": "加入者の検索",
    "member.view": "加入者情報の閲覧",
    "mynumber.register": "マイナンバーの登録",
    "mynumber.conflict": "マイナンバー重複の検出",
    "mynumber.rotate": "マイナンバー暗号鍵の更新",
    "mynumber.hmac_rotate": "マイナンバー照合用(ハッシュ)鍵の更新",
    "registration_code.issue": "登録コードの発行",
    "registration_code.mailing_list": "登録コード送付リストの出力",
    "member.link": "アカウントと加入者情報の連携",
    "member.link_refused": "アカウント連携の失敗",
    "member.unlink": "アカウント連携の解除",
    "roster.import": "名簿の取込",
    "member.copay_missing_list": "負担割合未登録者一覧の閲覧",
    "member.copay_missing_export": "負担割合未登録者一覧のCSV出力",
}


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "加入者"

    def ready(self) -> None:
        from members import keys
        from portal import audit

        audit.register_actions(AUDIT_ACTIONS)
        keys.install()  # the vault's key families and the guard before each use (portal.keys)

from django.apps import AppConfig

# The audit actions of eligibility records, certificates, applications and employer accounts.
AUDIT_ACTIONS = {
    "eligibility.view": "資格確認の情報の閲覧",
    "eligibility.registration_update": "マイナ保険証の利用登録の変更",
    "eligibility.registration_import": "マイナ保険証の利用登録の変更(名簿取込)",
    "eligibility.legacy_card_update": "健康保険証の情報の変更",
    "eligibility.certificate_add": "資格確認書の登録",
    "eligibility.certificate_update": "資格確認書の変更",
    "eligibility.smartphone_set": "スマートフォン所持の申告",
    "eligibility.no_document_list": "受診に使える書類がない加入者一覧の閲覧",
    "eligibility.no_document_export": "受診に使える書類がない加入者一覧のCSV出力",
    "eligibility.certificate_issue": "資格確認書の交付",
    "certificate.download": "資格確認書のダウンロード",
    "certificate.email_sent": "資格確認書の交付のメール送信(加入者あて)",
    "certificate.renewal_list": "資格確認書の更新対象一覧の閲覧",
    "certificate_batch.start": "資格確認書の一括交付の開始",
    "certificate_batch.finish": "資格確認書の一括交付の完了",
    "certificate_batch.resume": "資格確認書の一括交付の再開",
    "certificate_batch.view": "資格確認書の一括交付の対象外・失敗一覧の閲覧",
    "certificate_application.submit": "資格確認書の申請",
    "certificate_application.upload": "資格確認書のCSV一括申請",
    "certificate_application.withdraw": "資格確認書の申請の取下げ",
    "certificate_application.return": "資格確認書の申請の差戻し",
    "certificate_application.approve": "資格確認書の申請の承認",
    "certificate_application.issued": "申請による資格確認書の交付完了",
    "certificate_application.issue_failed": "申請による資格確認書の交付失敗",
    "certificate_application.view": "資格確認書の申請の閲覧(業務課)",
    "certificate_application.email_sent": "資格確認書の申請のメール送信(事業所あて)",
    "employer.people_list": "事業所による加入者一覧の閲覧",
    "employer.person_view": "事業所による加入者の資格の閲覧",
    "employer.application_view": "事業所による申請の閲覧",
    "employer_user.invite": "事業所担当者の招待",
    "employer_user.accept": "事業所担当者のパスワード設定",
    "employer_user.deactivate": "事業所担当者の無効化",
}


class EligibilityConfig(AppConfig):
    name = "eligibility"
    verbose_name = "資格確認"

    def ready(self) -> None:
        from eligibility import tasks  # noqa: F401  (hands the batch task to the batch engine)
        from eligibility.records.roster import RosterRegistrations
        from members.roster import hooks
        from portal import audit

        audit.register_actions(AUDIT_ACTIONS)
        # The roster import (members) writes the マイナ保険証 column through this handler.
        hooks.register(RosterRegistrations)

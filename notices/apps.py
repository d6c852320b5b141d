from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "資格情報のお知らせ"

    def ready(self) -> None:
        from notices import receivers, services  # noqa: F401  (signal receivers, audit actions)

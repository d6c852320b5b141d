from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "加入者"

    def ready(self) -> None:
        from members import services  # noqa: F401  (registers its audit actions)

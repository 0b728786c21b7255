from django.apps import AppConfig


class AiProviderConfig(AppConfig):
    name = "aiprovider"
    verbose_name = "AI provider"

    def ready(self) -> None:
        from aiprovider import checks  # noqa: F401 - registers system checks

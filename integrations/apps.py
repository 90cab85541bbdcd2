from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations: API keys"

    def ready(self):
        from integrations import schema  # noqa: F401  (the Bearer scheme in the OpenAPI document)

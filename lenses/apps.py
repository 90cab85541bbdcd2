from django.apps import AppConfig


class LensesConfig(AppConfig):
    name = "lenses"
    verbose_name = "Lenses (Sales and Finance)"

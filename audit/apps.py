from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from audit.functions import functions_install

        # After pgtrigger's and pghistory's own (their apps come first in INSTALLED_APPS).
        post_migrate.connect(functions_install, sender=self)

from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Health"

    def ready(self):
        """Rescore accounts when the apps below say their data changed."""
        from accounts.hooks import account_changed
        from health.services import rescore_request
        from signals.hooks import signals_ingested

        def rescore(sender, account_ids, **kwargs):
            rescore_request(account_ids=account_ids)

        account_changed.connect(rescore, weak=False, dispatch_uid="health-rescore-account")
        signals_ingested.connect(rescore, weak=False, dispatch_uid="health-rescore-signals")

from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Health"

    def ready(self):
        """Rescore accounts when the apps below say their data changed; tell signals which
        scorecards name a kind before it changes."""
        from accounts.hooks import account_changed
        from health.selectors import scorecards_naming_kind
        from health.services import rescore_request
        from signals.hooks import signal_kind_uses, signals_ingested

        def rescore(sender, account_ids, **kwargs):
            rescore_request(account_ids=account_ids)

        account_changed.connect(rescore, weak=False, dispatch_uid="health-rescore-account")
        signals_ingested.connect(rescore, weak=False, dispatch_uid="health-rescore-signals")
        signal_kind_uses.connect(
            scorecards_naming_kind, weak=False, dispatch_uid="health-kind-in-scorecards"
        )

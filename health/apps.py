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
        _register_overrides()
        signals_ingested.connect(rescore, weak=False, dispatch_uid="health-rescore-signals")
        signal_kind_uses.connect(
            scorecards_naming_kind, weak=False, dispatch_uid="health-kind-in-scorecards"
        )


def _register_overrides():
    """Feature columns the scorer reads from health's own tables: the people's component
    overrides in force and the price change at the last renewal (Commercial)."""
    from health.commercial import price_change_features
    from health.hooks import feature_sources
    from health.overrides import override_features

    feature_sources["component_overrides"] = override_features
    feature_sources["price_change_at_renewal"] = price_change_features

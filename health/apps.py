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
        _register_overrides()
        signals_ingested.connect(rescore, weak=False, dispatch_uid="health-rescore-signals")


def _register_overrides():
    """Feature columns the scorer reads from health's own tables: the people's component
    overrides in force and the price change at the last renewal (Commercial)."""
    from health.commercial import price_change_features
    from health.hooks import feature_sources
    from health.overrides import override_features

    feature_sources["component_overrides"] = override_features
    feature_sources["price_change_at_renewal"] = price_change_features

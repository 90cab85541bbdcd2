from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Actions"

    def ready(self):
        """Run the rules after every scoring run (health says so through its hook), and
        register the tasks that services queue by name, and give the scorer the CSM's
        sentiment as a feature."""
        from actions import tasks  # noqa: F401
        from actions.features import sentiment_features
        from actions.services import rules_after_scoring
        from health.hooks import feature_sources, scores_written

        scores_written.connect(rules_after_scoring, weak=False, dispatch_uid="actions-rules")
        feature_sources["csm_sentiment"] = sentiment_features

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
        _follow_account_csm()
        feature_sources["csm_sentiment"] = sentiment_features


def _follow_account_csm() -> None:
    """An account saved (API, admin) or imported into another CSM's book takes its open
    actions along (actions.services.actions_follow_account_csm)."""
    from django.db.models.signals import post_save

    from accounts.hooks import account_changed
    from accounts.models import Account
    from actions.services import actions_follow_account_csm

    def saved(sender, instance, **kwargs):
        actions_follow_account_csm(account_ids=[instance.pk])

    post_save.connect(saved, sender=Account, weak=False, dispatch_uid="actions-follow-csm")
    account_changed.connect(
        actions_follow_account_csm, weak=False, dispatch_uid="actions-follow-csm-import"
    )

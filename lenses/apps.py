from django.apps import AppConfig


class LensesConfig(AppConfig):
    name = "lenses"
    verbose_name = "Lenses (Sales and Finance)"

    def ready(self):
        """Compute the whole portfolio's lenses once a whole-portfolio run has finished (health
        says so through its hook): the first request after the nightly run reads them."""
        from health.hooks import portfolio_scored
        from lenses.selectors import lenses_remember_portfolio

        portfolio_scored.connect(
            lenses_remember_portfolio, weak=False, dispatch_uid="lenses-after-run"
        )

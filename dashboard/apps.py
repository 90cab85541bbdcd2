from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self):
        """Draw the portfolio page's charts once a whole-portfolio run has refreshed its figures
        (health says so through its hook): the VP's first request after the run reads them."""
        from dashboard.portfolio_page import portfolio_drawn_remember
        from health.hooks import portfolio_scored

        portfolio_scored.connect(
            portfolio_drawn_remember, weak=False, dispatch_uid="dashboard-after-run"
        )

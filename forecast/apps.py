from django.apps import AppConfig


class ForecastConfig(AppConfig):
    name = "forecast"
    verbose_name = "Forecast"

    def ready(self):
        """Refresh the whole portfolio's kept figures once a whole-portfolio run has finished
        (health says so through its hook), as the beat's sweep does between runs."""
        from forecast.tasks import forecast_figures_after_run
        from health.hooks import portfolio_scored

        portfolio_scored.connect(
            forecast_figures_after_run, weak=False, dispatch_uid="forecast-figures-after-run"
        )

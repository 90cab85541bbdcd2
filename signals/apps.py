from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = "Signals"

    def ready(self):
        from accounts.hooks import signal_kinds_register
        from signals.models import SignalKind

        signal_kinds_register(lambda: SignalKind.values)

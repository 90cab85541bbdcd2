from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = "Signals"

    def ready(self):
        from accounts.hooks import signal_kinds_register
        from signals.selectors import signal_kind_codes

        signal_kinds_register(signal_kind_codes)

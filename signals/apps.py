from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = "Signals"

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts.hooks import signal_kinds_register
        from signals.selectors import signal_kind_codes
        from signals.services import signal_kinds_builtin_ensure

        signal_kinds_register(signal_kind_codes)
        post_migrate.connect(
            signal_kinds_builtin_ensure, sender=self, dispatch_uid="signals-builtin-kinds"
        )

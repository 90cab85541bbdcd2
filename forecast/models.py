"""The renewal forecast's one stored thing: the CSM's own call on each renewal, kept as history
(a new row per call) so a quarter's forecast can later be compared with what renewed."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q


class Call(models.TextChoices):
    COMMIT = "commit", "Commit"
    BEST_CASE = "best_case", "Best case"
    AT_RISK = "at_risk", "At risk"
    LOST = "lost", "Lost"


class ForecastCall(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="forecast_calls"
    )
    call = models.CharField(max_length=10, choices=Call.choices)
    note = models.TextField(blank=True)
    renewal_date = models.DateField(help_text="The renewal the call was made for.")
    arr = models.DecimalField("ARR", max_digits=14, decimal_places=2, help_text="ARR when called.")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["account", "-made_at", "-pk"]
        indexes = [models.Index(fields=["account", "-made_at"], name="forecastcall_latest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(call__in=Call.values), name="forecastcall_call_valid"
            )
        ]

    def __str__(self):
        return f"{self.account_id}: {self.call} for {self.renewal_date}"


class ForecastFigures(models.Model):
    """The finance view's figures for one scope (the accounts a person sees, the quarters, the
    day) as last computed, with the version of the data they came from: while that version
    holds, /forecast/ reads them instead of passing over the whole portfolio. A worker refreshes
    the whole portfolio's after the data changes (forecast.tasks); a scope with none current is
    computed on request and kept."""

    key = models.CharField(max_length=64, unique=True)
    version = models.CharField(max_length=64)
    figures = models.JSONField(encoder=DjangoJSONEncoder)
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.key[:12]} as of {self.computed_at:%Y-%m-%d %H:%M}"

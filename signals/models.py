"""Dated events about an account, from product usage and from people. They arrive in bulk."""

from django.db import models
from django.db.models import Q


class SignalKind(models.TextChoices):
    LOGIN = "login", "Login"
    REPORT_GENERATED = "report_generated", "Report generated"
    ROI_REPORT_GENERATED = "roi_report_generated", "ROI report generated"
    COLLEAGUE_INVITED = "colleague_invited", "Colleague invited"
    FEATURE_USED = "feature_used", "Feature used"
    EXPORT = "export", "Export"
    API_CALL = "api_call", "API call"
    SUPPORT_TICKET = "support_ticket", "Support ticket"
    EXEC_MEETING = "exec_meeting", "Exec meeting"
    UPSELL_CALL_ACCEPTED = "upsell_call_accepted", "Upsell call accepted"
    UPSELL_CALL_DECLINED = "upsell_call_declined", "Upsell call declined"
    CONFIDENCE_SURVEY = "confidence_survey", "Confidence survey answer"


class Signal(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="signals"
    )
    external_id = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=30, choices=SignalKind.choices)
    occurred_at = models.DateTimeField()
    actor = models.CharField(max_length=200, blank=True)
    value = models.CharField(
        max_length=255, blank=True, help_text="Feature name, survey answer (0-10), ticket id…"
    )
    source = models.CharField(max_length=50, blank=True, default="api")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["account", "occurred_at"], name="signal_account_time"),
            models.Index(fields=["received_at"], name="signal_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SignalKind.values), name="signal_kind_valid"
            )
        ]

    def __str__(self):
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d}"

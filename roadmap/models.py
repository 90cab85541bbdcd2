"""What the roadmap app keeps: each change of a roadmap item's status, per account it reached."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.limits import FreeTextField
from accounts.models import Account, ProductStatus, RoadmapItem, enum_check


class RoadmapChange(models.Model):
    """Product moved an item from one status to another, and an account's promise moved with it.

    One row per commitment riding on the item, on its account: what the account's timeline shows
    ("Roadmap: 'SSO' under consideration → declined; the customer was told 'coming in Q3'")."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="roadmap_changes")
    item = models.ForeignKey(RoadmapItem, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=20, choices=ProductStatus.choices)
    to_status = models.CharField(max_length=20, choices=ProductStatus.choices)
    told_customer = FreeTextField(blank=True, help_text="What the customer had been told.")
    gap_opened = models.BooleanField(default=False)
    gap_closed = models.BooleanField(default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["account", "at"], name="roadmap_change_account_at")]
        constraints = [
            enum_check("from_status", ProductStatus, "roadmap_change_from_valid"),
            enum_check("to_status", ProductStatus, "roadmap_change_to_valid"),
        ]

    def __str__(self):
        return f"{self.item}: {self.from_status} → {self.to_status}"

from django import forms
from django.contrib import admin

from actions.models import (
    Action,
    FlagSnooze,
    Playbook,
    RuleSetting,
    Sentiment,
    Webhook,
    WebhookDelivery,
)
from actions.services import action_owner_refusal


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    """The default steps per flag (or rule); edits apply to actions raised from then on."""

    list_display = ("code", "title", "active")
    list_editable = ("active",)
    search_fields = ("code", "title")


@admin.register(RuleSetting)
class RuleSettingAdmin(admin.ModelAdmin):
    """The rules' thresholds: score_drop's points and days, renewal_at_risk's days…"""

    list_display = ("rule", "active", "points", "days", "due_in_days")
    list_editable = ("active", "points", "days", "due_in_days")


class ActionAdminForm(forms.ModelForm):
    """The admin builds the fields; this adds the rule that the owner can see the account."""

    def clean(self):
        data = super().clean()
        if data.get("account") is not None:
            refusal = action_owner_refusal(data.get("owner"), data["account"])
            if refusal:
                self.add_error("owner", refusal)
        return data


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    form = ActionAdminForm
    list_display = ("title", "account", "rule", "flag", "owner", "status", "due_on", "created_at")
    list_filter = ("status", "rule", "flag")
    search_fields = ("title", "account__name", "owner__username")
    raw_id_fields = ("account", "owner", "closed_by", "playbook")
    list_select_related = ("account", "owner")
    readonly_fields = ("created_at", "updated_at", "fired_at", "closed_at")


@admin.register(FlagSnooze)
class FlagSnoozeAdmin(admin.ModelAdmin):
    list_display = ("account", "flag", "until", "snoozed_by", "created_at", "reraised_at")
    list_filter = ("flag",)
    raw_id_fields = ("account", "snoozed_by")


@admin.register(Sentiment)
class SentimentAdmin(admin.ModelAdmin):
    list_display = ("account", "rating", "created_by", "created_at", "expires_on")
    list_filter = ("rating",)
    raw_id_fields = ("account", "created_by")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("url", "kind", "active", "created_at")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("webhook", "event", "status", "status_code", "attempts", "created_at")
    list_filter = ("status", "event")
    readonly_fields = ("body",)

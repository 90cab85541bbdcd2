from django.contrib import admin

from signals.models import Signal


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = ("kind", "account", "occurred_at", "actor", "source")
    list_filter = ("kind", "source")
    search_fields = ("external_id", "actor", "account__name")
    raw_id_fields = ("account",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False

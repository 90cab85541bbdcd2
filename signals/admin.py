from django.contrib import admin

from signals.models import Signal, SignalKindDef


@admin.register(SignalKindDef)
class SignalKindAdmin(admin.ModelAdmin):
    """Staff (who count as VPs) may register a kind here; once registered it is read-only
    here: relabel, retire or delete it through the API, whose service keeps a used kind's
    category and refuses deleting it."""

    list_display = ("code", "label", "category", "builtin", "retired_at", "created_at")
    list_filter = ("category", "builtin")

    def get_readonly_fields(self, request, obj=None):
        return ("code", "label", "category", "builtin", "retired_at", "created_at") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = ("kind", "account", "occurred_at", "actor", "source")
    list_filter = ("kind", "source")
    search_fields = ("external_id", "actor", "account__name")
    raw_id_fields = ("account",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False

from django.contrib import admin

from health.models import CurrentHealth, HealthScore, Scorecard, ScorecardVersion


class ScorecardVersionInline(admin.TabularInline):
    """Versions are history: shown, never edited here."""

    model = ScorecardVersion
    fk_name = "scorecard"
    extra = 0
    can_delete = False
    fields = ("number", "weights", "thresholds", "capping_flags", "value_kinds", "note",
              "created_at", "created_by", "adopted_at")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    """An edit that changes what the scorecard scores with writes a new live version."""

    list_display = ("name", "segment", "version", "updated_at")
    readonly_fields = ("version",)
    inlines = [ScorecardVersionInline]

    def save_model(self, request, obj, form, change):
        obj.edited_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(HealthScore)
class HealthScoreAdmin(admin.ModelAdmin):
    list_display = ("account", "as_of", "overall", "rag", "flag_codes", "computed_at")
    list_filter = ("rag", "as_of")
    search_fields = ("account__name", "flag_codes")
    raw_id_fields = ("account",)
    show_full_result_count = False


@admin.register(CurrentHealth)
class CurrentHealthAdmin(admin.ModelAdmin):
    list_display = ("account", "overall", "rag", "flag_codes", "computed_at")
    list_filter = ("rag",)
    search_fields = ("account__name", "flag_codes")
    raw_id_fields = ("account", "score")

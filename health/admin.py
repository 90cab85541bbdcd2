from django.contrib import admin

from health.models import CurrentHealth, HealthScore, Scorecard


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ("name", "segment", "version", "updated_at")
    readonly_fields = ("version",)


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

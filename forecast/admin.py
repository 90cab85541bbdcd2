from django.contrib import admin

from forecast.models import ForecastCall


@admin.register(ForecastCall)
class ForecastCallAdmin(admin.ModelAdmin):
    list_display = ("account", "call", "renewal_date", "arr", "made_by", "made_at")
    list_filter = ("call",)
    raw_id_fields = ("account",)
    readonly_fields = ("made_at",)

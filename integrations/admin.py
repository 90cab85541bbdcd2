from django.contrib import admin

from integrations.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "scopes", "created", "expiry_date", "last_used_at",
                    "revoked")  # fmt: skip
    list_filter = ("revoked",)
    readonly_fields = ("prefix", "hashed_key", "last_used_at", "created_by")
    raw_id_fields = ("user",)

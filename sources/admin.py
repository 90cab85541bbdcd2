from django.contrib import admin

from sources.models import EventMapping, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "revoked", "key_last_used_at", "default_csm"]
    readonly_fields = ["key_prefix", "key_last_used_at", "created_by", "created_at"]


@admin.register(EventMapping)
class EventMappingAdmin(admin.ModelAdmin):
    list_display = ["source", "event", "kind", "value_property", "count", "last_seen"]
    list_filter = ["source"]

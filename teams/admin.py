from django.contrib import admin

from accounts.models import Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead"]
    search_fields = ["name", "lead__username", "members__username"]
    autocomplete_fields = ["lead", "members"]

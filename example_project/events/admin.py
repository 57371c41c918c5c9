from __future__ import annotations

from django.contrib import admin

from events.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "user", "message")
    list_filter = ("kind",)
    search_fields = ("message", "user__username")
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"

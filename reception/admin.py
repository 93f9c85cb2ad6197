from django.contrib import admin

from reception.models import ReceptionEvent, ReceptionRecord, WorkOrder


class ReceptionEventInline(admin.TabularInline):
    model = ReceptionEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields


@admin.register(ReceptionRecord)
class ReceptionRecordAdmin(admin.ModelAdmin):
    # State changes go through reception.services; the admin is for reading.
    list_display = [
        "number",
        "community",
        "received_at",
        "channel",
        "kind",
        "subject",
        "status",
        "received_by",
    ]
    list_filter = ["community", "status", "channel", "kind", "is_major"]
    search_fields = ["subject", "contact_name", "owner__name"]
    date_hierarchy = "received_at"
    list_select_related = ["community", "received_by"]
    raw_id_fields = ["unit", "owner", "received_by", "first_response_by"]
    inlines = [ReceptionEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "community", "department", "due_at", "status", "signed_by"]
    list_filter = ["community", "status"]
    list_select_related = ["community", "department", "signed_by"]
    raw_id_fields = ["record", "created_by", "signed_by", "result_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

from django.contrib import admin

from complaints.models import Callback, Complaint, ComplaintEvent


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields


class CallbackInline(admin.TabularInline):
    model = Callback
    extra = 0
    can_delete = False
    fields = ["planned_at", "status", "assigned_to", "attempts", "done_at", "satisfaction"]
    readonly_fields = fields


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    # State changes go through complaints.services; the admin is for reading.
    list_display = ["number", "community", "received_at", "category", "severity", "status", "department"]
    list_filter = ["status", "category", "severity", "community"]
    search_fields = ["subject", "contact_name"]
    inlines = [CallbackInline, ComplaintEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

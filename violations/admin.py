from django.contrib import admin

from violations.models import ChargeList, Measure, Violation, ViolationEvent


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class MeasureInline(ReadOnlyInline):
    model = Measure
    fields = ["at", "kind", "status", "by", "due_at", "amount", "signed_by", "signed_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = ViolationEvent
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields


class ReadOnlyAdmin(admin.ModelAdmin):
    # State changes go through violations.services; the admin is for reading.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(Violation)
class ViolationAdmin(ReadOnlyAdmin):
    list_display = ["number", "community", "observed_at", "category", "subtype", "severity", "status"]
    list_filter = ["status", "category", "severity", "community"]
    search_fields = ["location", "description"]
    inlines = [MeasureInline, EventInline]


@admin.register(ChargeList)
class ChargeListAdmin(ReadOnlyAdmin):
    list_display = ["month", "community", "count", "total", "updated_at"]
    list_filter = ["community"]

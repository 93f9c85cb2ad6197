from django.contrib import admin

from surveys.models import Suggestion, Visit, VisitEvent, VisitSummary


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    # Every change goes through surveys.services (the once-a-month rule, the ledger); the admin reads.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


class SuggestionInline(ReadOnlyInline):
    model = Suggestion
    fields = ["visit", "text", "decision", "note", "decided_by", "decided_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = VisitEvent
    fk_name = "summary"
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["number", "community", "visited_at", "unit", "mode", "signature", "visited_by"]
    list_filter = ["mode", "signature", "community"]
    list_select_related = ["community", "unit__building", "visited_by"]
    date_hierarchy = "visited_at"


@admin.register(VisitSummary)
class VisitSummaryAdmin(ReadOnlyAdmin):
    list_display = ["month", "community", "status", "quota", "visit_count", "submitted_at"]
    list_filter = ["status", "community"]
    inlines = [SuggestionInline, EventInline]

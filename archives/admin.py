"""The admin for the register. Archives are kept permanently (R-ARC-5): nothing here deletes a unit,
an owner, an ownership or a document; the owner's contact stays masked (it is opened only through a
logged look-up, R-ARC-4); the look-ups and the access log are read-only."""

from django.contrib import admin

from archives.models import AccessLog, Building, LookupRequest, Owner, Ownership, Unit


class KeptAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Building)
class BuildingAdmin(KeptAdmin):
    list_display = ["__str__", "community"]
    list_filter = ["community"]


@admin.register(Unit)
class UnitAdmin(KeptAdmin):
    list_display = ["label", "community", "area", "use", "handover_date"]
    list_filter = ["community", "use"]
    search_fields = ["room"]
    list_select_related = ["building", "community"]
    raw_id_fields = ["building"]


@admin.register(Owner)
class OwnerAdmin(KeptAdmin):
    list_display = ["name", "masked_mobile", "community"]
    list_filter = ["community"]
    search_fields = ["name", "mobile_tail"]
    fields = ["community", "name", "masked_mobile"]
    readonly_fields = ["community", "masked_mobile"]

    def has_add_permission(self, request):
        return False  # owners come from the roster import or a change of owner


@admin.register(Ownership)
class OwnershipAdmin(KeptAdmin):
    list_display = ["owner", "unit", "start_date", "end_date"]
    raw_id_fields = ["unit", "owner"]
    list_select_related = ["owner", "unit__building"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LookupRequest)
class LookupRequestAdmin(ReadOnlyAdmin):
    list_display = ["number", "community", "unit", "requested_by", "status", "created_at", "expires_at"]
    list_filter = ["status", "community"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "community", "unit", "what", "request", "address"]
    list_filter = ["what", "community"]

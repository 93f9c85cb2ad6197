from django.contrib import admin

from archives.models import Building, Owner, Ownership, Unit


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "community"]
    list_filter = ["community"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["label", "community", "area", "use", "handover_date"]
    list_filter = ["community", "use"]
    search_fields = ["room"]
    list_select_related = ["building", "community"]
    raw_id_fields = ["building"]


@admin.register(Owner)
class OwnerAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    list_filter = ["community"]
    search_fields = ["name", "mobile_tail"]


@admin.register(Ownership)
class OwnershipAdmin(admin.ModelAdmin):
    list_display = ["owner", "unit", "start_date", "end_date"]
    raw_id_fields = ["unit", "owner"]
    list_select_related = ["owner", "unit__building"]

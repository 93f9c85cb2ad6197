from django.contrib import admin

from propsvc.models import Community, Department, Membership, Notification


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "address"]
    search_fields = ["name", "code"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "community", "kind"]
    list_filter = ["kind", "community"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "department"]
    list_filter = ["role", "community"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "text", "created_at", "read_at"]
    search_fields = ["recipient__username", "text"]

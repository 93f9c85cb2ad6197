from django.contrib import admin

from propsvc.models import (
    AuditEntry,
    Community,
    Deadline,
    Department,
    DigestItem,
    LoginFailure,
    Membership,
    Notification,
    StaffPreference,
)


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
    list_display = ["recipient", "text", "created_at", "read_at", "email_pending", "emailed_at"]
    list_filter = ["email_pending"]
    search_fields = ["recipient__username", "text"]


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    """The ledger is written by services; the admin reads it (and may correct a due time by hand)."""

    list_display = [
        "title",
        "kind",
        "community",
        "due_at",
        "responsible_user",
        "responsible_department",
        "warned_at",
        "breached_at",
        "met_at",
    ]
    list_filter = [
        "kind",
        "community",
        ("met_at", admin.EmptyFieldListFilter),
        ("breached_at", admin.EmptyFieldListFilter),
        "escalate_role",
    ]
    list_select_related = ["community", "responsible_user", "responsible_department__community"]
    search_fields = ["title", "kind"]
    date_hierarchy = "due_at"
    readonly_fields = [
        "community",
        "content_type",
        "object_id",
        "kind",
        "link",
        "responsible_user",
        "responsible_department",
        "escalate_role",
        "warned_at",
        "warn_token",
        "breached_at",
        "breach_token",
        "met_at",
        "met_by",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(StaffPreference)
class StaffPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "escalation_digest"]
    list_filter = ["escalation_digest"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(DigestItem)
class DigestItemAdmin(admin.ModelAdmin):
    list_display = ["recipient", "text", "created_at", "sent_at"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient__username", "text"]
    readonly_fields = ["recipient", "text", "link", "created_at", "sent_at", "token"]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read only: the audit trail is append-only (no add, change or delete, not even for superusers)."""

    list_display = ["at", "kind", "actor", "community", "address"]
    list_filter = ["kind"]
    readonly_fields = ["at", "kind", "actor", "community", "address", "data"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Failed logins (propsvc.lockout). Deleting a username's or an address's rows lifts its lock."""

    list_display = ["at", "username", "address"]
    search_fields = ["username", "address"]
    readonly_fields = ["at", "username", "address"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

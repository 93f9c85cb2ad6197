from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from propsvc.http import client_address
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
from propsvc.services import audit_write
from propsvc.tenancy import forget_memberships


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "address"]
    search_fields = ["name", "code"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "community", "kind"]
    list_filter = ["kind", "community"]


def _membership_state(membership: Membership) -> dict:
    return {
        "role": membership.role,
        "role_community": membership.community_id,  # audit_write's own `community` is the entry's
        "department": membership.department_id,
    }


def _audit_membership(request, kind: str, membership: Membership, **data) -> None:
    audit_write(
        kind=kind,
        actor=request.user,
        community_id=membership.community_id,
        address=client_address(request),
        membership=membership.pk,
        user=membership.user_id,
        **_membership_state(membership),
        **data,
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Roles are given and taken here; each one given, changed or taken is an audit entry (issue 11)."""

    list_display = ["user", "community", "role", "department"]
    list_filter = ["role", "community"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        before = None
        if change:
            old = Membership.objects.filter(pk=obj.pk).first()
            before = _membership_state(old) | {"user": old.user_id} if old else None
        super().save_model(request, obj, form, change)
        if before is None:
            _audit_membership(request, "roles.membership_added", obj)
        elif before != _membership_state(obj) | {"user": obj.user_id}:
            _audit_membership(request, "roles.membership_changed", obj, before=before)
        forget_memberships(obj.user)

    @transaction.atomic
    def delete_model(self, request, obj):
        _audit_membership(request, "roles.membership_removed", obj)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for membership in queryset:
            _audit_membership(request, "roles.membership_removed", membership)
        super().delete_queryset(request, queryset)


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


# -- staff accounts: what gives access beyond the roles is audited too (issue 11) ------------------------

ACCESS_FLAGS = ("is_active", "is_staff", "is_superuser")

User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin, with an audit entry when an account is created or removed, or when it is
    switched on or off, let into the admin or made a superuser (who sees every community)."""

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = User.objects.filter(pk=obj.pk).values(*ACCESS_FLAGS).first()
        super().save_model(request, obj, form, change)
        after = {flag: getattr(obj, flag) for flag in ACCESS_FLAGS}
        if not change:
            audit_write(
                kind="staff.account_added", actor=request.user, address=client_address(request),
                user=obj.pk, **after,
            )  # fmt: skip
        elif before is not None and before != after:
            changed = {flag: after[flag] for flag in ACCESS_FLAGS if before[flag] != after[flag]}
            audit_write(
                kind="staff.access_changed", actor=request.user, address=client_address(request),
                user=obj.pk, **changed,
            )  # fmt: skip

    @transaction.atomic
    def delete_model(self, request, obj):
        self._audit_removed(request, obj)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for user in queryset:
            self._audit_removed(request, user)
        super().delete_queryset(request, queryset)

    def _audit_removed(self, request, user) -> None:
        # Its memberships go with the account (CASCADE): each is recorded as taken away.
        for membership in Membership.objects.filter(user=user):
            _audit_membership(request, "roles.membership_removed", membership)
        audit_write(
            kind="staff.account_removed", actor=request.user, address=client_address(request), user=user.pk
        )

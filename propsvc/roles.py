"""Staff roles and the permission matrix — the one place that says who may do what.

DOMAIN.md "People and roles". A Membership gives a user one role in one community,
or a company-level role (community empty) that sees every community. The matrix
below is the truth the auth backend reads; the migration `0002_roles` and a
post_migrate hook mirror it into auth Groups (one per role) so the admin shows it.
docs/ARCHITECTURE.md prints the same matrix; a test keeps them equal.
Later issues add their permissions here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    RECEPTIONIST = "receptionist", _("Front-desk receptionist")
    AREA_STEWARD = "area_steward", _("Area steward")
    PROPERTY_SUPERVISOR = "property_supervisor", _("Property supervisor")
    CS_SUPERVISOR = "cs_supervisor", _("Customer service supervisor")
    CS_MANAGER = "cs_manager", _("Customer service center manager")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    ARCHIVIST = "archivist", _("Archivist")
    QUALITY = "quality", pgettext_lazy("role", "Quality department")
    LEADERSHIP = "leadership", _("Company leadership")
    FINANCE = "finance", pgettext_lazy("role", "Finance")
    ADMIN = "admin", _("System administrator")


# Company-level roles see every community (DOMAIN.md: quality, leadership, finance);
# the system administrator manages staff and settings for the whole company.
COMPANY_ROLES = frozenset({Role.QUALITY, Role.LEADERSHIP, Role.FINANCE, Role.ADMIN})

# Roles that belong to a department (their Membership names it).
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_STAFF, Role.DEPARTMENT_HEAD})


class Perm:
    """Permission names, "app_label.codename", as Django's has_perm expects them."""

    VIEW_REGISTER = "archives.view_register"
    CHANGE_UNIT = "archives.change_unit_use"
    TRANSFER_OWNERSHIP = "archives.transfer_ownership"
    LOG_CONTACT = "reception.log_contact"
    VIEW_RECORDS = "reception.view_records"
    HANDLE_RECORD = "reception.handle_record"
    PROCESS_WORK_ORDER = "reception.process_work_order"


ALL_STAFF = frozenset(Role)

# The customer-service line: who logs owner contacts and follows them to the end.
DESK_ROLES = frozenset(
    {
        Role.RECEPTIONIST,
        Role.AREA_STEWARD,
        Role.PROPERTY_SUPERVISOR,
        Role.CS_SUPERVISOR,
        Role.CS_MANAGER,
        Role.ADMIN,
    }
)

PERMISSIONS: dict[str, frozenset[str]] = {
    # The register: unit, owner name and masked phone — what the front desk needs.
    Perm.VIEW_REGISTER: ALL_STAFF,
    # Use of the unit (自住/出租/空置/装修中): front desk, stewards and the archive keepers.
    Perm.CHANGE_UNIT: frozenset(
        {Role.RECEPTIONIST, Role.AREA_STEWARD, Role.ARCHIVIST, Role.CS_MANAGER, Role.ADMIN}
    ),
    # A change of owner (过户) is written into the archive (R-ARC-3).
    Perm.TRANSFER_OWNERSHIP: frozenset({Role.ARCHIVIST, Role.CS_MANAGER, Role.ADMIN}),
    # Reception (R-REC-*): the desk and the customer-service line log and follow up contacts;
    # leadership and quality read them; departments see their own work orders only.
    Perm.LOG_CONTACT: DESK_ROLES,
    Perm.VIEW_RECORDS: DESK_ROLES | {Role.QUALITY, Role.LEADERSHIP},
    Perm.HANDLE_RECORD: DESK_ROLES,
    Perm.PROCESS_WORK_ORDER: frozenset({Role.DEPARTMENT_STAFF, Role.DEPARTMENT_HEAD}),
}


def permissions_of(role: str) -> frozenset[str]:
    return frozenset(perm for perm, roles in PERMISSIONS.items() if role in roles)


def is_company_role(role: str) -> bool:
    return role in COMPANY_ROLES

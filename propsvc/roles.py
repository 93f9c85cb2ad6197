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


ALL_STAFF = frozenset(Role)

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
    IMPORT_ROSTER = "archives.import_roster"
    REQUEST_LOOKUP = "archives.request_lookup"
    APPROVE_LOOKUP = "archives.approve_lookup"
    REGISTER_LOOKUP = "archives.register_lookup"
    EDIT_ARCHIVE = "archives.edit_archive"
    VIEW_ACCESS_LOG = "archives.view_access_log"
    LOG_CONTACT = "reception.log_contact"
    VIEW_RECORDS = "reception.view_records"
    HANDLE_RECORD = "reception.handle_record"
    PROCESS_WORK_ORDER = "reception.process_work_order"
    REGISTER_COMPLAINT = "complaints.register_complaint"
    VIEW_COMPLAINTS = "complaints.view_complaints"
    HANDLE_COMPLAINT = "complaints.handle_complaint"
    REPORT_COMPLAINT_RESULT = "complaints.report_result"
    SIGN_OFF_COMPLAINT = "complaints.sign_off_complaint"
    ISSUE_COMPLAINT_ORDER = "complaints.issue_complaint_order"
    CALL_BACK = "complaints.call_back"
    VIEW_STATISTICS = "complaints.view_statistics"
    REGISTER_VIOLATION = "violations.register_violation"
    VIEW_VIOLATIONS = "violations.view_violations"
    PERSUADE_OWNER = "violations.persuade_owner"
    HANDLE_VIOLATION = "violations.handle_violation"
    REINSPECT_VIOLATION = "violations.reinspect_violation"
    SIGN_PENALTY = "violations.sign_penalty"
    FOLLOW_UP_OWNER = "violations.follow_up_owner"
    VIEW_CHARGES = "violations.view_charges"
    VIEW_VIOLATION_STATISTICS = "violations.view_violation_statistics"
    RECORD_VISIT = "surveys.record_visit"
    VIEW_VISITS = "surveys.view_visits"
    PREPARE_VISIT_SUMMARY = "surveys.prepare_visit_summary"
    REVIEW_VISIT_SUMMARY = "surveys.review_visit_summary"
    ANSWER_SUGGESTION = "surveys.answer_suggestion"
    MANAGE_QUESTIONNAIRE = "surveys.manage_questionnaire"
    RUN_SURVEY = "surveys.run_survey"
    VIEW_SURVEYS = "surveys.view_surveys"
    PUBLISH_NOTICE = "surveys.publish_notice"
    MANAGE_CALENDAR = "propsvc.manage_calendar"
    VIEW_AUDIT_TRAIL = "propsvc.view_audit_trail"


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

# Who handles complaints (R-CMP-5): the property supervisor, the CS center manager, quality.
HANDLER_ROLES = frozenset({Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER, Role.QUALITY})

# Everyone who works in a community (and the administrator): any of them who sees a violation
# persuades the owner to stop and may register it (R-VIO-5).
COMMUNITY_STAFF = (ALL_STAFF - COMPANY_ROLES) | {Role.ADMIN}

# R-VIO-6: only the property company manager (a leadership member) or the CS center manager
# may decide a penalty.
PENALTY_SIGNERS = frozenset({Role.CS_MANAGER, Role.LEADERSHIP})

PERMISSIONS: dict[str, frozenset[str]] = {
    # The register: unit, owner name and masked phone — what the front desk needs.
    Perm.VIEW_REGISTER: ALL_STAFF,
    # Use of the unit (自住/出租/空置/装修中): front desk, stewards and the archive keepers.
    Perm.CHANGE_UNIT: frozenset(
        {Role.RECEPTIONIST, Role.AREA_STEWARD, Role.ARCHIVIST, Role.CS_MANAGER, Role.ADMIN}
    ),
    # A change of owner (过户) is written into the archive (R-ARC-3).
    Perm.TRANSFER_OWNERSHIP: frozenset({Role.ARCHIVIST, Role.CS_MANAGER, Role.ADMIN}),
    # The roster of a new community arrives from Excel (buildings, units, owners): the CS center
    # manager, the archivist, the administrator.
    Perm.IMPORT_ROSTER: frozenset({Role.ARCHIVIST, Role.CS_MANAGER, Role.ADMIN}),
    # Confidential archives (R-ARC-4): any staff member may ask for a look-up; the CS center manager
    # approves it; the archivist registers it, which opens the window. Inside a window the archivist
    # and the CS center manager may also write into the archive (R-ARC-3). Managers read the log.
    Perm.REQUEST_LOOKUP: ALL_STAFF,
    Perm.APPROVE_LOOKUP: frozenset({Role.CS_MANAGER}),
    Perm.REGISTER_LOOKUP: frozenset({Role.ARCHIVIST}),
    Perm.EDIT_ARCHIVE: frozenset({Role.ARCHIVIST, Role.CS_MANAGER}),
    Perm.VIEW_ACCESS_LOG: frozenset({Role.CS_MANAGER, Role.LEADERSHIP, Role.ADMIN}),
    # Reception (R-REC-*): the desk and the customer-service line log and follow up contacts;
    # leadership and quality read them; departments see their own work orders only.
    Perm.LOG_CONTACT: DESK_ROLES,
    Perm.VIEW_RECORDS: DESK_ROLES | {Role.QUALITY, Role.LEADERSHIP},
    Perm.HANDLE_RECORD: DESK_ROLES,
    Perm.PROCESS_WORK_ORDER: frozenset({Role.DEPARTMENT_STAFF, Role.DEPARTMENT_HEAD}),
    # Complaints (R-CMP-*, R-CB-*). These say which roles may do a kind of thing at all;
    # complaints.services then narrows by the complaint: general ones are the property
    # supervisor's (or the CS center manager's), serious and major ones the CS center manager's,
    # those about the company the quality department's (R-CMP-5); sign-off only by a head of the
    # responsible department (R-CMP-6); call-backs on major complaints by the manager (R-CB-1).
    # Department staff and heads see only their department's complaints (and those they are
    # assigned to fix); the solver among them reports the result.
    Perm.REGISTER_COMPLAINT: DESK_ROLES | {Role.QUALITY},
    Perm.VIEW_COMPLAINTS: DESK_ROLES | {Role.QUALITY, Role.LEADERSHIP} | DEPARTMENT_ROLES,
    Perm.HANDLE_COMPLAINT: HANDLER_ROLES,
    Perm.REPORT_COMPLAINT_RESULT: HANDLER_ROLES | {Role.DEPARTMENT_HEAD, Role.DEPARTMENT_STAFF},
    Perm.SIGN_OFF_COMPLAINT: frozenset({Role.DEPARTMENT_HEAD}),
    Perm.ISSUE_COMPLAINT_ORDER: HANDLER_ROLES | {Role.LEADERSHIP},
    Perm.CALL_BACK: frozenset(
        {Role.RECEPTIONIST, Role.PROPERTY_SUPERVISOR, Role.CS_SUPERVISOR, Role.CS_MANAGER}
    ),
    # Monthly complaint and call-back statistics (R-CMP-9, R-CB-5): the property supervisor for
    # their communities, the CS center manager for theirs, quality and leadership company-wide.
    Perm.VIEW_STATISTICS: frozenset(
        {Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER, Role.QUALITY, Role.LEADERSHIP}
    ),
    # Violations (R-VIO-*). Any staff member who sees one registers it and persuades the owner
    # (R-VIO-5, R-VIO-6: other staff may only persuade). The property supervisor handles general
    # ones on site, the CS center manager and the company's superiors (leadership) major ones
    # (violations.services narrows by severity); stewards re-inspect on patrol. A penalty takes
    # effect only when a PENALTY_SIGNER signs it. The CS line reaches out to the owner afterwards.
    # Finance receives the monthly charges; the CS center manager keeps the copy.
    Perm.REGISTER_VIOLATION: COMMUNITY_STAFF,
    Perm.VIEW_VIOLATIONS: ALL_STAFF,
    Perm.PERSUADE_OWNER: COMMUNITY_STAFF,
    Perm.HANDLE_VIOLATION: frozenset({Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER, Role.LEADERSHIP}),
    Perm.REINSPECT_VIOLATION: frozenset(
        {Role.AREA_STEWARD, Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER, Role.LEADERSHIP}
    ),
    Perm.SIGN_PENALTY: PENALTY_SIGNERS,
    Perm.FOLLOW_UP_OWNER: frozenset(
        {Role.RECEPTIONIST, Role.PROPERTY_SUPERVISOR, Role.CS_SUPERVISOR, Role.CS_MANAGER}
    ),
    Perm.VIEW_CHARGES: frozenset({Role.FINANCE, Role.CS_MANAGER, Role.LEADERSHIP}),
    Perm.VIEW_VIOLATION_STATISTICS: frozenset(
        {Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER, Role.QUALITY, Role.LEADERSHIP}
    ),
    # Monthly owner visits (R-VIS-1 … R-VIS-4): the CS supervisor visits (the CS center manager and the
    # property supervisor may visit too) and prepares the month's summary; the service center head
    # (the CS center manager) decides on its suggestions and submits it; the quality department (the
    # company complaint center, which receives what is passed on) and the leadership read them.
    Perm.RECORD_VISIT: frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROPERTY_SUPERVISOR}),
    Perm.VIEW_VISITS: frozenset(
        {Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROPERTY_SUPERVISOR, Role.QUALITY, Role.LEADERSHIP}
    ),
    Perm.PREPARE_VISIT_SUMMARY: frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER}),
    Perm.REVIEW_VISIT_SUMMARY: frozenset({Role.CS_MANAGER}),
    # The suggestion box (R-COM-1): the customer-service line reads and answers it within 24 hours.
    Perm.ANSWER_SUGGESTION: frozenset(
        {Role.RECEPTIONIST, Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROPERTY_SUPERVISOR}
    ),
    # Satisfaction surveys (R-SUR-1 … R-SUR-7): the quality department keeps the company's
    # questionnaire (with the administrator); the CS supervisor and the CS center manager run a
    # community's round — send it, enter the paper returns, finish the statistics, publish the
    # measures and send the copy to quality; quality and the leadership read every round.
    Perm.MANAGE_QUESTIONNAIRE: frozenset({Role.QUALITY, Role.ADMIN}),
    Perm.RUN_SURVEY: frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER}),
    Perm.VIEW_SURVEYS: frozenset(
        {Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROPERTY_SUPERVISOR, Role.QUALITY, Role.LEADERSHIP}
    ),
    # Bulletin-board notices (R-COM-2): the customer-service line and the property supervisor write
    # and publish them (cuts, fee accounts, other notices); every staff member can read them.
    Perm.PUBLISH_NOTICE: frozenset({Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROPERTY_SUPERVISOR}),
    # The working-day calendar (propsvc/workdays.py): the system administrator enters each new
    # year's official holiday schedule and corrects a year (company level, every community).
    Perm.MANAGE_CALENDAR: frozenset({Role.ADMIN}),
    # The audit trail (/audit/, issue 11): the CS center manager reads their own communities' entries;
    # leadership and the administrator read everything, company-level entries included (logins, role
    # changes without a community, retention removals).
    Perm.VIEW_AUDIT_TRAIL: frozenset({Role.CS_MANAGER, Role.LEADERSHIP, Role.ADMIN}),
}


def permissions_of(role: str) -> frozenset[str]:
    return frozenset(perm for perm, roles in PERMISSIONS.items() if role in roles)


def is_company_role(role: str) -> bool:
    return role in COMPANY_ROLES

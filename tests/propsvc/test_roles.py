"""The role matrix (propsvc.roles): who may do what, per community."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from propsvc.roles import COMPANY_ROLES, PERMISSIONS, Perm, Role, permissions_of
from propsvc.tenancy import forget_memberships
from tests.factories import MembershipFactory, UnitFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]

DESK = {
    Role.RECEPTIONIST,
    Role.AREA_STEWARD,
    Role.PROPERTY_SUPERVISOR,
    Role.CS_SUPERVISOR,
    Role.CS_MANAGER,
    Role.ADMIN,
}

EXPECTED = {
    Perm.VIEW_REGISTER: set(Role),
    Perm.CHANGE_UNIT: {Role.RECEPTIONIST, Role.AREA_STEWARD, Role.ARCHIVIST, Role.CS_MANAGER, Role.ADMIN},
    Perm.TRANSFER_OWNERSHIP: {Role.ARCHIVIST, Role.CS_MANAGER, Role.ADMIN},
    Perm.LOG_CONTACT: DESK,
    Perm.VIEW_RECORDS: DESK | {Role.QUALITY, Role.LEADERSHIP},
    Perm.HANDLE_RECORD: DESK,
    Perm.PROCESS_WORK_ORDER: {Role.DEPARTMENT_STAFF, Role.DEPARTMENT_HEAD},
    # R-VIO-5, R-VIO-6: anyone in the community registers and persuades; only the CS center manager and
    # the property company manager (leadership) sign a penalty.
    Perm.REGISTER_VIOLATION: (set(Role) - COMPANY_ROLES) | {Role.ADMIN},
    Perm.PERSUADE_OWNER: (set(Role) - COMPANY_ROLES) | {Role.ADMIN},
    Perm.HANDLE_VIOLATION: {Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER, Role.LEADERSHIP},
    Perm.REINSPECT_VIOLATION: {Role.AREA_STEWARD, Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER, Role.LEADERSHIP},
    Perm.SIGN_PENALTY: {Role.CS_MANAGER, Role.LEADERSHIP},
    Perm.FOLLOW_UP_OWNER: {Role.RECEPTIONIST, Role.PROPERTY_SUPERVISOR, Role.CS_SUPERVISOR, Role.CS_MANAGER},
    Perm.VIEW_CHARGES: {Role.FINANCE, Role.CS_MANAGER, Role.LEADERSHIP},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("perm", list(EXPECTED))
def test_it_grants_each_permission_to_exactly_the_matrix_roles(db, community_a, role, perm):
    user = UserFactory()
    community = None if role in COMPANY_ROLES else community_a
    department = None
    if role in (Role.DEPARTMENT_STAFF, Role.DEPARTMENT_HEAD):
        from tests.factories import DepartmentFactory

        department = DepartmentFactory(community=community_a, kind="engineering")
    MembershipFactory(user=user, community=community, role=role, department=department)
    unit = UnitFactory(building__community=community_a)
    assert user.has_perm(perm, unit) is (role in EXPECTED[perm])


def test_it_grants_nothing_in_a_community_where_the_user_has_no_role(dave, unit_b):
    assert dave.has_perm(Perm.TRANSFER_OWNERSHIP) is True  # somewhere
    assert dave.has_perm(Perm.TRANSFER_OWNERSHIP, unit_b) is False  # not in B
    assert dave.has_perm(Perm.VIEW_REGISTER, unit_b) is False


def test_it_follows_the_role_held_in_each_community(db, community_a, community_b):
    user = UserFactory()
    MembershipFactory(user=user, community=community_a, role=Role.ARCHIVIST)
    MembershipFactory(user=user, community=community_b, role=Role.RECEPTIONIST)
    forget_memberships(user)
    assert user.has_perm(Perm.TRANSFER_OWNERSHIP, community_a)
    assert not user.has_perm(Perm.TRANSFER_OWNERSHIP, community_b)


def test_it_gives_a_user_without_membership_no_permission(bob, unit_a):
    assert bob.get_all_permissions() == set()
    assert not bob.has_perm(Perm.VIEW_REGISTER)


def test_it_mirrors_the_matrix_into_one_group_per_role(db):
    for role in Role:
        group = Group.objects.get(name=f"role:{role.value}")
        in_db = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert in_db == set(permissions_of(role)), role


def test_it_writes_the_same_matrix_in_the_architecture_doc():
    """docs/ARCHITECTURE.md prints the matrix; it must not drift from the code."""
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for perm, roles in PERMISSIONS.items():
        row = next((line for line in doc.splitlines() if f"`{perm}`" in line), None)
        assert row is not None, f"{perm} missing from docs/ARCHITECTURE.md"
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        header = next(line for line in doc.splitlines() if line.startswith("| permission |"))
        names = [c.strip() for c in header.strip().strip("|").split("|")]
        granted = {names[i] for i, cell in enumerate(cells) if cell == "✓"}
        assert granted == {r.value for r in roles}, perm
    assert re.search(r"company-level", doc)

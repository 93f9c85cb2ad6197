"""Authentication backend: Django's password login, permissions from memberships.

A permission asked about an object (a Community, or anything with a community_id)
is answered from the roles the user holds in that community plus company-level
roles; asked without an object, from every role the user holds anywhere.
"""

from django.contrib.auth.backends import ModelBackend

from propsvc.models import Community
from propsvc.roles import permissions_of
from propsvc.tenancy import roles_of


def _community_id(obj) -> int | None:
    if obj is None:
        return None
    if isinstance(obj, Community):
        return obj.pk
    return getattr(obj, "community_id", None)


class MembershipBackend(ModelBackend):
    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        community_id = _community_id(obj)
        if obj is not None and community_id is None:
            return set()
        perms: set[str] = set()
        for role in roles_of(user_obj, community_id=community_id):
            perms |= permissions_of(role)
        return perms

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)

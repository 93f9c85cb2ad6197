"""Who sees which community — the rule behind every `visible_to(user)`.

A user's memberships are read once per user object (one query) and reused by
the scoped querysets, the auth backend and the header's community switcher.
"""

from functools import cached_property

from propsvc.models import Community, Membership
from propsvc.roles import COMPANY_ROLES

ALL = object()  # sentinel: the user sees every community
SESSION_KEY = "propsvc_community"
ALL_CHOICE = "all"

_CACHE_ATTR = "_propsvc_memberships"


def memberships_of(user) -> list[Membership]:
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("community", "department"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user) -> None:
    """Drop the cached memberships (after they change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def community_scope(user):
    """ALL, or the frozenset of community ids the user may see."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return ALL
    memberships = memberships_of(user)
    if any(m.role in COMPANY_ROLES for m in memberships):
        return ALL
    return frozenset(m.community_id for m in memberships if m.community_id)


def roles_of(user, *, community_id: int | None = None) -> set[str]:
    """The user's roles: everywhere (community_id None) or those that apply in one community."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    return {
        m.role for m in memberships_of(user) if community_id is None or m.community_id in (None, community_id)
    }


def department_ids_of(user, *, community_id: int | None = None) -> set[int]:
    return {
        m.department_id
        for m in memberships_of(user)
        if m.department_id and (community_id is None or m.community_id in (None, community_id))
    }


class Workplace:
    """The header's view of the user: visible communities and the current one.

    `current` is a Community, or None for "all communities". Lists narrow to
    `current_ids` (None = no narrowing beyond visible_to).
    """

    def __init__(self, request):
        self._request = request
        self.user = request.user

    @property
    def memberships(self) -> list[Membership]:
        return memberships_of(self.user)

    @cached_property
    def communities(self) -> list[Community]:
        if not self.user.is_authenticated:
            return []
        return list(Community.objects.visible_to(self.user).only("id", "name", "code"))

    @cached_property
    def current(self) -> Community | None:
        communities = self.communities
        if not communities:
            return None
        chosen = self._request.session.get(SESSION_KEY)
        if chosen == ALL_CHOICE and len(communities) > 1:
            return None
        for community in communities:
            if community.pk == chosen:
                return community
        if chosen is None and community_scope(self.user) is ALL and len(communities) > 1:
            return None  # company-level staff start with the whole company
        return communities[0]

    @property
    def is_all(self) -> bool:
        return self.current is None

    @property
    def current_ids(self) -> list[int] | None:
        return None if self.current is None else [self.current.pk]

    @property
    def can_switch(self) -> bool:
        return len(self.communities) > 1

    def choose(self, value: str) -> bool:
        """Store the header choice; False if the value is not a community the user may see."""
        if value == ALL_CHOICE and self.can_switch:
            self._request.session[SESSION_KEY] = ALL_CHOICE
            return True
        for community in self.communities:
            if str(community.pk) == value:
                self._request.session[SESSION_KEY] = community.pk
                return True
        return False

"""The core every app shares: communities, departments, memberships, notifications."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from propsvc.roles import COMPANY_ROLES, DEPARTMENT_ROLES, Role


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class CommunityScopedQuerySet(models.QuerySet):
    """The one scoped entry point for reads of community-owned rows.

    `community_lookup` is the path from the model to its Community; every
    community-owned model's manager is built from this queryset.
    """

    community_lookup = "community"

    def visible_to(self, user):
        from propsvc.tenancy import ALL, community_scope

        scope = community_scope(user)
        if scope is ALL:
            return self
        return self.filter(**{f"{self.community_lookup}__in": scope})

    def in_communities(self, communities):
        """Narrow to the header's current community (None means every visible one)."""
        if communities is None:
            return self
        return self.filter(**{f"{self.community_lookup}__in": communities})


def scoped_manager(lookup: str = "community"):
    queryset_class = type("ScopedQuerySet", (CommunityScopedQuerySet,), {"community_lookup": lookup})
    return queryset_class.as_manager()


class CommunityQuerySet(CommunityScopedQuerySet):
    community_lookup = "pk"


class Community(TimeStampedModel):
    """A managed community (小区 / 项目)."""

    name = models.CharField(_("community name"), max_length=100, unique=True)
    code = models.SlugField(_("community code"), max_length=20, unique=True)
    address = models.CharField(_("address"), max_length=200)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("archives:community", args=[self.pk])


class Department(TimeStampedModel):
    """A department of one community, or of the company (community empty)."""

    class Kind(models.TextChoices):
        CUSTOMER_SERVICE = "customer_service", _("Customer service department")
        ENGINEERING = "engineering", _("Engineering department")
        SECURITY = "security", _("Security department")
        CLEANING = "cleaning", _("Cleaning department")
        GREENING = "greening", _("Greening department")
        QUALITY = "quality", _("Quality department")
        FINANCE = "finance", _("Finance department")

    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departments",
        help_text=_("Leave empty for a company-level department."),
    )
    kind = models.CharField(_("department type"), max_length=30, choices=Kind.choices)

    objects = scoped_manager()

    class Meta:
        ordering = ["community__name", "kind"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "kind"],
                name="department_one_kind_per_community",
                condition=Q(community__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["kind"], name="department_one_kind_for_company", condition=Q(community__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        where = self.community.name if self.community_id else _("Company")
        return f"{where} · {self.get_kind_display()}"

    @property
    def is_company_level(self) -> bool:
        return self.community_id is None


class MembershipQuerySet(CommunityScopedQuerySet):
    def visible_to(self, user):
        # A company-level membership (community empty) is visible to company-level staff only.
        from propsvc.tenancy import ALL, community_scope

        scope = community_scope(user)
        if scope is ALL:
            return self
        return self.filter(community__in=scope)


class Membership(TimeStampedModel):
    """A user's role in one community, or a company-level role (community empty)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text=_("Leave empty for a company-level role."),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["community__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community", "role"],
                name="membership_unique_role_per_community",
                condition=Q(community__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                name="membership_unique_company_role",
                condition=Q(community__isnull=True),
            ),
            models.CheckConstraint(
                condition=(Q(role__in=sorted(COMPANY_ROLES)) & Q(community__isnull=True))
                | (~Q(role__in=sorted(COMPANY_ROLES)) & Q(community__isnull=False)),
                name="membership_company_roles_have_no_community",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=sorted(DEPARTMENT_ROLES)) | Q(department__isnull=False),
                name="membership_department_roles_name_a_department",
            ),
        ]

    def __str__(self) -> str:
        where = self.community.name if self.community_id else _("Company")
        return f"{self.user} · {where} · {self.get_role_display()}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.role in COMPANY_ROLES and self.community_id:
            errors["community"] = _("A company-level role belongs to no single community; leave it empty.")
        if self.role and self.role not in COMPANY_ROLES and not self.community_id:
            errors["community"] = _("Choose the community this role works in.")
        if self.role in DEPARTMENT_ROLES and not self.department_id:
            errors["department"] = _("Department staff and heads must name their department.")
        if self.department_id and self.department.community_id not in (None, self.community_id):
            errors["department"] = _("The department must belong to the same community.")
        if errors:
            raise ValidationError(errors)


class Notification(models.Model):
    """A message to one staff member, shown in the notification centre (通知中心)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.CharField(_("text"), max_length=500)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

"""The core every app shares: communities, departments, memberships, notifications, deadlines."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
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
    # An email copy is queued when the message is created (email_pending) and sent by the sweep,
    # which claims it with a conditional UPDATE first so it is never mailed twice.
    email_pending = models.BooleanField(_("email pending"), default=False)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
            models.Index(fields=["id"], name="notification_email_pending", condition=Q(email_pending=True)),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Deadline(TimeStampedModel):
    """One obligation with a due time — the ledger every app writes to (DESIGN.md "Deadlines and reminders").

    The case is a generic reference (content type + id) so the core imports no app. The sweep
    (services.deadline_sweep) claims due rows with a conditional UPDATE and a fresh token, so a
    reminder is never sent twice; a row that has not been claimed stays due until a scan runs.
    """

    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="deadlines",
        db_index=False,  # covered by deadline_report, which leads with community_id
    )
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("case type"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by deadline_case
    )
    object_id = models.PositiveBigIntegerField(_("case id"))
    case = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    link = models.CharField(_("link"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warn at"))
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deadlines",
    )
    responsible_department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deadlines",
    )
    escalate_role = models.CharField(_("escalate to"), max_length=30, blank=True, choices=Role.choices)
    warned_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    warn_token = models.UUIDField(null=True, blank=True, editable=False)
    breached_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)
    breach_token = models.UUIDField(null=True, blank=True, editable=False)
    # A paused row (the case waits on the owner) is skipped by the sweep; resuming moves due_at
    # and warn_at on by the paused time (deadline_resume), so paused time does not count.
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("met by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = scoped_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            # The sweep's two scans read only open, unclaimed rows: small partial indexes stay cheap
            # at millions of cases.
            models.Index(
                fields=["warn_at"],
                name="deadline_open_warn",
                condition=Q(met_at__isnull=True, warned_at__isnull=True),
            ),
            models.Index(
                fields=["due_at"],
                name="deadline_open_due",
                condition=Q(met_at__isnull=True, breached_at__isnull=True),
            ),
            models.Index(fields=["content_type", "object_id"], name="deadline_case"),
            models.Index(
                fields=["responsible_user", "due_at"],
                name="deadline_user_open",
                condition=Q(met_at__isnull=True),
            ),
            models.Index(
                fields=["responsible_department", "due_at"],
                name="deadline_department_open",
                condition=Q(met_at__isnull=True),
            ),
            # On-time rates per community, kind and period (statistics read the same ledger).
            models.Index(fields=["community", "kind", "due_at"], name="deadline_report"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(warn_at__lte=F("due_at")), name="deadline_warn_not_after_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.met_at is None

    @property
    def is_overdue(self) -> bool:
        return self.met_at is None and self.paused_at is None and self.due_at < timezone.now()

    @property
    def met_late(self) -> bool:
        return self.met_at is not None and self.met_at > self.due_at


class StaffPreference(TimeStampedModel):
    """How a staff member wants to hear about things (one row per user, created on first change)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="staff_preference",
    )
    escalation_digest = models.BooleanField(
        _("escalations as an hourly digest"),
        default=False,
        help_text=_("Receive overdue escalations once an hour in one message instead of one by one."),
    )

    class Meta:
        verbose_name = _("staff preference")
        verbose_name_plural = _("staff preferences")

    def __str__(self) -> str:
        return str(self.user)


class DigestItem(models.Model):
    """An escalation held back for a recipient who chose the hourly digest (services.digest_send)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="digest_items",
        db_index=False,  # covered by digest_item_unsent and digest_item_recipient
    )
    text = models.CharField(_("text"), max_length=500)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("digest item")
        verbose_name_plural = _("digest items")
        indexes = [
            models.Index(fields=["created_at"], name="digest_item_unsent", condition=Q(sent_at__isnull=True)),
            models.Index(fields=["recipient", "created_at"], name="digest_item_recipient"),
        ]

    def __str__(self) -> str:
        return self.text


class AuditEntryQuerySet(CommunityScopedQuerySet):
    """Append-only: no bulk update or delete through the ORM (and a trigger on PostgreSQL).

    visible_to(user): a community's entries to its staff; entries without a community (logins,
    company roles, retention sweeps) only to company-level staff. The audit page narrows further to
    where the reader holds propsvc.view_audit_trail (propsvc.selectors.audit_entry_list).
    """

    def update(self, **kwargs):
        raise AuditEntry.Immutable("audit entries cannot be changed")

    def delete(self):
        raise AuditEntry.Immutable("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """One sensitive action (a retention removal, …): who, when, what, from where. Append-only.

    `data` holds counts and ids, never personal data. Written by propsvc.services.audit_write.
    """

    class Immutable(Exception):
        pass

    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the system (a scheduled job)."),
    )
    kind = models.CharField(_("action"), max_length=50)
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["kind", "-at"], name="audit_kind_at"),
            models.Index(fields=["community", "-at"], name="audit_community_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["-at", "-id"], name="audit_at"),
        ]
        permissions = [("view_audit_trail", _("Can read the audit trail"))]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.Immutable("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.Immutable("audit entries cannot be deleted")


# -- the working-day calendar (DESIGN.md "Deadlines and reminders"; reads in propsvc/workdays.py) ----


class CalendarYear(models.Model):
    """One year of the official holiday schedule (国务院办公厅 放假安排) — a year is known only with this row.

    Its CalendarDay rows are the exceptions to "Monday–Friday work, weekends off": public holidays
    that fall on a weekday and adjusted workdays (调休上班日) that fall on a weekend. 2004–2026 are
    seeded from the chinesecalendar package (entered_by empty); later years, and corrections, are
    entered in the app (propsvc.calendar.calendar_year_enter).
    """

    class Source(models.TextChoices):
        CHINESECALENDAR = "chinesecalendar", _("Seeded from the chinesecalendar package")
        ENTERED = "entered", _("Entered in the app")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.ENTERED)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the years seeded from the chinesecalendar package."),
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        permissions = [("manage_calendar", _("Can enter the working-day calendar"))]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that breaks the weekly rule: a weekday off (法定节假日) or a weekend worked (调休上班日).

    Plain weekends and plain weekdays are not stored.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKDAY = "workday", _("Adjusted workday")

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            # ISO weekday 1–5 is Monday–Friday: a holiday is a weekday off, an adjusted workday a weekend.
            models.CheckConstraint(
                condition=Q(kind="holiday", date__iso_week_day__lte=5)
                | Q(kind="workday", date__iso_week_day__gte=6),
                name="calendar_day_kind_matches_weekday",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class CalendarReminder(models.Model):
    """Marker of one reminder round to the administrators to enter a year's schedule.

    The unique (year, round_start) pair is the claim (STYLE 16): the reminder task inserts it in
    the same transaction as the notifications, so a rerun or a second worker sends nothing twice.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    round_start = models.DateField(_("round started on"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("calendar reminder")
        verbose_name_plural = _("calendar reminders")
        constraints = [
            models.UniqueConstraint(fields=["year", "round_start"], name="calendar_reminder_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.round_start:%Y-%m-%d}"


class LoginFailure(models.Model):
    """One failed login: the username typed (lower case) and the client's address.

    propsvc.lockout counts these rows: 5 within 15 minutes for one username, or for one address,
    lock that username or address for 15 minutes. A successful login deletes its username's rows;
    rows older than a day are pruned as new ones are written. Not an audit record (that is
    AuditEntry, written alongside): these rows are deleted.
    """

    username = models.CharField(_("username"), max_length=150)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    # Written before the password is checked (propsvc.lockout): still being checked, not yet failed.
    pending = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["at"]
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [
            models.Index(fields=["username", "at"], name="login_failure_username_at"),
            models.Index(fields=["address", "at"], name="login_failure_address_at"),
            models.Index(fields=["at"], name="login_failure_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} · {self.address or '-'} · {self.at:%Y-%m-%d %H:%M}"


# -- background exports (issue 10; the registry and the job's steps are in propsvc/export_jobs.py) ----


class ExportJob(models.Model):
    """One large Excel export, written by a Celery worker and downloaded by the staff member who
    asked for it (and nobody else) for PROPSVC_EXPORT_KEEP_HOURS (24 h).

    `kind` names an exporter an app registered (propsvc.export_jobs.register), so the core imports
    no app; `params` holds the list's resolved filters, enough to rebuild the same rows for that
    user, who is scoped again (visible_to, permissions) when the job runs. The file lives under
    MEDIA_ROOT (never under static) with a random name; `file_name` is what the browser is told.
    The worker claims a queued job with a conditional UPDATE, so a duplicate delivery writes nothing.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("export status", "Queued")
        RUNNING = "running", pgettext_lazy("export status", "Exporting")
        DONE = "done", pgettext_lazy("export status", "Done")
        FAILED = "failed", pgettext_lazy("export status", "Failed")
        EXPIRED = "expired", pgettext_lazy("export status", "Expired")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    kind = models.CharField(_("export"), max_length=40)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    file_name = models.CharField(_("file name"), max_length=200)
    stored_path = models.CharField(_("stored file"), max_length=200, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The last time the job was handed to the broker (None: the hand-over failed); the sweep hands
    # a queued job over again when this is empty or old (propsvc.export_jobs.export_sweep).
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="export_job_mine"),
            models.Index(
                fields=["created_at"],
                name="export_job_waiting",
                condition=Q(status__in=["queued", "running"]),
            ),
            models.Index(fields=["expires_at"], name="export_job_done", condition=Q(status="done")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(status__in=["done", "expired"]),
                name="export_job_expires_only_when_done",
            ),
        ]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("export-detail", args=[self.pk])

    @property
    def is_waiting(self) -> bool:
        """Queued or running: the page keeps polling."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status in (self.Status.DONE, self.Status.EXPIRED):
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.rows_written * 100 // self.total_rows)

    @property
    def progress_text(self) -> str:
        """已导出 12,000 / 100,000 行 (thousands grouped with commas, as staff write row counts)."""
        return gettext("Exported %(written)s of %(total)s rows") % {
            "written": f"{self.rows_written:,}",
            "total": f"{self.total_rows:,}",
        }

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.DONE and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

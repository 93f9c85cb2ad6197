"""Complaints (业户投诉) and call-backs (回访): DOMAIN.md R-CMP-1 … R-CMP-8, R-CB-1 … R-CB-6.

A Complaint is a state machine (DESIGN.md "The flow of one matter"); `status` changes only
through complaints.services, which writes the timeline (ComplaintEvent) and the ledger
deadlines (propsvc.Deadline) in the same transaction. Each call-back is a Callback row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from archives.models import Owner, Unit
from propsvc.models import Community, CommunityScopedQuerySet, Department, TimeStampedModel
from reception.models import Channel, ReceptionRecord


class Category(models.TextChoices):
    FACILITIES = "facilities", _("Facilities and equipment")
    CLEANING = "cleaning", _("Cleaning and greening")
    SECURITY = "security", _("Security and order")
    SERVICE = "service", _("Customer service")
    FEES = "fees", _("Fees")
    RENOVATION = "renovation", pgettext_lazy("complaint category", "Renovation")
    NEIGHBOURS = "neighbours", _("Neighbour disputes")
    COMPANY = "company", _("The company itself")


# The department that usually answers for each category (the form's default; staff may change it).
# R-CMP-5: a complaint about the company as a whole goes to the company's quality department.
CATEGORY_DEPARTMENT = {
    Category.FACILITIES: Department.Kind.ENGINEERING,
    Category.CLEANING: Department.Kind.CLEANING,
    Category.SECURITY: Department.Kind.SECURITY,
    Category.SERVICE: Department.Kind.CUSTOMER_SERVICE,
    Category.FEES: Department.Kind.CUSTOMER_SERVICE,
    Category.RENOVATION: Department.Kind.ENGINEERING,
    Category.NEIGHBOURS: Department.Kind.CUSTOMER_SERVICE,
    Category.COMPANY: Department.Kind.QUALITY,
}


class Severity(models.TextChoices):
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    MAJOR = "major", _("Major")


# R-CMP-5: "important" complaints (serious and major) are the CS center manager's.
IMPORTANT = frozenset({Severity.SERIOUS, Severity.MAJOR})


class Validity(models.TextChoices):
    VALID = "valid", _("Valid complaint")
    INVALID = "invalid", _("Invalid complaint")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class ComplaintQuerySet(CommunityScopedQuerySet):
    def open(self):
        return self.exclude(status=Complaint.Status.CLOSED)


class Complaint(TimeStampedModel):
    """One line of the 顾客投诉处理记录表 (R-CMP-2)."""

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("complaint status", "Awaiting triage")
        PROCESSING = "processing", pgettext_lazy("complaint status", "Being handled")
        PAUSED = "paused", pgettext_lazy("complaint status", "Clock paused")
        UNSOLVABLE = "unsolvable", pgettext_lazy("complaint status", "Cannot be solved yet")
        RESOLVED = "resolved", pgettext_lazy("complaint status", "Awaiting sign-off")
        SIGNED_OFF = "signed_off", pgettext_lazy("complaint status", "Awaiting the owner's answer")
        ACCEPTED = "accepted", pgettext_lazy("complaint status", "Awaiting call-back")
        CLOSED = "closed", pgettext_lazy("complaint status", "Closed")

    # The allowed transitions (STYLE.md 3); services refuse any other.
    NEXT = {
        Status.NEW: {Status.PROCESSING, Status.CLOSED},  # triage: valid / invalid (R-CMP-3)
        Status.PROCESSING: {Status.PAUSED, Status.RESOLVED, Status.UNSOLVABLE},
        Status.PAUSED: {Status.PROCESSING},
        Status.UNSOLVABLE: {Status.PROCESSING},  # R-CMP-8: taken up again
        Status.RESOLVED: {Status.SIGNED_OFF, Status.PROCESSING},  # R-CMP-6: signed off or sent back
        Status.SIGNED_OFF: {Status.ACCEPTED, Status.PROCESSING},  # R-CMP-7: accepted, or a new plan
        Status.ACCEPTED: {Status.CLOSED, Status.PROCESSING},  # R-CB-4: satisfied, or reopened
        Status.CLOSED: set(),
    }

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    record = models.OneToOneField(
        ReceptionRecord,
        verbose_name=_("reception record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaint",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        Owner, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("complainant"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.VISIT)
    subject = models.CharField(_("complaint"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    request = models.TextField(_("what the owner asks"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    # R-CMP-2: the staff member apologises on receipt.
    apology_given = models.BooleanField(_("apology given"), default=False)

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(
        _("severity"), max_length=20, choices=Severity.choices, default=Severity.GENERAL
    )
    department = models.ForeignKey(
        Department, verbose_name=_("responsible department"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)

    # R-CMP-3: triage.
    validity = models.CharField(_("validity"), max_length=10, choices=Validity.choices, blank=True)
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("triaged by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    invalid_explanation = models.TextField(_("explanation given to the owner"), blank=True)
    invalid_basis = models.CharField(_("rule or law it rests on"), max_length=300, blank=True)

    # R-REC-3: the first response — who, when, how, what was said.
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    first_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("first response by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    first_response_note = models.TextField(_("first response"), blank=True)

    # R-CMP-5 / R-CB-4: the person assigned to fix it, and the leader's analysis for important ones.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible person"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    reported_to_leader_at = models.DateTimeField(_("reported to the leader at"), null=True, blank=True)
    major_reported_at = models.DateTimeField(_("major complaint reported at"), null=True, blank=True)
    analysis = models.TextField(_("leader's analysis"), blank=True)

    # R-CMP-7: the current plan and its round (a new plan after each rejection by the owner).
    plan = models.TextField(_("plan"), blank=True)
    plan_round = models.PositiveSmallIntegerField(_("plan round"), default=1)

    # R-CMP-6: result and sign-off.
    result = models.TextField(_("result"), blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("result reported by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    result_at = models.DateTimeField(_("result reported at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed off by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)

    # R-CMP-7: the owner's answer.
    owner_told_at = models.DateTimeField(_("owner told at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted by the owner at"), null=True, blank=True)

    # R-CMP-8: cannot be solved — the explanation and the next reply.
    unsolvable_reason = models.TextField(_("explanation given to the owner"), blank=True)
    next_reply_at = models.DateTimeField(_("next reply"), null=True, blank=True)

    # Waiting on the owner: paused time does not count against the 48-hour limit.
    paused_reason = models.CharField(_("reason for the pause"), max_length=200, blank=True)
    paused_seconds = models.PositiveIntegerField(_("time paused (seconds)"), default=0)

    reopen_count = models.PositiveSmallIntegerField(_("reopen count"), default=0)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["community", "-received_at", "-id"], name="complaint_community_received"),
            models.Index(
                fields=["community", "status", "-received_at", "-id"], name="complaint_community_status"
            ),
            models.Index(fields=["department", "status"], name="complaint_department_status"),
            models.Index(fields=["community", "category", "received_at"], name="complaint_category"),
            # "Open at the month's end": not closed, or closed after it (docs/PERFORMANCE.md).
            models.Index(fields=["community", "closed_at"], name="complaint_community_closed"),
            # The open complaints of a community (home page counts, to-do): a few among many closed.
            models.Index(fields=["community"], name="complaint_open", condition=~Q(status="closed")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(status="closed"),
                name="complaint_closed_at_only_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(validity="invalid") | ~Q(invalid_explanation=""),
                name="complaint_invalid_has_explanation",
            ),
        ]
        permissions = [
            ("register_complaint", _("Can register a complaint")),
            ("view_complaints", _("Can view complaints")),
            ("handle_complaint", _("Can triage and handle complaints")),
            ("report_result", _("Can report a complaint's result")),
            ("sign_off_complaint", _("Can sign off a complaint's result")),
            ("issue_complaint_order", _("Can issue a work order for a complaint")),
            ("call_back", _("Can call owners back")),
            ("view_statistics", _("Can view complaint statistics")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def number(self) -> str:
        return f"TS{self.pk:06d}" if self.pk else ""

    @property
    def who(self) -> str:
        if self.contact_name:
            return self.contact_name
        return self.owner.name if self.owner_id else ""

    @property
    def place(self) -> str:
        return self.unit.label if self.unit_id else ""

    @property
    def is_important(self) -> bool:
        return self.severity in IMPORTANT

    def can_become(self, new: str) -> bool:
        return new in self.NEXT.get(self.status, set())

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])


class ComplaintPause(models.Model):
    """One stop of the clock while the complaint waits on the owner (or a part on order)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("reason for the pause"), max_length=200)
    started_at = models.DateTimeField(_("paused at"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(ended_at__isnull=True), name="complaint_one_open_pause"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.started_at:%Y-%m-%d %H:%M}"


class CallbackQuerySet(CommunityScopedQuerySet):
    def due(self):
        return self.filter(status=Callback.Status.PLANNED)


class Callback(TimeStampedModel):
    """A call-back (回访) — the 业户回访记录表 (R-CB-1 … R-CB-6)."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("call-back status", "Planned")
        DONE = "done", pgettext_lazy("call-back status", "Done")
        UNREACHABLE = "unreachable", pgettext_lazy("call-back status", "Unreachable")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="callbacks"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    planned_at = models.DateTimeField(_("call-back time"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("call-back by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    done_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("called back by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    quality_rating = models.CharField(_("quality rating"), max_length=20, choices=Rating.choices, blank=True)
    effect_rating = models.CharField(
        _("service effect rating"), max_length=20, choices=Rating.choices, blank=True
    )
    satisfaction = models.CharField(
        _("satisfaction rating"), max_length=20, choices=Rating.choices, blank=True
    )
    shortcomings = models.TextField(_("shortcomings"), blank=True)
    suggestions = models.TextField(_("owner's suggestions"), blank=True)

    objects = CallbackQuerySet.as_manager()

    class Meta:
        ordering = ["planned_at", "pk"]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        indexes = [
            models.Index(fields=["community", "planned_at"], name="callback_community_planned"),
            # The statistics read the month's recorded call-backs by community (docs/PERFORMANCE.md).
            models.Index(fields=["community", "done_at"], name="callback_community_done"),
            models.Index(fields=["complaint", "planned_at"], name="callback_complaint"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(status="planned"), name="callback_one_planned_per_complaint"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(satisfaction=""), name="callback_done_has_satisfaction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.planned_at:%Y-%m-%d %H:%M}"

    @property
    def is_satisfied(self) -> bool:
        return self.satisfaction in (Rating.SATISFIED, Rating.BASIC)


class ComplaintEvent(models.Model):
    """The complaint's timeline (STYLE.md 5): every transition, with who, when, from, to and note."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=50)  # dotted: "complaint.triaged_valid", "callback.done"
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["complaint", "created_at"], name="complaintevent_timeline")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.complaint_id}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))


EVENT_LABELS = {
    "complaint.registered": _("Complaint registered"),
    "complaint.from_record": _("Taken over from the reception record"),
    "complaint.first_response": _("First response recorded"),
    "complaint.major_reported": _("Major complaint reported at once to the center manager and leadership"),
    "complaint.triaged_valid": _("Triaged: valid complaint"),
    "complaint.triaged_invalid": _("Triaged: invalid complaint, explained to the owner and closed"),
    "complaint.to_quality": _("Passed to the quality department (about the company itself)"),
    "complaint.reported_to_leader": _("Reported to the leader in charge"),
    "complaint.work_order": _("Work order issued"),
    "complaint.paused": _("Clock paused"),
    "complaint.resumed": _("Clock resumed"),
    "complaint.unsolvable": _("Cannot be solved yet: explained, next reply fixed"),
    "complaint.next_reply": _("Owner replied to again; next reply fixed"),
    "complaint.taken_up": _("Taken up again"),
    "complaint.result": _("Result reported"),
    "complaint.signed_off": _("Result signed off by the department head"),
    "complaint.sent_back": _("Result sent back by the department head"),
    "complaint.owner_accepted": _("The owner accepts the solution"),
    "complaint.owner_rejected": _("The owner rejects the solution; new plan made"),
    "complaint.reopened": _("Reopened after the call-back"),
    "complaint.closed": _("Closed"),
    "callback.planned": _("Call-back planned"),
    "callback.unreachable_attempt": _("Call-back: owner could not be reached"),
    "callback.unreachable": _("Call-back recorded as unreachable after three attempts"),
    "callback.done": _("Call-back done"),
    "callback.rescheduled": _("Call-back time changed"),
    "work_order.signed": _("Work order signed for"),
    "work_order.done": _("Work order result recorded"),
}


class MonthlyReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Community reports of the communities the user sees; the company's report to company-level
        staff only."""
        from propsvc.tenancy import ALL, community_scope

        scope = community_scope(user)
        if scope is ALL:
            return self
        return self.filter(community__in=scope)


def _report_path(instance, filename: str) -> str:
    return f"reports/{instance.month:%Y-%m}/{filename}"


class MonthlyReport(TimeStampedModel):
    """The monthly complaint statistics as built on the 1st by Celery beat (R-CMP-9): one file per
    community and month, and one for the whole company (community empty). Rebuilding a month
    replaces its file."""

    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the whole company."),
    )
    month = models.DateField(_("month"))
    file = models.FileField(_("file"), upload_to=_report_path, max_length=200)
    complaints = models.PositiveIntegerField(_("complaints received"), default=0)

    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "community__name"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "month"], name="monthly_report_one_per_community",
                condition=Q(community__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["month"], name="monthly_report_one_for_company", condition=Q(community__isnull=True)
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.community or _('Company')}"

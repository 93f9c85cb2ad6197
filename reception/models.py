"""Reception (接待登记): every owner contact, its outcome, and internal coordination work orders.

DOMAIN.md R-REC-1 … R-REC-7. Each case is a small state machine (DESIGN.md "The flow of one
matter"): `status` changes only through reception.services, which writes the timeline
(ReceptionEvent) and the deadlines (propsvc.Deadline) in the same transaction.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from archives.models import Owner, Unit
from propsvc.models import Community, CommunityScopedQuerySet, Department, TimeStampedModel


class Channel(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    ONLINE = "online", _("Online")
    PATROL = "patrol", _("Patrol")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")


# Channels where the owner is talking to us right now: what the desk says is the first response.
LIVE_CHANNELS = frozenset({Channel.VISIT, Channel.PHONE})


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    REPAIR = "repair", _("Repair")
    COMPLAINT = "complaint", pgettext_lazy("reception kind", "Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")
    OTHER = "other", _("Other")


class ContactType(models.TextChoices):
    OWNER = "owner", _("Owner")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Visitor or other")


class ReplyMethod(models.TextChoices):
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")
    WECHAT = "wechat", _("WeChat")
    SMS = "sms", _("Text message")
    LETTER = "letter", _("In writing")


class ReceptionRecordQuerySet(CommunityScopedQuerySet):
    def open(self):
        return self.exclude(status=ReceptionRecord.Status.CLOSED)


class ReceptionRecord(TimeStampedModel):
    """One line of the 业主接待记录表 (R-REC-1)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("reception status", "Awaiting handling")
        PENDING = "pending", pgettext_lazy("reception status", "Pending reply")
        TRANSFERRED = "transferred", pgettext_lazy("reception status", "Transferred")
        CLOSED = "closed", pgettext_lazy("reception status", "Closed")

    class Outcome(models.TextChoices):
        # R-REC-2: the four outcomes at the desk.
        HANDLED = "handled", _("Handled on the spot")
        PENDING = "pending", _("Pending reply")
        TRANSFERRED = "transferred", _("Transferred to a department")
        OUT_OF_REMIT = "out_of_remit", _("Outside our remit")
        # A record of kind complaint is followed up as a complaint case (complaints app).
        COMPLAINT = "complaint", _("Handled as a complaint")

    # The allowed transitions (STYLE.md 3); services refuse any other.
    NEXT = {
        Status.OPEN: {Status.PENDING, Status.TRANSFERRED, Status.CLOSED},
        Status.PENDING: {Status.TRANSFERRED, Status.CLOSED},
        Status.TRANSFERRED: {Status.PENDING, Status.CLOSED},
        Status.CLOSED: set(),
    }

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        Owner, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_type = models.CharField(
        _("who came"), max_length=20, choices=ContactType.choices, default=ContactType.OWNER
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # R-REC-7: a non-owner's personal data only with their consent, for a stated purpose.
    consent_given = models.BooleanField(_("consent given"), default=False)
    consent_purpose = models.CharField(_("purpose of collection"), max_length=200, blank=True)

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.VISIT)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("what was reported"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    request = models.TextField(_("what the owner asks"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    is_major = models.BooleanField(_("group incident or major matter"), default=False)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("what the owner was told"), blank=True)
    promised_reply_at = models.DateTimeField(_("promised reply time"), null=True, blank=True)
    reply_method = models.CharField(_("reply method"), max_length=20, choices=ReplyMethod.choices, blank=True)

    # R-REC-3: the first response — who, when, how, what was said.
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    first_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first response by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_response_method = models.CharField(
        _("first response method"), max_length=20, choices=ReplyMethod.choices, blank=True
    )
    first_response_note = models.TextField(_("first response"), blank=True)

    # R-REC-4 / R-REC-5: the result reported back to the owner closes the record.
    owner_reply_at = models.DateTimeField(_("owner told at"), null=True, blank=True)
    owner_reply_note = models.TextField(_("reply to the owner"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The case that took the matter over (a complaint): its number and page.
    handover_number = models.CharField(_("followed up as"), max_length=20, blank=True)
    handover_link = models.CharField(max_length=300, blank=True)

    objects = ReceptionRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("reception record")
        verbose_name_plural = _("reception records")
        indexes = [
            # The lists' order is (-received_at, -pk): with the pk in the index a deep page's keys
            # are an index-only scan (docs/PERFORMANCE.md).
            models.Index(fields=["community", "-received_at", "-id"], name="record_community_received"),
            models.Index(
                fields=["community", "status", "-received_at", "-id"], name="record_community_status"
            ),
            models.Index(fields=["received_by", "status"], name="record_staff_status"),
            models.Index(fields=["received_by", "community"], name="record_staff_community"),
            models.Index(fields=["unit", "-received_at"], name="record_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | ~Q(contact_name=""), name="record_has_unit_or_contact"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(status="closed"),
                name="record_closed_at_only_when_closed",
            ),
        ]
        permissions = [
            ("log_contact", _("Can log an owner contact")),
            ("view_records", _("Can view reception records")),
            ("handle_record", _("Can handle reception records")),
            ("process_work_order", _("Can sign for and report work orders")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def number(self) -> str:
        return f"JD{self.pk:06d}" if self.pk else ""

    @property
    def who(self) -> str:
        """The contact as the desk knows them: owner name or the non-owner's name."""
        if self.contact_name:
            return self.contact_name
        return self.owner.name if self.owner_id else ""

    @property
    def place(self) -> str:
        return self.unit.label if self.unit_id else ""

    def can_become(self, new: str) -> bool:
        return new in self.NEXT.get(self.status, set())

    def get_absolute_url(self) -> str:
        return reverse("reception:detail", args=[self.pk])


class WorkOrderQuerySet(CommunityScopedQuerySet):
    def open(self):
        return self.exclude(status=WorkOrder.Status.DONE)


class WorkOrder(TimeStampedModel):
    """内部协调工作单 (R-REC-4): sent to a department, signed for by a member, result recorded.

    Issued from a reception record, or from a case of another app (a complaint, R-CMP-5): then
    `record` is empty and `case` names it, with its number and page for the links.
    """

    class Status(models.TextChoices):
        SENT = "sent", pgettext_lazy("work order status", "Awaiting signature")
        SIGNED = "signed", pgettext_lazy("work order status", "Signed for")
        DONE = "done", pgettext_lazy("work order status", "Result recorded")

    NEXT = {Status.SENT: {Status.SIGNED}, Status.SIGNED: {Status.DONE}, Status.DONE: set()}

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    record = models.ForeignKey(
        ReceptionRecord,
        verbose_name=_("reception record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    case_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    case_id = models.PositiveBigIntegerField(null=True, blank=True)
    case = GenericForeignKey("case_type", "case_id")
    case_number = models.CharField(_("issued for"), max_length=20, blank=True)
    case_link = models.CharField(max_length=300, blank=True)
    # Where the work is (the case's unit, "3栋2单元1101室"), for orders issued from another app's case.
    place = models.CharField(_("place"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("receiving department"), on_delete=models.PROTECT, related_name="+"
    )
    task = models.TextField(_("task"))
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who follows the work order to the end and is told of its result (R-REC-4).
    follow_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("followed up by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_at = models.DateTimeField(_("deadline"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SENT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed for by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("result recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result_at = models.DateTimeField(_("result recorded at"), null=True, blank=True)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [
            models.Index(fields=["community", "department", "status", "due_at"], name="workorder_inbox"),
            models.Index(
                fields=["case_type", "case_id"], name="workorder_case", condition=Q(case_id__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(record__isnull=False) | Q(case_id__isnull=False),
                name="workorder_has_record_or_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.department}"

    @property
    def number(self) -> str:
        return f"GD{self.pk:06d}" if self.pk else ""

    def can_become(self, new: str) -> bool:
        return new in self.NEXT.get(self.status, set())

    def get_absolute_url(self) -> str:
        return reverse("reception:work-order", args=[self.pk])

    @property
    def origin_number(self) -> str:
        return self.record.number if self.record_id else self.case_number

    @property
    def origin_place(self) -> str:
        return self.record.place if self.record_id else self.place

    @property
    def origin_link(self) -> str:
        return self.record.get_absolute_url() if self.record_id else self.case_link


class ReceptionEvent(models.Model):
    """The record's timeline, work-order steps included (STYLE.md 5)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    # Empty for the events of a work order issued from another app's case.
    record = models.ForeignKey(
        ReceptionRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=50)  # dotted: "record.logged", "work_order.signed"
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["record", "created_at"], name="receptionevent_timeline")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.record_id}"

    @property
    def label(self) -> str:
        return event_label(self.kind)


# What the timeline says for each event kind.
EVENT_LABELS = {
    "record.logged": _("Logged"),
    "record.first_response": _("First response recorded"),
    "record.handled": _("Handled on the spot"),
    "record.pending": _("Pending reply: reply time promised"),
    "record.transferred": _("Transferred by work order"),
    "record.out_of_remit": _("Outside our remit: explained to the owner"),
    "record.owner_told": _("Result reported to the owner"),
    "record.major_reported": _("Reported to the center head and company leadership"),
    "record.to_complaint": _("Followed up as a complaint"),
    "work_order.sent": _("Work order sent"),
    "work_order.signed": _("Work order signed for"),
    "work_order.done": _("Work order result recorded"),
}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))

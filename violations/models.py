"""Owners' violations (业户违章): DOMAIN.md R-VIO-1 … R-VIO-9.

A Violation is one line of the 业户违章事件记录表 and a small state machine (DESIGN.md "The flow
of one matter"): `status` changes only through violations.services, which writes the timeline
(ViolationEvent), the measures taken (Measure, R-VIO-4), the notices issued (Notice, R-VIO-9) and
the ledger deadlines (propsvc.Deadline) in the same transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from archives.models import Owner, Unit
from propsvc.models import Community, CommunityScopedQuerySet, TimeStampedModel


class Category(models.TextChoices):
    """R-VIO-2."""

    RENOVATION = "renovation", pgettext_lazy("violation category", "Renovation")
    FIRE = "fire", _("Fire safety")
    SANITATION = "sanitation", _("Sanitation and environment")
    ORDER = "order", _("Public order")
    FEES = "fees", _("Refusing to pay fees")
    ENDANGERING = "endangering", _("Endangering others")


class SubType(models.TextChoices):
    """R-VIO-2: what exactly was done, within its category (SUBTYPES)."""

    STRUCTURE = "structure", _("Altering the structure or façade")
    LOAD_BEARING = "load_bearing", _("Altering a load-bearing wall")
    SHARED_SERVICES = "shared_services", _("Removing or taking over shared services")
    FLOOR_DRAIN = "floor_drain", _("Blocking or altering a floor drain")
    RENOVATION_OTHER = "renovation_other", _("Other renovation violation")
    FIRE_LANE = "fire_lane", _("Blocking a fire lane")
    FIRE_EQUIPMENT = "fire_equipment", _("Damaging fire equipment")
    WIRING = "wiring", _("Overloading wiring or improvised cables")
    BURNING = "burning", _("Burning things in a public area")
    NO_EXTINGUISHER = "no_extinguisher", _("Shop without fire extinguishers")
    FIRE_OTHER = "fire_other", _("Other fire-safety violation")
    LITTER = "litter", _("Littering")
    SANITARY_DAMAGE = "sanitary_damage", _("Damaging sanitary facilities")
    PILING = "piling", _("Piling things or building in a public space")
    THROWING = "throwing", _("Throwing things from height")
    NOISE = "noise", _("Noise nuisance")
    GREENERY = "greenery", _("Damaging greenery")
    SANITATION_OTHER = "sanitation_other", _("Other sanitation violation")
    PARKING = "parking", _("Illegal parking")
    HAZARDOUS = "hazardous", _("Keeping hazardous materials")
    GAMBLING = "gambling", _("Gambling or fighting")
    ORDER_OTHER = "order_other", _("Other public-order violation")
    FEE_REFUSAL = "fee_refusal", _("Refusing to pay fees without cause")
    ENDANGERING = "endangering", _("Endangering others or the community's safety")


SUBTYPES: dict[str, tuple[str, ...]] = {
    Category.RENOVATION: (
        SubType.STRUCTURE,
        SubType.LOAD_BEARING,
        SubType.SHARED_SERVICES,
        SubType.FLOOR_DRAIN,
        SubType.RENOVATION_OTHER,
    ),
    Category.FIRE: (
        SubType.FIRE_LANE,
        SubType.FIRE_EQUIPMENT,
        SubType.WIRING,
        SubType.BURNING,
        SubType.NO_EXTINGUISHER,
        SubType.FIRE_OTHER,
    ),
    Category.SANITATION: (
        SubType.LITTER,
        SubType.SANITARY_DAMAGE,
        SubType.PILING,
        SubType.THROWING,
        SubType.NOISE,
        SubType.GREENERY,
        SubType.SANITATION_OTHER,
    ),
    Category.ORDER: (SubType.PARKING, SubType.HAZARDOUS, SubType.GAMBLING, SubType.ORDER_OTHER),
    Category.FEES: (SubType.FEE_REFUSAL,),
    Category.ENDANGERING: (SubType.ENDANGERING,),
}


class Severity(models.TextChoices):
    GENERAL = "general", _("General violation")
    MAJOR = "major", _("Major violation")


def severity_of(*, caused_loss: bool, threatens_safety: bool) -> str:
    """R-VIO-3: no loss to owners and no threat to public safety is general; every other is major."""
    return Severity.MAJOR if (caused_loss or threatens_safety) else Severity.GENERAL


class ViolationQuerySet(CommunityScopedQuerySet):
    def open(self):
        return self.exclude(status=Violation.Status.CLOSED)


class Violation(TimeStampedModel):
    """One line of the 业户违章事件记录表 (R-VIO-5)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("violation status", "Being handled")
        RECTIFYING = "rectifying", pgettext_lazy("violation status", "Rectifying by a deadline")
        NOT_RECTIFIED = "not_rectified", pgettext_lazy("violation status", "Not rectified")
        PENALTY_PROPOSED = "penalty_proposed", pgettext_lazy("violation status", "Penalty awaiting signature")
        PENALTY_EFFECTIVE = "penalty_effective", pgettext_lazy("violation status", "Penalty in effect")
        CLOSED = "closed", pgettext_lazy("violation status", "Closed")

    # The allowed transitions (STYLE.md 3); services refuse any other. Persuasion (R-VIO-4) is a
    # measure that leaves the status as it is.
    NEXT = {
        Status.OPEN: {Status.RECTIFYING, Status.PENALTY_PROPOSED, Status.CLOSED},
        # re-inspection (a major case found rectified by a steward goes back to the superiors to close)
        Status.RECTIFYING: {Status.CLOSED, Status.NOT_RECTIFIED, Status.OPEN},
        Status.NOT_RECTIFIED: {Status.RECTIFYING, Status.PENALTY_PROPOSED},  # what follows if not
        Status.PENALTY_PROPOSED: {
            Status.PENALTY_EFFECTIVE,
            Status.OPEN,
            Status.NOT_RECTIFIED,
        },  # signed / refused
        Status.PENALTY_EFFECTIVE: {Status.PENALTY_PROPOSED, Status.CLOSED},  # a further penalty / done
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
    location = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("A public place, when no unit is concerned.")
    )
    category = models.CharField(_("violation category"), max_length=20, choices=Category.choices)
    subtype = models.CharField(_("violation type"), max_length=30, choices=SubType.choices)
    description = models.TextField(_("what was seen"))
    observed_at = models.DateTimeField(_("seen at"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    # R-VIO-3: severity follows from these two recorded facts, never typed freely.
    caused_loss = models.BooleanField(_("caused loss to owners"), default=False)
    loss_note = models.CharField(_("the loss"), max_length=300, blank=True)
    threatens_safety = models.BooleanField(_("threatens public safety"), default=False)
    safety_note = models.CharField(_("the threat"), max_length=300, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    # R-VIO-5: a major violation goes to the company's superiors at once.
    reported_to_superiors_at = models.DateTimeField(_("reported to the superiors at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    close_note = models.TextField(_("how it ended"), blank=True)

    objects = ViolationQuerySet.as_manager()

    class Meta:
        ordering = ["-observed_at", "-pk"]
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        indexes = [
            models.Index(fields=["community", "-observed_at"], name="violation_community_seen"),
            models.Index(fields=["community", "status", "-observed_at"], name="violation_community_status"),
            models.Index(fields=["community", "category", "observed_at"], name="violation_category"),
            # The retention job (R-VIO-8) reads closed cases by severity and closing time.
            models.Index(
                fields=["severity", "closed_at"], name="violation_closed", condition=Q(status="closed")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(severity="general") & Q(caused_loss=False) & Q(threatens_safety=False))
                | (Q(severity="major") & (Q(caused_loss=True) | Q(threatens_safety=True))),
                name="violation_severity_follows_the_facts",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(status="closed"),
                name="violation_closed_at_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | ~Q(location=""), name="violation_has_a_place"
            ),
        ]
        permissions = [
            ("register_violation", _("Can register a violation")),
            ("view_violations", _("Can view violations")),
            ("persuade_owner", _("Can record persuasion of an owner")),
            ("handle_violation", _("Can handle violations")),
            ("reinspect_violation", _("Can re-inspect a rectification")),
            ("sign_penalty", _("Can sign a penalty")),
            ("follow_up_owner", _("Can record the follow-up with the owner after a penalty")),
            ("view_charges", _("Can view the monthly charges to collect")),
            ("view_violation_statistics", _("Can view violation statistics")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_subtype_display()}"

    @property
    def number(self) -> str:
        return f"WZ{self.pk:06d}" if self.pk else ""

    @property
    def place(self) -> str:
        return self.unit.label if self.unit_id else self.location

    @property
    def who(self) -> str:
        return self.owner.name if self.owner_id else ""

    @property
    def is_major(self) -> bool:
        return self.severity == Severity.MAJOR

    def can_become(self, new: str) -> bool:
        return new in self.NEXT.get(self.status, set())

    def get_absolute_url(self) -> str:
        return reverse("violations:detail", args=[self.pk])


def _photo_path(instance, filename: str) -> str:
    # Random stored names (the upload's own name is kept in original_name only); MEDIA_ROOT is
    # never served as static: photos go out through the permission-checked view.
    return f"violations/{instance.community_id}/{filename}"


class Photo(models.Model):
    """A photo of what was seen (images only, checked by content; services.photo_validate)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=_photo_path, max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.original_name or self.file.name

    def get_absolute_url(self) -> str:
        return reverse("violations:photo", args=[self.violation_id, self.pk])


class Reaction(models.TextChoices):
    """The owner's reaction to persuasion (R-VIO-4, R-VIO-5)."""

    STOPPED = "stopped", _("Stopped and put it right")
    PROMISED = "promised", _("Promised to put it right")
    REFUSED = "refused", _("Refused")


class Measure(models.Model):
    """One measure taken (R-VIO-4), with its own record: persuasion, rectification by a deadline,
    or a penalty (compensation, public criticism, legal action) that takes effect when signed."""

    class Kind(models.TextChoices):
        PERSUASION = "persuasion", _("On-the-spot persuasion")
        RECTIFICATION = "rectification", _("Rectification by a deadline")
        COMPENSATION = "compensation", _("Compensation for losses")
        CRITICISM = "criticism", _("Public criticism")
        LEGAL = "legal", _("Legal action")

    class Status(models.TextChoices):
        DONE = "done", pgettext_lazy("measure status", "Done")
        RUNNING = "running", pgettext_lazy("measure status", "Deadline running")
        RECTIFIED = "rectified", pgettext_lazy("measure status", "Rectified")
        NOT_RECTIFIED = "not_rectified", pgettext_lazy("measure status", "Not rectified")
        PROPOSED = "proposed", pgettext_lazy("measure status", "Awaiting signature")
        EFFECTIVE = "effective", pgettext_lazy("measure status", "In effect")
        REFUSED = "refused", pgettext_lazy("measure status", "Not approved")

    PENALTIES = (Kind.COMPENSATION, Kind.CRITICISM, Kind.LEGAL)

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("measure"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    # Persuasion: the owner's reaction.
    reaction = models.CharField(
        _("the owner's reaction"), max_length=20, choices=Reaction.choices, blank=True
    )
    # Rectification: what must be done by when, and the re-inspection.
    requirement = models.TextField(_("what must be put right"), blank=True)
    due_at = models.DateTimeField(_("rectification deadline"), null=True, blank=True)
    reinspected_at = models.DateTimeField(_("re-inspected at"), null=True, blank=True)
    reinspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("re-inspected by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    reinspection_note = models.TextField(_("re-inspection findings"), blank=True)
    # Penalties: the proposal, the superior's signature (R-VIO-6) and how it was carried out.
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    basis = models.TextField(_("basis"), blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    sign_note = models.TextField(_("superior's remarks"), blank=True)
    published_at = models.DateField(_("published on"), null=True, blank=True)
    published_where = models.CharField(_("published where"), max_length=200, blank=True)
    lawyer_letter_on = models.DateField(_("lawyer's letter sent on"), null=True, blank=True)
    filed_on = models.DateField(_("lawsuit filed on"), null=True, blank=True)
    court = models.CharField(_("court and case number"), max_length=200, blank=True)
    # Which status the case returns to when a proposal is not approved.
    return_status = models.CharField(max_length=20, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        indexes = [
            models.Index(fields=["violation", "at"], name="measure_violation"),
            # The monthly charges to collect (R-VIO-7): signed compensations per community and month.
            models.Index(
                fields=["community", "signed_at"],
                name="measure_charges",
                condition=Q(kind="compensation", status="effective"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["violation"],
                condition=Q(status__in=["running", "proposed"]),
                name="measure_one_pending_per_violation",
            ),
            models.CheckConstraint(
                condition=~Q(kind="compensation") | Q(amount__gt=0), name="measure_compensation_has_amount"
            ),
            models.CheckConstraint(
                condition=~Q(kind="rectification") | Q(due_at__isnull=False),
                name="measure_rectification_has_deadline",
            ),
            models.CheckConstraint(
                condition=Q(filed_on__isnull=True) | Q(lawyer_letter_on__isnull=False),
                name="measure_lawyer_letter_before_filing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.violation_id}"

    @property
    def is_penalty(self) -> bool:
        return self.kind in self.PENALTIES

    @property
    def due_day(self):
        """The last day of a rectification (it runs to 24:00 of that day, R-TIME-1): what staff and
        owners read, rather than 00:00 of the next day."""
        from datetime import timedelta

        from django.utils import timezone

        return timezone.localtime(self.due_at - timedelta(microseconds=1)).date() if self.due_at else None


class Notice(models.Model):
    """A written notice handed to the owner (R-VIO-9); its issue date is kept on the case."""

    class Kind(models.TextChoices):
        VIOLATION = "violation", _("Violation notice")
        RECTIFICATION = "rectification", _("Rectification notice")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="notices")
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("notice"), max_length=20, choices=Kind.choices)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["issued_at", "pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("violations:notice", args=[self.violation_id, self.pk])

    @property
    def number(self) -> str:
        prefix = "TZ" if self.kind == self.Kind.VIOLATION else "ZG"
        return f"{prefix}{self.pk:06d}" if self.pk else ""


class ViolationEvent(models.Model):
    """The violation's timeline (STYLE.md 5): every transition, with who, when, from, to and note."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=50)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["violation", "created_at"], name="violationevent_timeline")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.violation_id}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))


EVENT_LABELS = {
    "violation.registered": _("Violation registered"),
    "violation.reported_to_superiors": _("Major violation reported to the company's superiors"),
    "violation.photos_added": _("Photos added"),
    "violation.reassessed": _("Severity reassessed"),
    "violation.persuaded": _("On-the-spot persuasion"),
    "violation.rectification_set": _("Rectification deadline set"),
    "violation.rectified": _("Re-inspection: rectified"),
    "violation.not_rectified": _("Re-inspection: not rectified"),
    "violation.penalty_proposed": _("Penalty proposed"),
    "violation.penalty_signed": _("Penalty signed and in effect"),
    "violation.penalty_refused": _("Penalty not approved"),
    "violation.criticism_published": _("Public criticism published"),
    "violation.lawyer_letter": _("Lawyer's letter sent"),
    "violation.lawsuit_filed": _("Lawsuit filed"),
    "violation.followed_up": _("The CS center reached out to the owner"),
    "violation.notice_issued": _("Notice issued"),
    "violation.closed": _("Closed"),
}


class FollowUp(models.Model):
    """After a penalty the CS center reaches out to the owner to ease relations (R-VIO-6, R-VIO-1)."""

    class Method(models.TextChoices):
        VISIT = "visit", _("Home visit")
        PHONE = "phone", _("Phone call")
        OFFICE = "office", _("At the service center")
        OTHER = "other", pgettext_lazy("follow-up method", "Other")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="follow_ups")
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    attitude = models.TextField(_("the owner's attitude"))

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.violation_id} {self.at:%Y-%m-%d}"


class ChargeListQuerySet(models.QuerySet):
    def visible_to(self, user):
        from propsvc.tenancy import ALL, community_scope

        scope = community_scope(user)
        return self if scope is ALL else self.filter(community__in=scope)


def _charges_path(instance, filename: str) -> str:
    return f"charges/{instance.month:%Y-%m}/{filename}"


class ChargeList(TimeStampedModel):
    """The month's charges to collect (代扣费用清单) of one community, built by Celery at month end
    and sent to finance; the CS center keeps this copy (R-VIO-7). Rebuilding a month replaces it."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    file = models.FileField(_("file"), upload_to=_charges_path, max_length=200)
    count = models.PositiveIntegerField(_("charges"), default=0)
    total = models.DecimalField(_("total (yuan)"), max_digits=12, decimal_places=2, default=0)

    objects = ChargeListQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "community__name"]
        verbose_name = _("charges to collect")
        verbose_name_plural = _("charges to collect")
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="charge_list_one_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.community}"

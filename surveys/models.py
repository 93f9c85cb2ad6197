"""Monthly owner visits (业户走访): DOMAIN.md R-VIS-1 … R-VIS-5. Questionnaires come later.

A Visit is one 业户访问记录 (R-VIS-2), written once by surveys.services.visit_record, which enforces
the rules a database cannot (visiting hours, an appointment made beforehand, no call-backs) and
keeps the one the database can: a household (a unit) is visited at most once in a calendar month
(R-VIS-1, R-TIME-2). The month's VisitSummary (R-VIS-4) is a small state machine — being prepared
by the customer service supervisor, then decided and submitted by the service center head — with
one Suggestion per visit that brought the owner's opinions and needs, and a ledger deadline
(propsvc.Deadline, kind "surveys.visit_summary") due at 24:00 on the 5th of the next month.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from archives.models import Owner, Unit
from propsvc.models import Community, CommunityScopedQuerySet, TimeStampedModel

# -- the month (R-TIME-2) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    """A calendar month in Asia/Shanghai (R-TIME-2): a visit on 31 March at 23:30 belongs to March."""

    first: date

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.replace(day=1))

    @classmethod
    def of_moment(cls, moment: datetime) -> "Month":
        return cls.of(timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).date())

    @classmethod
    def current(cls) -> "Month":
        return cls.of_moment(timezone.now())

    @property
    def previous(self) -> "Month":
        return Month.of(self.first - timedelta(days=1))

    @property
    def next(self) -> "Month":
        return Month.of(self.first + timedelta(days=32))

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))

    @property
    def end(self) -> datetime:
        return self.next.start

    def __str__(self) -> str:
        return f"{self.first:%Y-%m}"


# -- the monthly quota (R-VIS-1) -----------------------------------------------------------------------

# Community size in households (every unit) → the percentage of OCCUPIED households (自住/出租,
# Unit.LIVED_IN) to visit each month; over 800 households, 7%.
QUOTA_BANDS = ((300, 4), (500, 5), (800, 6))
QUOTA_PERCENT_OVER = 7


def quota_percent(households: int) -> int:
    for upper, percent in QUOTA_BANDS:
        if households <= upper:
            return percent
    return QUOTA_PERCENT_OVER


def visit_quota(*, households: int, occupied: int) -> int:
    """R-VIS-1: the month's visits owed — the band's percentage of occupied households, rounded up
    (integer arithmetic, so 5% of 301 is 16, never 15.000000001 or 15)."""
    return -(-occupied * quota_percent(households) // 100)


# -- the visit record (R-VIS-2, R-VIS-3, R-VIS-5) ---------------------------------------------------------


class Mode(models.TextChoices):
    """R-VIS-3. A call-back (回访) is not a visit mode: it belongs to the complaint (R-VIS-1)."""

    HOME = "home", pgettext_lazy("visit mode", "At home")
    OFFICE = "office", pgettext_lazy("visit mode", "At the service center")
    OUTDOORS = "outdoors", pgettext_lazy("visit mode", "Outdoors")
    QUESTIONNAIRE = "questionnaire", pgettext_lazy("visit mode", "Questionnaire")
    PHONE = "phone", pgettext_lazy("visit mode", "By phone")
    OTHER = "other", pgettext_lazy("visit mode", "Other")


# R-VIS-3, R-CB-6: no home visit and no call before 08:00 or from 22:00 on.
TIMED_MODES = (Mode.HOME, Mode.PHONE)


class Topic(models.TextChoices):
    """R-VIS-5: what the owner is asked about (several per visit)."""

    SECURITY = "security", pgettext_lazy("visit topic", "Security")
    CLEANING = "cleaning", pgettext_lazy("visit topic", "Cleaning")
    GREENING = "greening", pgettext_lazy("visit topic", "Greening")
    REPAIR_SKILL = "repair_skill", pgettext_lazy("visit topic", "Repairs: skill")
    REPAIR_ATTITUDE = "repair_attitude", pgettext_lazy("visit topic", "Repairs: attitude")
    REPAIR_TIMELINESS = "repair_timeliness", pgettext_lazy("visit topic", "Repairs: timeliness")
    FACILITIES = "facilities", pgettext_lazy("visit topic", "Leisure and children's facilities")
    STAFF = "staff", pgettext_lazy("visit topic", "Management staff")
    CONVENIENCE = "convenience", pgettext_lazy("visit topic", "Convenience services")
    DIFFICULTIES = "difficulties", pgettext_lazy("visit topic", "Special difficulties and needs")
    CULTURE = "culture", pgettext_lazy("visit topic", "Community culture")
    OTHER = "other", pgettext_lazy("visit topic", "Other")


class Signature(models.TextChoices):
    """R-VIS-2: the household is asked to sign the record and may refuse (not asked by phone)."""

    SIGNED = "signed", _("Signature obtained")
    REFUSED = "refused", _("Signature refused")


class Visit(TimeStampedModel):
    """One 业户访问记录 (R-VIS-2): which household, how, what was asked, what the owner said."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        Owner, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The first day of the visit's month in Asia/Shanghai (R-TIME-2): the once-a-month rule and the
    # month's counts read it.
    month = models.DateField(_("month"))
    mode = models.CharField(_("visit mode"), max_length=20, choices=Mode.choices)
    topics = models.JSONField(_("topics"), default=list)
    opinions = models.TextField(_("the owner's opinions and needs"), blank=True)
    signature = models.CharField(
        _("signature"), max_length=10, choices=Signature.choices, blank=True,
        help_text=_("Empty for a visit by phone."),
    )  # fmt: skip
    visited_at = models.DateTimeField(_("visited at"))
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("visited by"), on_delete=models.PROTECT, related_name="+"
    )
    # R-VIS-3: a home visit is by appointment — when it was agreed, and with whom.
    appointment_made_at = models.DateTimeField(_("appointment made at"), null=True, blank=True)
    appointment_with = models.CharField(_("appointment made with"), max_length=100, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at", "-pk"]
        verbose_name = _("owner visit")
        verbose_name_plural = _("owner visits")
        indexes = [
            models.Index(fields=["community", "-visited_at"], name="visit_community_at"),
            models.Index(fields=["community", "month"], name="visit_community_month"),
        ]
        constraints = [
            # R-VIS-1: never the same household twice in a month.
            models.UniqueConstraint(fields=["unit", "month"], name="visit_once_per_household_per_month"),
            models.CheckConstraint(
                condition=~Q(mode="home") | (Q(appointment_made_at__isnull=False) & ~Q(appointment_with="")),
                name="visit_home_by_appointment",
            ),
            models.CheckConstraint(
                condition=Q(appointment_made_at__isnull=True) | Q(appointment_made_at__lt=F("visited_at")),
                name="visit_appointment_beforehand",
            ),
            models.CheckConstraint(
                condition=(Q(mode="phone") & Q(signature=""))
                | (~Q(mode="phone") & Q(signature__in=["signed", "refused"])),
                name="visit_signature_asked",
            ),
        ]
        permissions = [
            ("record_visit", _("Can record an owner visit")),
            ("view_visits", _("Can view owner visits and the monthly quota")),
            ("prepare_visit_summary", _("Can prepare the monthly visit summary")),
            ("review_visit_summary", _("Can decide on the suggestions of the monthly visit summary")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.unit_id}"

    @property
    def number(self) -> str:
        return f"ZF{self.pk:06d}" if self.pk else ""

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(t, t)) for t in self.topics]

    @property
    def signature_label(self) -> str:
        return str(self.get_signature_display()) if self.signature else ""

    def get_absolute_url(self) -> str:
        return reverse("surveys:detail", args=[self.pk])


# -- the monthly summary (R-VIS-4) ----------------------------------------------------------------------


SUMMARY_DUE_DAY = 5  # R-VIS-4: by the 5th of the next month


class VisitSummary(TimeStampedModel):
    """The month's visit summary of one community, for the service center head (R-VIS-4)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("visit summary status", "Being prepared")
        PREPARED = "prepared", pgettext_lazy("visit summary status", "Awaiting the center head")
        SUBMITTED = "submitted", pgettext_lazy("visit summary status", "Submitted")

    # Preparing again while the head has not submitted only rewrites the supervisor's summary.
    NEXT = {
        Status.DRAFT: {Status.PREPARED},
        Status.PREPARED: {Status.PREPARED, Status.SUBMITTED},
        Status.SUBMITTED: set(),
    }

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The register as it stood when the summary was opened (the quota of that month).
    households = models.PositiveIntegerField(_("households"))
    occupied = models.PositiveIntegerField(_("occupied households"))
    quota = models.PositiveIntegerField(_("monthly visit quota"))
    visit_count = models.PositiveIntegerField(_("visits"), null=True, blank=True)
    overview = models.TextField(_("the supervisor's summary"), blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("prepared by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "community__name"]
        verbose_name = _("monthly visit summary")
        verbose_name_plural = _("monthly visit summaries")
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="visit_summary_one_per_month"),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(status="submitted"),
                name="visit_summary_submitted_at_only_when_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.community_id}"

    @property
    def period(self) -> Month:
        return Month.of(self.month)

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.SUBMITTED

    @property
    def due_day(self) -> date:
        """The last day to hand it in (R-VIS-4): the 5th of the next month, until 24:00 (R-TIME-1)."""
        return self.period.next.first.replace(day=SUMMARY_DUE_DAY)

    def can_become(self, new: str) -> bool:
        return new in self.NEXT.get(self.status, set())

    def get_absolute_url(self) -> str:
        return reverse("surveys:summary", args=[self.pk])


class Suggestion(models.Model):
    """The opinions and needs of one visit, as a suggestion the center head decides on (R-VIS-4)."""

    class Decision(models.TextChoices):
        PENDING = "pending", pgettext_lazy("suggestion decision", "Awaiting decision")
        ADOPTED = "adopted", pgettext_lazy("suggestion decision", "Adopted")
        PASSED = "passed", pgettext_lazy("suggestion decision", "Passed to the company complaint center")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    summary = models.ForeignKey(VisitSummary, on_delete=models.CASCADE, related_name="suggestions")
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="suggestion")
    text = models.TextField(_("suggestion"))
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    note = models.TextField(_("the center head's remarks"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(decision="pending") & Q(decided_at__isnull=True))
                | (~Q(decision="pending") & Q(decided_at__isnull=False)),
                name="suggestion_decided_at_when_decided",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:50]

    @property
    def is_decided(self) -> bool:
        return self.decision != self.Decision.PENDING


class VisitEvent(models.Model):
    """The timeline (STYLE.md 5) of a visit or of a monthly summary: who, when, what."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    summary = models.ForeignKey(
        VisitSummary, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=50)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["summary", "created_at"], name="visitevent_summary"),
            models.Index(fields=["visit", "created_at"], name="visitevent_visit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit__isnull=False) | Q(summary__isnull=False), name="visitevent_has_a_case"
            ),
        ]

    def __str__(self) -> str:
        return self.kind

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))


EVENT_LABELS = {
    "visit.recorded": _("Visit recorded"),
    "summary.opened": _("Summary opened with the month's visits"),
    "summary.suggestion_added": _("A late-recorded visit's suggestion was added"),
    "summary.prepared": _("Summary handed to the service center head"),
    "summary.suggestion_decided": _("Decision on a suggestion"),
    "summary.submitted": _("Summary submitted"),
}


# -- the suggestion box (R-COM-1) -------------------------------------------------------------------------

BOX_TEXT_MAX = 1000  # characters of one suggestion
BOX_CONTACT_MAX = 50


class BoxSuggestion(TimeStampedModel):
    """One note from the anonymous suggestion box (意见箱) of a community (R-COM-1).

    Nobody has to say who they are. A contact (phone or unit) is kept only when the person asked
    for an answer and agreed to be contacted. The client address is kept only as a keyed hash, for
    the rate limit (surveys.services.box_suggestion_post), never in clear.
    """

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("box suggestion status", "Awaiting an answer")
        ANSWERED = "answered", pgettext_lazy("box suggestion status", "Answered")
        NO_ANSWER = "no_answer", pgettext_lazy("box suggestion status", "No answer possible")

    NEXT = {Status.NEW: {Status.ANSWERED, Status.NO_ANSWER}, Status.ANSWERED: set(), Status.NO_ANSWER: set()}

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("suggestion"))
    contact = models.CharField(_("contact (phone or unit)"), max_length=BOX_CONTACT_MAX, blank=True)
    contact_consent = models.BooleanField(_("agreed to be contacted"), default=False)
    address_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    # The answer given (status answered), or why none was possible (status no_answer).
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("box suggestion")
        verbose_name_plural = _("box suggestions")
        indexes = [
            models.Index(fields=["community", "status", "-created_at"], name="boxsuggestion_inbox"),
            models.Index(fields=["community", "address_hash", "created_at"], name="boxsuggestion_rate"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact="") | Q(contact_consent=True), name="boxsuggestion_contact_with_consent"
            ),
            models.CheckConstraint(
                condition=(Q(status="new") & Q(answered_at__isnull=True))
                | (~Q(status="new") & Q(answered_at__isnull=False) & ~Q(answer="")),
                name="boxsuggestion_answered_at_when_answered",
            ),
        ]
        permissions = [("answer_suggestion", _("Can read and answer the suggestion box"))]

    def __str__(self) -> str:
        return self.text[:50]

    @property
    def number(self) -> str:
        return f"YJ{self.pk:06d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.NEW

    def can_become(self, new: str) -> bool:
        return new in self.NEXT.get(self.status, set())

    def get_absolute_url(self) -> str:
        return reverse("surveys:suggestions") + f"#s{self.pk}"

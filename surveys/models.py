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


class TimelineEvent(models.Model):
    """One step of a timeline (STYLE.md 5): who, when, what, the status before and after. The
    concrete timelines add the case they belong to."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
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
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.kind


class VisitEvent(TimelineEvent):
    """The timeline of a visit or of a monthly summary."""

    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    summary = models.ForeignKey(
        VisitSummary, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )

    class Meta(TimelineEvent.Meta):
        indexes = [
            models.Index(fields=["summary", "created_at"], name="visitevent_summary"),
            models.Index(fields=["visit", "created_at"], name="visitevent_visit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit__isnull=False) | Q(summary__isnull=False), name="visitevent_has_a_case"
            ),
        ]

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


# -- satisfaction questionnaires (R-SUR-1 … R-SUR-7) --------------------------------------------------------


# The answers an owner ticks per item (the values surveys.formulas counts).
class Answer(models.TextChoices):
    SATISFIED = "satisfied", pgettext_lazy("questionnaire answer", "Satisfied")
    BASIC = "basic", pgettext_lazy("questionnaire answer", "Basically satisfied")
    DISSATISFIED = "dissatisfied", pgettext_lazy("questionnaire answer", "Dissatisfied")


# R-VIS-5's topics that owners rate. "Special difficulties and needs" and "other" are not rated:
# they are what the free suggestions are grouped under (SUGGESTION_TOPICS).
DEFAULT_ITEMS = (
    Topic.SECURITY, Topic.CLEANING, Topic.GREENING, Topic.REPAIR_SKILL, Topic.REPAIR_ATTITUDE,
    Topic.REPAIR_TIMELINESS, Topic.FACILITIES, Topic.STAFF, Topic.CONVENIENCE, Topic.CULTURE,
)  # fmt: skip
COLLECTION_WORKING_DAYS = 15  # R-SUR-1
STATISTICS_WORKING_DAYS = 30  # R-SUR-7: the 问卷结果统计表
PUBLICATION_WORKING_DAYS = 30  # R-SUR-7: the measures on the bulletin board, from sending
# The round's ledger deadlines (propsvc.Deadline kinds), all opened when the round is sent, and the
# community's quarterly fee-account publication (R-COM-2; case = the Community).
KIND_COLLECTION = "surveys.collection"
KIND_STATISTICS = "surveys.statistics"
KIND_PUBLICATION = "surveys.publication"
KIND_FEE_ACCOUNT = "surveys.fee_account"
ITEM_KEY_MAX = 40
ITEM_LABEL_MAX = 60
SUGGESTION_MAX = 1000


def item_label(item: dict) -> str:
    """An item's name for the page: its own label, or (empty label) the R-VIS-5 topic's, translated."""
    if item.get("label"):
        return item["label"]
    labels = dict(Topic.choices)
    return str(labels.get(item["key"], item["key"]))


class QuestionnaireTemplate(TimeStampedModel):
    """The company's questionnaire (满意度调查问卷): the items owners rate. A round copies the items
    when it is created, so changing the template never changes a round already out.

    `items` is a list of {"key": …, "label": …}; an empty label is the R-VIS-5 topic of that key.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    items = models.JSONField(_("items"), default=list)
    is_default = models.BooleanField(_("used for new rounds"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("questionnaire template")
        verbose_name_plural = _("questionnaire templates")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="questionnairetemplate_one_default"
            ),
        ]
        permissions = [("manage_questionnaire", _("Can edit the questionnaire templates"))]

    def __str__(self) -> str:
        return self.name

    @property
    def item_labels(self) -> list[str]:
        return [item_label(item) for item in self.items]


class SurveyRound(TimeStampedModel):
    """One community's satisfaction survey of June or December (R-SUR-1): the delivery list (one
    Questionnaire per occupied unit), the 15-working-day collection window, the statistics and the
    publication, each due 30 working days after sending (R-SUR-7), all as ledger deadlines."""

    class Period(models.IntegerChoices):
        JUNE = 6, pgettext_lazy("survey period", "June")
        DECEMBER = 12, pgettext_lazy("survey period", "December")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("survey round status", "Being prepared")
        COLLECTING = "collecting", pgettext_lazy("survey round status", "Collecting")
        CLOSED = "closed", pgettext_lazy("survey round status", "Collection closed")
        REPORTED = "reported", pgettext_lazy("survey round status", "Statistics finished")
        PUBLISHED = "published", pgettext_lazy("survey round status", "Measures published")

    NEXT = {
        Status.DRAFT: {Status.COLLECTING},
        Status.COLLECTING: {Status.CLOSED},
        Status.CLOSED: {Status.REPORTED},
        Status.REPORTED: {Status.PUBLISHED},
        Status.PUBLISHED: set(),
    }

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.PositiveSmallIntegerField(_("survey month"), choices=Period.choices)
    template = models.ForeignKey(
        QuestionnaireTemplate, verbose_name=_("questionnaire template"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    items = models.JSONField(_("items"), default=list)  # copied from the template
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    # Sending (发放): the day the questionnaires went out; the window and both R-SUR-7 deadlines
    # count from it, on the working-day calendar.
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    collect_until = models.DateTimeField(_("collection closes"), null=True, blank=True)
    statistics_due = models.DateTimeField(_("statistics due"), null=True, blank=True)
    publication_due = models.DateTimeField(_("publication due"), null=True, blank=True)
    closed_at = models.DateTimeField(_("collection closed at"), null=True, blank=True)
    # The statistics as finished (a snapshot of the figures, so the table never changes afterwards).
    figures = models.JSONField(_("figures"), null=True, blank=True)
    analysis = models.TextField(_("analysis of the suggestions"), blank=True)
    reported_at = models.DateTimeField(_("statistics finished at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("statistics finished by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    measures = models.TextField(_("improvement measures"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    # R-SUR-7: the original stays with the center; a copy goes to the quality department.
    quality_copy_on = models.DateField(_("copy sent to the quality department on"), null=True, blank=True)
    quality_copy_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("copy sent by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    quality_copy_note = models.CharField(_("how the copy was sent"), max_length=200, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-period", "community__name"]
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        indexes = [models.Index(fields=["community", "-year", "-period"], name="surveyround_community")]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "period"], name="surveyround_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(sent_on__isnull=False) & Q(collect_until__isnull=False)),
                name="surveyround_sent_when_out",
            ),
        ]
        permissions = [
            ("run_survey", _("Can run a satisfaction survey and enter its questionnaires")),
            ("view_surveys", _("Can view satisfaction surveys and their statistics")),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.period:02d}"

    @property
    def number(self) -> str:
        return f"WJ{self.pk:06d}" if self.pk else ""

    @property
    def item_keys(self) -> list[str]:
        return [item["key"] for item in self.items]

    @property
    def item_labels(self) -> list[str]:
        return [item_label(item) for item in self.items]

    def can_become(self, new: str) -> bool:
        return new in self.NEXT.get(self.status, set())

    def get_absolute_url(self) -> str:
        return reverse("surveys:round", args=[self.pk])


class Questionnaire(models.Model):
    """One unit's questionnaire in a round's delivery list, and its return (paper or online).

    `answers` maps an item key to the list of answers ticked (Answer values): empty or missing is
    a blank, two or more ticks an abstention too (R-SUR-5, counted by surveys.formulas). `token` is
    the unit's secret online link, printed on the paper form as a QR code: it answers once, only
    while the window is open (R-SUR-1)."""

    class Channel(models.TextChoices):
        PAPER = "paper", pgettext_lazy("questionnaire channel", "Paper")
        ONLINE = "online", pgettext_lazy("questionnaire channel", "Online")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="questionnaires")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=32, unique=True, editable=False)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    channel = models.CharField(_("returned by"), max_length=10, choices=Channel.choices, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    suggestion = models.TextField(_("suggestions"), blank=True)
    suggestion_topic = models.CharField(_("suggestion about"), max_length=ITEM_KEY_MAX, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["round", "pk"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        indexes = [models.Index(fields=["round", "returned_at"], name="questionnaire_round_returned")]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="questionnaire_once_per_unit"),
            models.CheckConstraint(
                condition=(Q(returned_at__isnull=True) & Q(channel=""))
                | (Q(returned_at__isnull=False) & Q(channel__in=["paper", "online"])),
                name="questionnaire_channel_when_returned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.unit_id}"

    @property
    def is_returned(self) -> bool:
        return self.returned_at is not None


class SurveyEvent(TimelineEvent):
    """The round's timeline: created, sent, returns entered, closed, statistics, published, copy."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="events")

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["round", "created_at"], name="surveyevent_round")]


# -- bulletin-board notices (R-COM-2) ---------------------------------------------------------------------

FEE_ACCOUNT_MONTHS = 3  # R-COM-2: fee accounts published at least every three months
CUT_NOTICE_HOURS = 24  # R-COM-2: a planned cut is announced at least 24 hours ahead


class Notice(TimeStampedModel):
    """A notice for a community's bulletin board (公告), printable on A4 (R-COM-2).

    Written as a draft, printed, put up, then marked published: the publication time is the moment
    it was marked, never typed in. A planned water or power cut must be published at least 24 hours
    before it starts; an unplanned one is explained with an apology afterwards. Publishing the fee
    accounts meets the community's quarterly ledger deadline and opens the next one. The result of a
    satisfaction survey is published from its round (SurveyRound.notice).
    """

    class Kind(models.TextChoices):
        WATER_CUT = "water_cut", pgettext_lazy("notice kind", "Planned water cut")
        POWER_CUT = "power_cut", pgettext_lazy("notice kind", "Planned power cut")
        UNPLANNED_CUT = (
            "unplanned_cut",
            pgettext_lazy("notice kind", "Unplanned cut: explanation and apology"),
        )
        FEE_ACCOUNT = "fee_account", pgettext_lazy("notice kind", "Fee accounts")
        SURVEY_RESULT = "survey_result", pgettext_lazy("notice kind", "Satisfaction survey results")
        OTHER = "other", pgettext_lazy("notice kind", "Other notice")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("notice status", "Draft")
        PUBLISHED = "published", pgettext_lazy("notice status", "Published")
        WITHDRAWN = "withdrawn", pgettext_lazy("notice status", "Withdrawn")

    PLANNED_CUTS = (Kind.WATER_CUT, Kind.POWER_CUT)

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind of notice"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # A cut: when it starts and ends (planned), or when it happened (unplanned).
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    # Fee accounts: the period the accounts cover.
    period_from = models.DateField(_("accounts from"), null=True, blank=True)
    period_to = models.DateField(_("accounts to"), null=True, blank=True)
    survey_round = models.OneToOneField(
        SurveyRound, verbose_name=_("survey round"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="notice",
    )  # fmt: skip
    signed_by = models.CharField(_("issued by"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawing"), max_length=200, blank=True)

    objects = CommunityScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            models.Index(fields=["community", "-created_at"], name="notice_community"),
            models.Index(fields=["community", "kind", "-published_at"], name="notice_community_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="draft") & Q(published_at__isnull=True))
                | (~Q(status="draft") & Q(published_at__isnull=False)),
                name="notice_published_at_when_published",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="notice_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(period_to__isnull=True)
                | Q(period_from__isnull=True)
                | Q(period_to__gte=F("period_from")),
                name="notice_period_in_order",
            ),
        ]
        permissions = [("publish_notice", _("Can write and publish bulletin-board notices"))]

    def __str__(self) -> str:
        return self.title

    @property
    def number(self) -> str:
        return f"GG{self.pk:06d}" if self.pk else ""

    def get_absolute_url(self) -> str:
        return reverse("surveys:notice", args=[self.pk])

"""The unit and owner register (业户档案的基础): buildings, units, owners, ownerships.

Every row carries its community (DESIGN.md "Scale": indexes lead with community_id)
and is read through `visible_to(user)`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propsvc.models import Community, CommunityScopedQuerySet, TimeStampedModel, scoped_manager
from propsvc.validators import mask_phone, normalize_mobile, validate_cn_mobile


class Building(TimeStampedModel):
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="buildings"
    )
    number = models.CharField(
        _("building number"), max_length=20, help_text=_('As written on the building, e.g. "3" for 3栋.')
    )
    sort_key = models.CharField(max_length=30, editable=False, default="")

    objects = scoped_manager()

    class Meta:
        ordering = ["community", "sort_key"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="building_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}栋"

    def save(self, *args, **kwargs):
        # Natural order: 2栋 before 10栋, letters after numbers.
        self.sort_key = self.number.zfill(10) if self.number.isdigit() else f"~{self.number}"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("archives:building", args=[self.pk])


class Unit(TimeStampedModel):
    """A unit (房屋), written 3栋2单元1101室: room 1101 is floor 11, door 01."""

    class Use(models.TextChoices):
        OCCUPIED = "occupied", pgettext_lazy("unit use", "Owner-occupied")
        RENTED = "rented", pgettext_lazy("unit use", "Rented")
        VACANT = "vacant", pgettext_lazy("unit use", "Vacant")
        RENOVATING = "renovating", pgettext_lazy("unit use", "Renovating")

    # Occupied households (入住户数) count the units someone lives in: the owner or a tenant.
    LIVED_IN = (Use.OCCUPIED, Use.RENTED)

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="units"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="units"
    )
    entrance = models.PositiveSmallIntegerField(_("entrance"))
    floor = models.SmallIntegerField(_("floor"))
    room = models.CharField(_("room number"), max_length=10)
    area = models.DecimalField(_("floor area (m²)"), max_digits=8, decimal_places=2)
    handover_date = models.DateField(_("handover date"), null=True, blank=True)
    use = models.CharField(_("use of the unit"), max_length=20, choices=Use.choices, default=Use.VACANT)

    objects = scoped_manager()

    class Meta:
        ordering = ["community", "building__sort_key", "entrance", "floor", "room"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["building", "entrance", "room"], name="unit_unique_room"),
            models.CheckConstraint(condition=Q(area__gt=0), name="unit_area_positive"),
        ]
        indexes = [models.Index(fields=["community", "room"], name="unit_community_room")]
        permissions = [
            ("view_register", _("Can view the unit and owner register")),
            ("change_unit_use", _("Can change the use of a unit")),
            ("transfer_ownership", _("Can record a change of owner")),
            ("import_roster", _("Can import a roster of buildings, units and owners")),
            ("request_lookup", _("Can request a look-up of an owner archive")),
            ("approve_lookup", _("Can approve archive look-ups")),
            ("register_lookup", _("Can register approved archive look-ups")),
            ("edit_archive", _("Can write into an owner archive")),
            ("view_access_log", _("Can view the archive access log")),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.building.number}栋{self.entrance}单元{self.room}室"

    @property
    def is_lived_in(self) -> bool:
        return self.use in self.LIVED_IN

    def get_absolute_url(self) -> str:
        return reverse("archives:unit", args=[self.pk])


class Owner(TimeStampedModel):
    """A registered owner (业主) in one community. Full contact data lives in the archive."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="owners"
    )
    name = models.CharField(_("owner name"), max_length=50)
    mobile = models.CharField(_("mobile phone"), max_length=11, validators=[validate_cn_mobile])
    mobile_tail = models.CharField(max_length=4, editable=False, default="")
    wechat = models.CharField(_("WeChat ID"), max_length=50, blank=True)
    other_phone = models.CharField(_("other phone"), max_length=20, blank=True)
    # R-ARC-5: set when a former owner's personal fields were anonymised (archives.privacy); the
    # ownerships, the unit's archive and the cases stay.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    objects = scoped_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        indexes = [
            models.Index(fields=["community", "mobile_tail"], name="owner_community_phone_tail"),
            models.Index(
                fields=["community", "name"],
                name="owner_community_name",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.mobile = normalize_mobile(self.mobile)
        self.mobile_tail = self.mobile[-4:]
        super().save(*args, **kwargs)

    @property
    def masked_mobile(self) -> str:
        # An anonymised former owner has no phone any more (R-ARC-5): the register shows a dash.
        return mask_phone(self.mobile) if self.mobile else "—"


class OwnershipQuerySet(CommunityScopedQuerySet):
    def current(self):
        return self.filter(end_date__isnull=True)


class Ownership(TimeStampedModel):
    """Owner ↔ unit from a date; a change of owner closes it (end_date) and keeps it."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="ownerships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="ownerships"
    )
    owner = models.ForeignKey(
        Owner, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="ownerships"
    )
    start_date = models.DateField(_("owner since"))
    end_date = models.DateField(_("owner until"), null=True, blank=True)
    end_reason = models.CharField(_("reason for the change"), max_length=200, blank=True)

    objects = OwnershipQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "owner"],
                name="ownership_one_open_per_owner",
                condition=Q(end_date__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="ownership_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["unit", "end_date"], name="ownership_unit_open")]

    def __str__(self) -> str:
        return f"{self.owner} · {self.unit}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class UnitEvent(models.Model):
    """The unit's timeline: every change to the register, with who, when and why (R-ARC-3)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=50)  # dotted: "unit.use_changed", "unit.owner_changed"
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unit", "-created_at"], name="unitevent_unit_timeline")]

    def __str__(self):
        return f"{self.kind} @ {self.unit_id}"


# -- The confidential owner archive (R-ARC-1 … R-ARC-6, DESIGN.md "Privacy") ---------------------------
#
# Everything below is read only inside an open look-up window (LookupRequest) and every read is
# written to the AccessLog. The register above (unit, owner name, masked phone) stays what the front
# desk sees.


class ConsentGroup(models.TextChoices):
    """The personal field groups (R-ARC-6); each rests on a recorded consent (R-REC-7)."""

    CONTACT = "contact", _("Contact details")
    FAMILY = "family", _("Family members")
    EMERGENCY = "emergency", _("Emergency contact")
    VEHICLES = "vehicles", _("Vehicles")


# Family members, the emergency contact and vehicles are optional and voluntary: nothing is stored
# without the owner's consent (R-REC-7). The contact group rests on the property service contract,
# but its consent (purpose, date) is recorded too.
OPTIONAL_GROUPS = (ConsentGroup.FAMILY, ConsentGroup.EMERGENCY, ConsentGroup.VEHICLES)


class Consent(models.Model):
    """The consent a personal field group of one owner rests on: purpose, date, who recorded it."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        Owner, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="consents"
    )
    group = models.CharField(_("information"), max_length=20, choices=ConsentGroup.choices)
    purpose = models.CharField(_("purpose of collection"), max_length=200)
    given_on = models.DateField(_("consent given on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    objects = scoped_manager()

    class Meta:
        ordering = ["group", "-given_on"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "group"],
                condition=Q(withdrawn_on__isnull=True),
                name="consent_one_per_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.group}"


class FamilyMember(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="family")
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation to the owner"), max_length=20)
    mobile = models.CharField(_("mobile phone"), max_length=11, blank=True, validators=[validate_cn_mobile])
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return self.name


class EmergencyContact(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="emergency_contacts")
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation to the owner"), max_length=20)
    mobile = models.CharField(_("mobile phone"), max_length=11, validators=[validate_cn_mobile])
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="vehicles")
    plate = models.CharField(_("number plate"), max_length=12)
    description = models.CharField(_("make and colour"), max_length=50, blank=True)
    parking_space = models.CharField(_("parking space"), max_length=20, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return self.plate


class ArchivePart(models.TextChoices):
    """R-ARC-1: the three parts of an owner archive."""

    BASIC = "basic", _("Basic data")
    RENOVATION = "renovation", _("Renovation data")
    OTHER = "other", _("Other data")


def _document_path(instance, filename: str) -> str:
    return f"archives/{instance.community_id}/{filename}"


class ArchiveDocument(models.Model):
    """A document in one part of a unit's archive (PDF, image, Office file, checked by content).

    Kept permanently (R-ARC-5): no page deletes one. Stored under a random name outside static and
    served only inside an open look-up window (every download is logged)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="documents")
    part = models.CharField(_("part of the archive"), max_length=20, choices=ArchivePart.choices)
    title = models.CharField(_("title"), max_length=100)
    file = models.FileField(_("file"), upload_to=_document_path, max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = scoped_manager()

    class Meta:
        ordering = ["part", "uploaded_at", "pk"]
        verbose_name = _("archive document")
        verbose_name_plural = _("archive documents")
        indexes = [models.Index(fields=["unit", "part"], name="archive_document_unit")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("archives:document", args=[self.pk])


class ArchiveChange(models.Model):
    """The archive's change history (R-ARC-3): every change of contact, family, emergency contact,
    vehicle, consent or document, with who, when, why and what it was before."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="archive_changes"
    )
    owner = models.ForeignKey(
        Owner, null=True, blank=True, on_delete=models.PROTECT, related_name="archive_changes"
    )
    kind = models.CharField(max_length=50)  # dotted: "contact.changed", "family.added", …
    reason = models.CharField(_("reason"), max_length=200)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "-at"], name="archive_change_owner"),
            models.Index(fields=["unit", "-at"], name="archive_change_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d}"

    @property
    def label(self) -> str:
        return str(CHANGE_LABELS.get(self.kind, self.kind))

    @property
    def before_text(self) -> str:
        return _change_text(self.kind, self.before)

    @property
    def after_text(self) -> str:
        return _change_text(self.kind, self.after)


def _change_text(kind: str, values: dict) -> str:
    """How the history shows what an entry was or became (values scrubbed after a withdrawal show nothing)."""
    if not values:
        return ""
    group = kind.split(".", 1)[0]
    if group == "contact":
        parts = [values.get("mobile", ""), values.get("other_phone", ""), values.get("wechat", "")]
        return " · ".join(p for p in parts if p)
    if group in ("family", "emergency"):
        relation = f"（{values['relation']}）" if values.get("relation") else ""
        return f"{values.get('name', '')}{relation} {values.get('mobile', '')}".strip()
    if group == "vehicle":
        return " ".join(
            v for v in (values.get("plate"), values.get("description"), values.get("parking_space")) if v
        )
    if group == "consent":
        label = ConsentGroup(values["group"]).label if values.get("group") in ConsentGroup.values else ""
        return f"{label}：{values.get('purpose', '')}（{values.get('given_on', '')}）" if label else ""
    if group == "document":
        label = ArchivePart(values["part"]).label if values.get("part") in ArchivePart.values else ""
        return f"{label}：{values.get('title', '')}"
    return ""


CHANGE_LABELS = {
    "contact.changed": _("Contact details changed"),
    "family.added": _("Family member added"),
    "family.removed": _("Family member removed"),
    "emergency.added": _("Emergency contact added"),
    "emergency.removed": _("Emergency contact removed"),
    "vehicle.added": _("Vehicle added"),
    "vehicle.removed": _("Vehicle removed"),
    "consent.recorded": _("Consent recorded"),
    "consent.withdrawn": _("Consent withdrawn; the information was removed"),
    "document.added": _("Document added"),
    "family.anonymised": _("Former family member anonymised"),
    "emergency.anonymised": _("Former emergency contact anonymised"),
}


class LookupRequest(TimeStampedModel):
    """A confidential look-up (查阅申请, R-ARC-4): requested, approved by the CS center manager,
    registered by the archivist, which opens a window for the requester alone; it closes when it
    expires (Celery, and every read checks the time itself)."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("look-up status", "Awaiting approval")
        APPROVED = "approved", pgettext_lazy("look-up status", "Approved, awaiting registration")
        REJECTED = "rejected", pgettext_lazy("look-up status", "Rejected")
        OPEN = "open", pgettext_lazy("look-up status", "Open")
        CLOSED = "closed", pgettext_lazy("look-up status", "Closed")

    NEXT = {
        Status.PENDING: {Status.APPROVED, Status.REJECTED, Status.CLOSED},
        Status.APPROVED: {Status.OPEN, Status.CLOSED},
        Status.OPEN: {Status.CLOSED},
        Status.REJECTED: set(),
        Status.CLOSED: set(),
    }

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="lookups")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason for the look-up"), max_length=300)
    minutes = models.PositiveIntegerField(_("access window (minutes)"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved or rejected by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    decision_note = models.CharField(_("remarks"), max_length=300, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    opens_at = models.DateTimeField(_("window opens at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("window closes at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(max_length=20, blank=True)  # expired / by_requester / withdrawn

    objects = scoped_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("look-up request")
        verbose_name_plural = _("look-up requests")
        indexes = [
            models.Index(fields=["community", "status", "-created_at"], name="lookup_community_status"),
            models.Index(
                fields=["requested_by", "unit"], name="lookup_open_window", condition=Q(status="open")
            ),
            models.Index(fields=["expires_at"], name="lookup_expiry", condition=Q(status="open")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="open") | Q(expires_at__isnull=False), name="lookup_open_has_expiry"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"CY{self.pk:06d}" if self.pk else ""

    def can_become(self, new: str) -> bool:
        return new in self.NEXT.get(self.status, set())


class AccessLogQuerySet(CommunityScopedQuerySet):
    """Append-only: no bulk update or delete through the ORM (and a trigger on PostgreSQL)."""

    def update(self, **kwargs):
        raise AccessLog.Immutable("the access log cannot be changed")

    def delete(self):
        raise AccessLog.Immutable("the access log cannot be deleted")


class AccessLog(models.Model):
    """One read of a confidential archive inside a window (查阅记录): who, which archive, what, when,
    from which address, under which request. Nothing can change or delete an entry."""

    class What(models.TextChoices):
        PAGE = "page", _("Archive page viewed")
        DOCUMENT = "document", _("Document downloaded")
        EXPORT = "export", _("Owner's personal data exported")

    class Immutable(Exception):
        pass

    at = models.DateTimeField(_("at"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        LookupRequest, verbose_name=_("look-up request"), on_delete=models.PROTECT, related_name="log"
    )
    what = models.CharField(_("what"), max_length=20, choices=What.choices)
    document = models.ForeignKey(
        ArchiveDocument,
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["community", "-at"], name="access_log_community_at"),
            models.Index(fields=["unit", "-at"], name="access_log_unit_at"),
            models.Index(fields=["user", "-at"], name="access_log_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.unit_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.Immutable("the access log cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.Immutable("the access log cannot be deleted")
